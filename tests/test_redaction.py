"""--redact on search and why: no address or user name survives, pseudonyms are stable."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from whynolog.cli.app import app


def test_search_and_why_redact_every_address_and_name() -> None:
    starter = Path(__file__).parents[1] / "cli" / "starter"
    runner = CliRunner()
    search = ["search", str(starter / "admin.log"), "--redact", "-f", "jsonl", "--redact-key", "k"]
    found, again = (runner.invoke(app, search) for _ in range(2))
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


def _leaky_log(tmp_path: Path) -> Path:
    """The starter log plus an entry that cannot be read and quotes an address."""
    starter = Path(__file__).parents[1] / "cli" / "starter"
    log = tmp_path / "admin.log"
    text = (starter / "admin.log").read_text(encoding="utf-8")
    log.write_text(
        text + "\n2026-11-25 17:00:00 Subject: Secret merger\nTo: zed@acme.com\nLOG_SOMETIMES\n",
        encoding="utf-8",
    )
    return log


def test_redact_covers_standard_error_and_subjects_in_every_format(tmp_path: Path) -> None:
    starter = Path(__file__).parents[1] / "cli" / "starter"
    log = str(_leaky_log(tmp_path))
    runner = CliRunner()
    plain = runner.invoke(app, ["search", log, "--subject", "renewal"])
    assert "board@acme.com" in plain.stderr  # the warning quotes an entry it could not read
    assert "Q4 renewal" in plain.stdout
    config = ["--config", str(starter / "org.yaml"), "--as-of", "2026-11-26T09:00:00Z"]
    runs = [
        ["search", log, "--subject", "renewal"],
        ["search", log, "--subject", "renewal", "-f", "jsonl"],
        *(["diagnose", log, *config, "-f", fmt] for fmt in ("text", "json", "markdown", "html")),
        *(["why", log, "--subject", "renewal", *config[:2], "-f", fmt] for fmt in ("text", "json")),
    ]
    for args in runs:
        result = runner.invoke(app, [*args, "--redact-subjects"])
        assert result.exit_code == 0, (args, result.output)
        for secret in ("@acme.com", "Q4 renewal", "Secret merger"):
            assert secret not in result.stdout, (args, secret)
            assert secret not in result.stderr, (args, secret)
        assert "subject-" in result.stdout, args


def test_simulate_and_diff_redact_in_every_format() -> None:
    """Emails forwarded by users and logs run through diff are as private as a search."""
    starter = Path(__file__).parents[1] / "cli" / "starter"
    tests = Path(__file__).parent
    emails = str(starter / "emails.yaml")
    config = ["--config", str(starter / "org.yaml")]
    diff = [
        "diff",
        str(tests / "fixtures" / "diff" / "corpus.yaml"),
        "-c",
        str(tests / "fixtures" / "cases" / "org.yaml"),
        "--new-config",
        str(tests / "fixtures" / "diff" / "org-edited.yaml"),
    ]
    runner = CliRunner()
    plain = runner.invoke(app, ["simulate", emails, *config, "-f", "jsonl"])
    assert "alice@acme.com" in plain.stdout and "Q4 renewal" in plain.stdout
    runs = [
        *(
            ["simulate", emails, *config, "-f", f]
            for f in ("text", "jsonl", "json", "markdown", "html")
        ),
        *([*diff, "-f", f] for f in ("text", "json", "markdown", "html")),
    ]
    secrets = ("@acme.com", "@customer.com", "@gmail.com", "Alice Smith", "Q4 renewal", "Out Of")
    for args in runs:
        shown = runner.invoke(app, args).stdout
        present = [secret for secret in secrets if secret in shown]
        assert len(present) >= 2, (args, present)  # without --redact, the report names people
        result = runner.invoke(app, [*args, "--redact-subjects"])
        assert result.exit_code == 0, (args, result.output)
        for secret in present:
            assert secret not in result.stdout, (args, secret)
        assert "@redacted.invalid" in result.stdout, args
