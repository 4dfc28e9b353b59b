"""Admin-facing reports speak plain language: no internal fact name in any text, Markdown or
HTML output of ``simulate``, ``why``, ``diagnose`` and ``diff`` over the fixture corpus
(JSON keeps the names)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.facts.derive import FACTS

FIXTURES = Path(__file__).parent / "fixtures"
CONFIG = str(FIXTURES / "diagnose" / "org.yaml")
LOG = str(FIXTURES / "diagnose" / "admin.log")
# Names that are not also plain words (``direction``, ``duplicate``, ``recipients`` are).
INTERNAL = re.compile("|".join(re.escape(n) for n in FACTS if "_" in n))
FORMATS = ("text", "markdown", "html")
runner = CliRunner()

_KINDS = (".yaml", ".json", ".eml", ".mbox")
EMAILS = [
    *sorted(str(p) for p in (FIXTURES / "emails").iterdir() if p.suffix in _KINDS),
    str(FIXTURES / "diff" / "corpus.yaml"),
]
SUBJECTS = ["welcome", "hello from pat", "out of office", "demo recording", "lunch", "quarterly"]


def run(*args: str, code: int | None = 0) -> str:
    result = runner.invoke(app, list(args), env={"NO_COLOR": "1"})
    assert "Traceback" not in result.output
    if code is not None:
        assert result.exit_code == code, result.output
    return result.stdout


def assert_plain(text: str, what: str) -> None:
    found = INTERNAL.search(text)
    assert found is None, (
        f"{what}: {found.group(0)!r} in …{text[max(0, found.start() - 80) : found.end() + 80]}…"
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("config", [CONFIG, str(FIXTURES / "cases" / "org.yaml")])
def test_simulate_is_plain(fmt: str, config: str) -> None:
    for emails in EMAILS:
        assert_plain(run("simulate", emails, "-c", config, "-f", fmt), f"simulate {emails} {fmt}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_why_is_plain(fmt: str) -> None:
    for subject in SUBJECTS:
        out = run("why", LOG, "--subject", subject, "-c", CONFIG, "-f", fmt, code=None)
        assert_plain(out, f"why {subject!r} {fmt}")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("log", ["admin.log", "admin.csv", "admin.jsonl"])
def test_diagnose_is_plain(fmt: str, log: str) -> None:
    args = ("diagnose", str(FIXTURES / "diagnose" / log), "-c", CONFIG, "--as-of", "2026-11-21")
    assert_plain(run(*args, "-f", fmt), f"diagnose {log} {fmt}")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "change",
    [
        (
            "--old-config",
            str(FIXTURES / "cases" / "org.yaml"),
            "--new-config",
            str(FIXTURES / "diff" / "org-edited.yaml"),
        ),
        (
            "-c",
            str(FIXTURES / "cases" / "org.yaml"),
            "--new-rules",
            str(FIXTURES / "diff" / "reordered.yaml"),
        ),
    ],
)
def test_diff_is_plain(fmt: str, change: tuple[str, ...]) -> None:
    corpus = str(FIXTURES / "diff" / "corpus.yaml")
    assert_plain(run("diff", corpus, *change, "-f", fmt), f"diff {change} {fmt}")


def test_json_keeps_the_names() -> None:
    out = run("simulate", str(FIXTURES / "diff" / "corpus.yaml"), "-c", CONFIG, "-f", "jsonl")
    verdict: dict[str, Any] = json.loads(out.splitlines()[1])
    assert verdict["trace"][1]["fact"] == "sender_is_active_user"
    assert verdict["trace"][1]["phrase"] == "the sender is not an active user"
    assert "sender_is_active_user" in verdict["facts"]


def test_before_and_after() -> None:
    """The sentences the plain-language change was made for."""
    why = run("why", LOG, "--subject", "hello from pat", "-c", CONFIG)
    assert why.startswith("✓ 2026-11-16 12:00  Hello from Pat: logged (LOG_OK).")
    assert "Carol Jones was probably still active on 2026-11-16" in why.splitlines()[0]
    corpus = str(FIXTURES / "diff" / "corpus.yaml")
    simulate = run("simulate", corpus, "-c", CONFIG)
    assert "✓ the sender is not an active user: carol@acme.com (user Carol Jones, inactive)" in (
        simulate
    )
    assert (
        "do:  Activate the account of Carol Jones; and narrow or remove content filter "
        "'out-of-office'." in simulate
    )
    assert "also matched" not in simulate
