"""Real-world messages from public mail-parser test suites read as their raw headers say.

The corpus is not part of the repository: set ``WHYNOLOG_REALWORLD_EMAILS`` to a folder holding
``messages/*.eml`` and ``expected.yaml`` (each message's sender, To, Cc and decoded subject, or
the error it must give), with a README naming each message's origin and licence.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.base.errors import InputError, InputErrors
from whynolog.engine.read.emails import load_emails

CORPUS = Path(os.environ.get("WHYNOLOG_REALWORLD_EMAILS", "/nonexistent"))
EXPECTED: dict[str, dict[str, Any]] = (
    yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
    if (CORPUS / "expected.yaml").is_file()
    else {}
)
pytestmark = pytest.mark.skipif(not EXPECTED, reason="WHYNOLOG_REALWORLD_EMAILS is not set")
STARTER_CONFIG = str(Path(__file__).parents[1] / "cli" / "starter" / "org.yaml")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_message_reads_as_its_headers_say(name: str) -> None:
    expected = EXPECTED[name]
    path = str(CORPUS / "messages" / name)
    if "error" in expected:
        with pytest.raises((InputError, InputErrors), match=expected["error"]):
            load_emails(path)
        return
    (email,) = load_emails(path)
    got = {"from": email.sender, "to": list(email.to), "cc": list(email.cc)}
    assert {**got, "subject": email.subject} == expected


def test_the_corpus_folder_is_judged_without_a_traceback() -> None:
    result = CliRunner().invoke(
        app, ["simulate", str(CORPUS / "messages"), "--config", STARTER_CONFIG, "-f", "jsonl"]
    )
    assert "Traceback" not in result.output
    assert result.exit_code == 2  # a few messages are unreadable by design: listed, not fatal
    readable = [name for name, e in EXPECTED.items() if "error" not in e]
    assert len(result.stdout.splitlines()) == len(readable)
    assert len(result.stderr.splitlines()) == len(EXPECTED) - len(readable)
