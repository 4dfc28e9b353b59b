"""``whynolog import users``: a CRM export merged into org.yaml, through typer's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.base.errors import InputError, InputErrors
from whynolog.engine.read.userimport import read_user_export

STARTER = Path(__file__).parents[1] / "cli" / "starter"
runner = CliRunner()

EXPORT = """\
Full Name,Primary Email,Status,Other Emails
Alice Smith,alice@acme.com,Active,alice.s@acme.com
Carol Jones,carol@acme.com,Active,
Zoe New,zoe@acme.com,Active,zoe.n@acme.co.uk; z@acme.com
Dan Brown,dan@acme.com,Inactive,
Erin Lee,erin.lee@acme.com,yes,
"""


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    shutil.copy(STARTER / "org.yaml", tmp_path / "org.yaml")
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    return tmp_path


def _invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def test_import_adds_updates_and_keeps_comments_and_order(kit: Path) -> None:
    before = (kit / "org.yaml").read_text(encoding="utf-8")
    result = _invoke("import", "users", str(kit / "export.csv"), "--config", str(kit / "org.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:5] == [
        "Alice Smith: address alice.s@acme.com added",
        "Carol Jones: activated",
        "Zoe New: added (zoe@acme.com, zoe.n@acme.co.uk, z@acme.com)",
        "Dan Brown: deactivated",
        "Erin Lee: address erin.lee@acme.com added",  # matched by name
    ]
    after = (kit / "org.yaml").read_text(encoding="utf-8")
    comments = [line.partition("#")[2] for line in before.splitlines() if "#" in line]
    assert comments == [line.partition("#")[2] for line in after.splitlines() if "#" in line]
    assert after.startswith(before.splitlines()[0])
    assert after.index("Alice Smith") < after.index("Dan Brown") < after.index("Zoe New")
    assert after.index("Zoe New") < after.index("content_filters:")
    assert "    emails: [zoe@acme.com, zoe.n@acme.co.uk, z@acme.com]" in after


def test_a_user_it_adds_can_log_at_once(kit: Path) -> None:
    email = kit / "email.yaml"
    email.write_text("from: Pat <pat@customer.com>\nto: [z@acme.com]\nsubject: Order\n")
    config = str(kit / "org.yaml")
    before = _invoke("simulate", str(email), "--config", config, "--format", "jsonl")
    assert json.loads(before.stdout)["outcome"] == "NOLOG_NO_USERS"
    assert _invoke("import", "users", str(kit / "export.csv"), "--config", config).exit_code == 0
    after = _invoke("simulate", str(email), "--config", config, "--format", "jsonl")
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout)["outcome"] == "LOG_OK"


def test_dry_run_prints_the_diff_and_writes_nothing(kit: Path) -> None:
    before = (kit / "org.yaml").read_text(encoding="utf-8")
    result = _invoke(
        "import", "users", str(kit / "export.csv"), "--config", str(kit / "org.yaml"), "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert "+  - name: Zoe New" in result.stdout
    assert "-    active: false" in result.stdout
    assert (kit / "org.yaml").read_text(encoding="utf-8") == before


def test_a_second_import_changes_nothing(kit: Path) -> None:
    config = str(kit / "org.yaml")
    _invoke("import", "users", str(kit / "export.csv"), "--config", config)
    again = _invoke("import", "users", str(kit / "export.csv"), "--config", config)
    assert again.exit_code == 0
    assert "no change" in again.stdout


def test_an_address_in_another_spelling_is_the_same_address(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    config.write_text(
        "organization:\n  name: Bücher\n  internal_domains: [xn--bcher-kva.de]\n"
        "users:\n  - name: Anna Berg\n    emails: [anna@xn--bcher-kva.de]\n",
        encoding="utf-8",
    )
    export = tmp_path / "export.csv"
    export.write_text("Name,Email,Active\nAnna Berg,Anna@Bücher.de,yes\n", encoding="utf-8")
    result = _invoke("import", "users", str(export), "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "no change" in result.stdout
    assert "Bücher.de" not in config.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("Name,Email,Active,Aliases", "Ann Lee,ann@acme.com,TRUE,"),
        ("full_name;E-Mail Address;is active;alias", "Ann Lee;ann@acme.com;1;"),
        ("Display Name\tPRIMARY_EMAIL\tUser Status", "Ann Lee\tann@acme.com\tenabled"),
        ("First Name|Last Name|Email", "Ann|Lee|ann@acme.com"),
    ],
)
def test_usual_header_names_and_delimiters(header: str, row: str) -> None:
    (user,) = read_user_export("export.csv", f"{header}\n{row}\n")
    assert (user.name, user.emails) == ("Ann Lee", ("ann@acme.com",))


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("Name,Role\nAnn,admin\n", "export.csv:1:1", "no email column"),
        ("Name,Email\nAnn,not-an-address\n", "export.csv:2:2", "no email address"),
        ("Name,Email\nAnn,a@x.com b@x.com\n", "export.csv:2:2", "a@x.com, b@x.com"),
        ("Name,Email,Status\nAnn,a@x.com,maybe\n", "export.csv:2:3", "'maybe' is neither"),
    ],
)
def test_mistakes_are_reported_at_their_position(text: str, where: str, message: str) -> None:
    with pytest.raises((InputError, InputErrors)) as error:
        read_user_export("export.csv", text)
    assert str(error.value).startswith(where)
    assert message in str(error.value)


def test_a_bad_export_exits_2_without_a_traceback(kit: Path) -> None:
    (kit / "export.csv").write_text("Name,Email\nAnn,nobody\n", encoding="utf-8")
    result = _invoke("import", "users", str(kit / "export.csv"), "--config", str(kit / "org.yaml"))
    assert result.exit_code == 2
    assert "export.csv:2:2: no email address" in result.output
