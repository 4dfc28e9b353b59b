"""--redact on search and why: no address or user name survives, pseudonyms are stable."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from whynolog.cli.app import app


def test_search_and_why_redact_every_address_and_name() -> None:
    starter = Path(__file__).parents[1] / "cli" / "starter"
    runner = CliRunner()
    found = runner.invoke(
        app,
        [
            "search",
            str(starter / "admin.log"),
            "--redact",
            "--format",
            "jsonl",
            "--redact-key",
            "k",
        ],
    )
    again = runner.invoke(
        app,
        [
            "search",
            str(starter / "admin.log"),
            "--redact",
            "--format",
            "jsonl",
            "--redact-key",
            "k",
        ],
    )
    assert found.exit_code == 0 and found.stdout == again.stdout  # stable under one key
    assert "@acme.com" not in found.stdout and "@redacted.invalid" in found.stdout
    why = runner.invoke(
        app,
        [
            "why",
            str(starter / "admin.log"),
            "--subject",
            "onboarding",
            "--config",
            str(starter / "org.yaml"),
            "--redact",
        ],
    )
    assert why.exit_code == 0, why.output
    assert "@acme.com" not in why.stdout and "Carol" not in why.stdout
    assert "person-" in why.stdout
