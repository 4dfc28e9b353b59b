"""Typos are flagged, never silently matching nothing; search exits 1 on no match, like grep."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from whynolog.cli.app import app

runner = CliRunner()
STARTER = Path(__file__).parents[1] / "cli" / "starter"
LOG = str(STARTER / "admin.log")


def test_a_mistyped_outcome_code_is_named_with_the_nearest_code() -> None:
    result = runner.invoke(app, ["search", LOG, "--outcome", "NOLOG_CONTNT"])
    assert result.exit_code == 2
    assert "'NOLOG_CONTNT' matches no outcome code" in result.output
    assert "did you mean NOLOG_CONTENT?" in result.output
    assert "Traceback" not in result.output


def test_a_pattern_that_matches_a_code_is_fine() -> None:
    result = runner.invoke(app, ["search", LOG, "--outcome", "nolog_*", "-f", "jsonl"])
    assert result.exit_code == 0
    assert result.stdout.count("\n") > 5


def test_an_address_option_that_is_neither_address_nor_domain() -> None:
    result = runner.invoke(app, ["search", LOG, "--address", "alice"])
    assert result.exit_code == 2
    assert "not an email address or domain: 'alice'" in result.output
    assert "alice@example.com, or @example.com" in result.output
    dotted = runner.invoke(app, ["search", LOG, "--address", "acme.com"])  # a domain
    assert dotted.exit_code == 0


def test_search_exits_1_when_nothing_matches() -> None:
    result = runner.invoke(app, ["search", LOG, "--subject", "no such subject anywhere"])
    assert result.exit_code == 1
    assert "0 of" in result.stderr
    found = runner.invoke(app, ["search", LOG, "--subject", "renewal"])
    assert found.exit_code == 0


def test_a_suite_expecting_an_unknown_code_is_flagged(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        f"config: {STARTER / 'org.yaml'}\n"
        "cases:\n"
        "  - name: typo\n"
        "    email: {from: alice@acme.com, to: [bob@customer.com], subject: Hi}\n"
        "    expect: LOG_KO\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["test", str(suite)])
    assert result.exit_code == 2
    assert f"{suite}:3:" in result.stderr
    assert "expects 'LOG_KO', which is not an outcome code" in result.stderr
    assert "did you mean LOG_OK?" in result.stderr
