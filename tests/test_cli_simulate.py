"""``simulate``, ``init`` and ``demo`` through typer's CliRunner and the installed script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app

STARTER = Path(__file__).parents[1] / "cli" / "starter"
CONFIG = str(STARTER / "org.yaml")
runner = CliRunner()


def _invoke(*args: str, input: str | bytes | None = None):
    result = runner.invoke(app, list(args), input=input)
    assert "Traceback" not in result.output
    return result


def _jsonl(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_simulate_starter_emails_jsonl_in_order() -> None:
    result = _invoke(
        "simulate", str(STARTER / "emails.yaml"), "--config", CONFIG, "--format", "jsonl"
    )
    assert result.exit_code == 0, result.output
    rows = _jsonl(result.stdout)
    assert [r["outcome"] for r in rows] == [
        "LOG_OK",
        "NOLOG_DUPLICATE",
        "NOLOG_SENDER_NOT_USER",
        "NOLOG_SENDER_NOT_USER",
        "NOLOG_NO_USERS",
        "NOLOG_NO_RECIPS",
        "NOLOG_CONTENT",
        "NOLOG_ALL_IGNORED",
        "LOG_OK",
    ]
    assert [r["index"] for r in rows] == list(range(9))
    for row in rows:
        assert {"outcome", "rule", "reasons", "remedy"} <= set(row)
        assert row["reasons"] and all(isinstance(r, str) for r in row["reasons"])
    ignored = rows[7]
    assert ignored["rule"] == "all-ignored"
    assert any('"@competitor.com"' in r for r in ignored["reasons"])
    assert ignored["fix"]["outcome"] == "LOG_OK"
    assert rows[3]["fix"]["changes"] == ["activate the account of Carol Jones"]


def test_simulate_eml_text_report() -> None:
    result = _invoke("simulate", str(STARTER / "emails" / "welcome.eml"), "--config", CONFIG)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Welcome — onboarding plan" in out  # decoded encoded-word subject
    assert "LOG_OK" in out and "jose@customer.com" in out
    assert "\x1b[" not in out  # no colour when not on a terminal


def test_simulate_stdin_yaml() -> None:
    email = "from: zoe@acme.com\nto: [pat@customer.com]\nsubject: From stdin\n"
    result = _invoke("simulate", "-", "--config", CONFIG, "--format", "jsonl", input=email)
    assert result.exit_code == 0, result.output
    (row,) = _jsonl(result.stdout)
    assert row["outcome"] == "NOLOG_SENDER_NOT_USER"
    assert any("zoe@acme.com" in r for r in row["reasons"])


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_simulate_other_formats(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    result = _invoke(
        "simulate",
        str(STARTER / "emails.yaml"),
        "--config",
        CONFIG,
        "--format",
        fmt,
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "NOLOG\\_ALL\\_IGNORED" in text if fmt == "markdown" else "NOLOG_ALL_IGNORED" in text
    if fmt == "html":
        assert "Content-Security-Policy" in text and "<script" not in text


def test_html_escapes_hostile_email_text(tmp_path: Path) -> None:
    email = tmp_path / "evil.yaml"
    email.write_text(
        "from: '\"<img src=x onerror=alert(1)>\" <pat@customer.com>'\n"
        "to: [alice@acme.com]\n"
        "subject: \"<script>alert('x')</script> [click](javascript:alert(1))\"\n",
        encoding="utf-8",
    )
    html = _invoke("simulate", str(email), "--config", CONFIG, "--format", "html").stdout
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    md = _invoke("simulate", str(email), "--config", CONFIG, "--format", "markdown").stdout
    assert "<script>" not in md and "](javascript:" not in md


def test_text_output_strips_terminal_escapes(tmp_path: Path) -> None:
    email = tmp_path / "esc.yaml"
    email.write_text(
        'from: pat@customer.com\nto: [alice@acme.com]\nsubject: "hi \\e]0;pwned\\a \\e[31mred"\n',
        encoding="utf-8",
    )
    out = _invoke("simulate", str(email), "--config", CONFIG).stdout
    assert "\x1b" not in out and "\x07" not in out


def test_input_errors_exit_2_with_position(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("from: alice@acme.com\nto: [bob@customer.com]\nsubjct: typo\n", encoding="utf-8")
    result = _invoke("simulate", str(bad), "--config", CONFIG)
    assert result.exit_code == 2
    assert f"{bad}:3:1:" in result.stderr and "subjct" in result.stderr
    missing = _invoke("simulate", str(bad), "--config", str(tmp_path / "none.yaml"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_missing_config_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WHYNOLOG_CONFIG", raising=False)
    result = _invoke("simulate", str(STARTER / "emails.yaml"))
    assert result.exit_code == 2 and "pass --config FILE" in result.stderr


def test_init_writes_a_working_starter_kit(tmp_path: Path) -> None:
    target = tmp_path / "kit"
    result = _invoke("init", str(target))
    assert result.exit_code == 0, result.output
    for name in (
        "org.yaml",
        "emails.yaml",
        "rules/default.yaml",
        "suite.yaml",
        "schemas/config.schema.json",
        "emails/welcome.eml",
    ):
        assert (target / name).is_file(), name
    again = _invoke("init", str(target))
    assert again.exit_code == 2 and "already exists" in again.stderr
    ran = _invoke(
        "simulate",
        str(target / "emails.yaml"),
        "--config",
        str(target / "org.yaml"),
        "--rules",
        str(target / "rules"),
        "--format",
        "jsonl",
    )
    assert ran.exit_code == 0 and len(_jsonl(ran.stdout)) == 9


def test_demo_runs_without_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _invoke("demo")
    assert result.exit_code == 0, result.output
    assert (
        "NOLOG_SENDER_NOT_USER" in result.stdout
        and "Activate the account of Carol" in result.stdout
    )


def _script() -> str:
    found = Path(sys.executable).parent / "whynolog"
    return str(found) if found.exists() else (shutil.which("whynolog") or "whynolog")


def test_installed_console_script(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [
            _script(),
            "simulate",
            str(STARTER / "emails" / "welcome.eml"),
            "--config",
            CONFIG,
            "--format",
            "jsonl",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcome"] == "LOG_OK"
    bad = subprocess.run(
        [_script(), "simulate", str(tmp_path / "nope.eml"), "--config", CONFIG],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    module = subprocess.run(
        [sys.executable, "-m", "whynolog", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert module.returncode == 0 and "simulate" in module.stdout


def test_history_makes_a_logged_email_a_duplicate_and_reports_unread_entries(
    tmp_path: Path,
) -> None:
    email = tmp_path / "q4.yaml"
    email.write_text(
        'message_id: "<q4-renewal@acme.com>"\nfrom: alice@acme.com\n'
        "to: [bob@customer.com]\nsubject: Q4 renewal\n",
        encoding="utf-8",
    )
    plain = _jsonl(_invoke("simulate", str(email), "--config", CONFIG, "--format", "jsonl").stdout)
    assert plain[0]["outcome"] == "LOG_OK"
    result = _invoke(
        "simulate",
        str(email),
        "--config",
        CONFIG,
        "--format",
        "jsonl",
        "--history",
        str(STARTER / "admin.log"),
    )
    assert _jsonl(result.stdout)[0]["outcome"] == "NOLOG_DUPLICATE"
    assert "admin.log:123: history entry not read" in result.stderr


def test_a_folder_with_broken_files_judges_the_rest_then_exits_2(tmp_path: Path) -> None:
    good = b"From: Bob <bob@customer.com>\nTo: alice@acme.com\nSubject: Quote\n\nHello\n"
    (tmp_path / "a.eml").write_bytes(good)
    (tmp_path / "b.eml").write_bytes(b"From: a@x.com b@y.com\nTo: alice@acme.com\n\nHi\n")
    (tmp_path / "c.mbox").write_bytes(
        b"From x\n" + good + b"\nFrom y\nSubject: no sender\n\nbody\n"
    )
    result = _invoke("simulate", str(tmp_path), "--config", CONFIG, "--format", "jsonl")
    assert result.exit_code == 2
    assert [r["outcome"] for r in _jsonl(result.stdout)] == ["LOG_OK", "LOG_OK"]
    assert f"{tmp_path / 'b.eml'}:1:1: From header: several addresses" in result.stderr
    assert f"{tmp_path / 'c.mbox'}:9:1: not an email message" in result.stderr
