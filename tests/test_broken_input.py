"""Broken files of every kind get a clear ``file[:line:col]: message`` and exit 2, never a
traceback; a broken admin log loses nothing (its entries come back as rejected)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app

STARTER = Path(__file__).parents[1] / "cli" / "starter"
CONFIG = str(STARTER / "org.yaml")
EMAILS = str(STARTER / "emails.yaml")

BROKEN = {
    "empty": b"",
    "binary": b"\x00\x01\x02\xff\xfe garbage \x00",
    "truncated": b"organization:\n  name: [Acme\n  internal_domains: [a",
    "wrong-type": b"42\n",
    "a-list": b"- 1\n- 2\n",
    "latin-1": "organization:\n  name: Caf\xe9\n".encode("latin-1"),
}


def _run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


@pytest.mark.parametrize("kind", sorted(BROKEN))
@pytest.mark.parametrize("role", ["config", "rules", "email", "suite"])
def test_broken_files_exit_2_with_their_name(tmp_path: Path, kind: str, role: str) -> None:
    path = tmp_path / f"broken-{role}.{'eml' if role == 'email' and kind == 'binary' else 'yaml'}"
    path.write_bytes(BROKEN[kind])
    if role == "config":
        result = _run("simulate", EMAILS, "--config", str(path))
    elif role == "rules":
        result = _run("simulate", EMAILS, "--config", CONFIG, "--rules", str(path))
    elif role == "email":
        result = _run("simulate", str(path), "--config", CONFIG)
    else:
        result = _run("test", str(path))
    assert result.exit_code == 2, result.output
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith(str(path)), first


@pytest.mark.parametrize("fmt", ["log", "csv", "jsonl"])
def test_a_broken_log_is_read_with_every_entry_accounted_for(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"admin.{fmt}"
    good = {  # most entries good: a log mostly rejected is refused as a whole
        "log": "2026-11-20 10:00:00 Subject: fine\nLOG_OK\n\n" * 4,
        "csv": "time,subject,outcome\n" + "2026-11-20 10:00:00,fine,LOG_OK\n" * 4,
        "jsonl": (
            json.dumps({"time": "2026-11-20 10:00:00", "subject": "fine", "outcome": "LOG_OK"})
            + "\n"
        )
        * 4,
    }[fmt]
    bad = {
        "log": b"\xff\xfe\x00 not a time\nLOG_OK\n\ntruncated entry",
        "csv": b'not-a-time,\xff\xfe,LOG_OK\n"unterminated,x,NOLOG_CONTENT',
        "jsonl": b'{"time": 1}\n\x00\xff\n{"truncated":',
    }[fmt]
    path.write_bytes(good.encode() + bad)
    result = _run(
        "diagnose", str(path), "--config", CONFIG, "--format", "json", "--as-of", "2026-11-21"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] == 4
    assert len(report["rejected"]) >= 2 and all(r["line"] >= 5 for r in report["rejected"])
