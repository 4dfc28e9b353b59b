"""A pack of one's own adds an outcome code: every command treats it as one of its own.

The pack holds mass mailings (outbound email with more than three external
recipients) under ``HOLD_MASS_MAILING``; nothing in the code knows that name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.base.errors import InputErrors
from whynolog.engine.decide.rulepack import load_rule_pack, shipped_rules_path

CONFIG = str(Path(__file__).parent / "fixtures" / "diagnose" / "org.yaml")
CODE = "HOLD_MASS_MAILING"
OUTCOME = f"""  - code: {CODE}
    meaning: The email went to many external recipients and waits for a person to release it.
    remedy: Release it from the hold queue, or send it to fewer recipients.
    logged: false
"""
RULE = f"""
  - id: mass-mailing
    description: Outbound email to more than three external recipients is held.
    priority: 65
    when:
      direction: outbound
      external_recipients: {{gt: 3}}
    outcome: {CODE}
    explain: |
      {{{{ sender }}}} wrote to {{{{ external_recipients | length }}}} external recipients.
    remedy: |
      Release the email from the hold queue.
"""
MASS = ["a@one.example", "b@two.example", "c@three.example", "d@four.example"]
LOG = f"""2026-11-20 10:00:00 Subject: Newsletter
From: alice@acme.com
To: {", ".join(MASS)}
{CODE}

2026-11-20 10:05:00 Subject: Q4 renewal
From: alice@acme.com
To: bob@customer.com
LOG_OK

2026-11-20 10:10:00 Subject: Typo
NOLOG_CONTNT
"""
runner = CliRunner()


def invoke(*args: str, code: int = 0) -> Any:
    result = runner.invoke(app, list(args), env={"NO_COLOR": "1"})
    assert "Traceback" not in result.output
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """The shipped pack with the code declared and a rule that gives it."""
    text = (shipped_rules_path() / "default.yaml").read_text(encoding="utf-8")
    text = text.replace("\nrules:\n", f"\n{OUTCOME}rules:\n", 1) + RULE
    path = tmp_path / "pack.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "admin.log"
    path.write_text(LOG, encoding="utf-8")
    return path


def test_the_pack_declares_the_code(pack: Path) -> None:
    loaded = load_rule_pack(pack)
    assert CODE in loaded.log_codes and CODE not in loaded.logged_codes
    assert loaded.outcome(CODE).meaning.startswith("The email went to many external")
    assert "NOT_PROCESSED" in loaded.codes and "NOT_PROCESSED" not in loaded.log_codes


def test_simulate_gives_the_code(pack: Path, tmp_path: Path) -> None:
    email = tmp_path / "email.yaml"
    email.write_text(
        json.dumps({"from": "alice@acme.com", "to": MASS, "subject": "Newsletter"}),
        encoding="utf-8",
    )
    out = invoke("simulate", str(email), "-c", CONFIG, "-r", str(pack), "-f", "jsonl").stdout
    verdict = json.loads(out)
    assert (verdict["outcome"], verdict["rule"]) == (CODE, "mass-mailing")
    assert verdict["reasons"] == ["alice@acme.com wrote to 4 external recipients."]
    assert verdict["fix"] is None  # no configuration change releases a held email
    text = invoke("simulate", str(email), "-c", CONFIG, "-r", str(pack)).stdout
    assert CODE in text


def test_diagnose_reads_and_predicts_the_code(pack: Path, log: Path) -> None:
    args = ("diagnose", str(log), "-c", CONFIG, "-r", str(pack), "--as-of", "2026-11-20T12:00Z")
    data = json.loads(invoke(*args, "-f", "json").stdout)
    first = data["entries"][0]
    assert (first["logged"], first["predicted"], first["status"]) == (CODE, CODE, "agree")
    assert data["total"] == 2 and data["agree"] == 2
    assert data["rejected"] == [
        {
            "line": 11,
            "reason": "unknown outcome code 'NOLOG_CONTNT' (did you mean NOLOG_CONTENT?)",
            "excerpt": "2026-11-20 10:10:00 Subject: Typo",
        }
    ]
    assert CODE in invoke(*args).stdout


def test_without_the_pack_the_code_is_unknown(log: Path) -> None:
    # two of its three entries rejected: the log is refused, the commonest reason named
    result = invoke("diagnose", str(log), "-c", CONFIG, "-f", "json", code=2)
    assert f"{log}:1:1:" in result.stderr
    assert f"unknown outcome code {CODE!r}" in result.stderr and "--rules" in result.stderr


def test_why_explains_the_code(pack: Path, log: Path) -> None:
    args = ("why", str(log), "--subject", "newsletter", "-c", CONFIG, "-r", str(pack))
    data = json.loads(invoke(*args, "-f", "json").stdout)
    match = data["matches"][0]
    assert match["meaning"]["meaning"].startswith("The email went to many external")
    assert match["prediction"]["status"] == "agree"


def test_search_finds_the_code(pack: Path, log: Path) -> None:
    out = invoke("search", str(log), "-r", str(pack), "--outcome", CODE, "-f", "jsonl").stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["subject"] for r in rows] == ["Newsletter"]


def test_lint_accepts_the_code(pack: Path) -> None:
    result = invoke("lint", "-c", CONFIG, "-r", str(pack), "-f", "json")
    assert json.loads(result.stdout)["errors"] == 0


def test_lint_flags_an_undeclared_code(pack: Path) -> None:
    pack.write_text(
        pack.read_text(encoding="utf-8").replace(f"outcome: {CODE}", "outcome: HOLD_MASS_MAILNG"),
        encoding="utf-8",
    )
    with pytest.raises(InputErrors) as caught:
        load_rule_pack(pack)
    assert str(caught.value.errors[0]).endswith(
        "rule 'mass-mailing': outcome 'HOLD_MASS_MAILNG' is not declared under 'outcomes:' "
        f"(did you mean {CODE}?)"
    )
    result = invoke("lint", "-c", CONFIG, "-r", str(pack), code=1)
    assert "is not declared under 'outcomes:'" in result.stdout
