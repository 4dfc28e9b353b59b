"""YAML bombs: every YAML whynolog reads is bounded in size and in alias expansion.

The "billion laughs" (nine anchors, each nine references to the previous one) and its
merge-key form stop with exit 2 at the alias that goes over; a file with a few anchors
and ``<<: *defaults`` keeps working. Speed is measured by hand (see the issue note).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.base import yamlio
from whynolog.engine.base.errors import LimitError
from whynolog.engine.base.yamlio import MAX_ALIAS_NODES, load_yaml

STARTER = Path(__file__).parents[1] / "cli" / "starter"
EMAILS = str(STARTER / "emails.yaml")

USERS = "users:\n  - name: Alice\n    emails: [alice@acme.com]\n"


def billion_laughs() -> str:
    """Nine anchors, each a list of nine references to the previous, under internal_domains."""
    lines = ["organization:", "  name: Bomb", "  internal_domains:", "    - &a0 [lol.com]"]
    for i in range(1, 10):
        lines.append(f"    - &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n" + USERS


def merge_bomb() -> str:
    """The same growth through merge keys: each mapping merges nine copies of the previous."""
    lines = [
        "organization:",
        "  name: Bomb",
        "  internal_domains: [acme.com]",
        "x0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}",
    ]
    for i in range(1, 10):
        items = ", ".join(f"k{j}: {{<<: *m{i - 1}}}" for j in range(9))
        lines.append(f"x{i}: &m{i} {{{items}}}")
    return "\n".join(lines) + "\n" + USERS


def _run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def test_billion_laughs_stops_at_the_alias_that_goes_over() -> None:
    with pytest.raises(LimitError) as caught:
        load_yaml("org.yaml", billion_laughs())
    error = caught.value
    # a4 is the first anchor whose nine copies push the total past the bound.
    assert (error.position.line, error.position.col) == (9, 42)
    assert "alias *a4" in error.message and f"{MAX_ALIAS_NODES:,}" in error.message


def test_merge_key_bomb_stops_at_the_alias_that_goes_over() -> None:
    with pytest.raises(LimitError) as caught:
        load_yaml("org.yaml", merge_bomb())
    assert caught.value.position.line == 8 and "alias *m3" in caught.value.message


@pytest.mark.parametrize("bomb", [billion_laughs, merge_bomb])
@pytest.mark.parametrize("verb", ["lint", "simulate"])
def test_bombs_exit_2_with_file_line_col(tmp_path: Path, bomb, verb: str) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(bomb())
    args = ["lint", "--config", str(path)] if verb == "lint" else ["simulate", EMAILS]
    result = _run(*args, "--config", str(path)) if verb == "simulate" else _run(*args)
    assert result.exit_code == 2, result.output
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith(f"{path}:") and "alias *" in first and "limit" in first


@pytest.mark.parametrize("role", ["rules", "email", "suite"])
def test_every_yaml_role_is_bounded(tmp_path: Path, role: str) -> None:
    path = tmp_path / f"{role}.yaml"
    path.write_text(billion_laughs())
    if role == "rules":
        result = _run(
            "simulate", EMAILS, "--config", str(STARTER / "org.yaml"), "--rules", str(path)
        )
    elif role == "email":
        result = _run("simulate", str(path), "--config", str(STARTER / "org.yaml"))
    else:
        result = _run("test", str(path))
    assert result.exit_code == 2 and "alias *a4" in result.stderr


def test_a_few_anchors_and_merge_keys_keep_working() -> None:
    text = (
        "defaults: &defaults {active: true, ignore: ['@spam.example']}\n"
        "domains: &domains [acme.com, acme.co.uk]\n"
        "organization: {name: Acme, internal_domains: *domains}\n"
        "users:\n"
        "  - {<<: *defaults, name: Alice, emails: [alice@acme.com]}\n"
        "  - {<<: *defaults, name: Bob, emails: [bob@acme.com], active: false}\n"
    )
    data = load_yaml("org.yaml", text)
    assert data["organization"]["internal_domains"] == ["acme.com", "acme.co.uk"]
    alice, bob = data["users"]
    assert alice["active"] is True and alice["ignore"] == ["@spam.example"]
    assert bob["active"] is False and bob["ignore"] == ["@spam.example"]
    # Merged values keep a position for messages.
    assert alice.positions["active"][0] == 1


def test_expansion_up_to_the_bound_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_ALIAS_NODES", 30)
    text = "a: &x [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*x, *x, *x]\n"  # 3 aliases of 10 nodes
    assert load_yaml("x.yaml", text)["b"][2] == list(range(1, 10))
    with pytest.raises(LimitError, match=r"alias \*x .* limit of 30 nodes"):
        load_yaml("x.yaml", text + "c: *x\n")


def test_a_document_past_the_size_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_DOCUMENT_CHARS", 1024 * 1024)
    text = "organization: {name: Acme}\nbig: |\n" + "  x\n" * 400_000
    with pytest.raises(LimitError, match="larger than the limit of 1 MiB") as caught:
        load_yaml("org.yaml", text)
    assert caught.value.position.line > 2
