"""Hostile input: catastrophic regexes, huge emails, and parser fuzzing.

Time is not asserted here (benchmarks measure speed); a backtracking regex
engine would simply never finish these tests.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whynolog.engine.base.errors import InputError, InputErrors
from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry, read_log
from whynolog.engine.read.config import config_from_data
from whynolog.engine.read.emails import Email, load_emails

FUZZ = int(os.environ.get("WHYNOLOG_FUZZ_EXAMPLES", "200"))
PACK = load_rule_pack()


def _config(filters: list[dict]) -> object:
    return config_from_data(
        {
            "organization": {"name": "Acme", "internal_domains": ["acme.com"]},
            "users": [{"name": "Alice", "emails": ["alice@acme.com"]}],
            "content_filters": filters,
        },
        "org.yaml",
    )


def test_catastrophic_regex_runs_in_linear_time_on_a_hostile_body() -> None:
    config = _config(
        [
            {"name": "evil", "field": "body", "regex": "(a+)+$"},
            {"name": "nested", "regex": "(x+x+)+y"},
        ]
    )
    body = "a" * 50_000 + "!"
    judge = Judge(config, PACK)  # type: ignore[arg-type]
    clean = judge.judge(
        Email(sender="bob@customer.com", to=("alice@acme.com",), subject="x" * 50_000, body=body),
        explain=False,
    )
    assert clean.outcome == "LOG_OK"
    hit = judge.judge(
        Email(sender="bob@customer.com", to=("alice@acme.com",), subject="hi", body="a" * 50_000),
        explain=False,
    )
    assert hit.outcome == "NOLOG_CONTENT" and any('"evil"' in r for r in hit.reasons)


def test_an_email_with_five_thousand_recipients() -> None:
    config = _config([])
    many = tuple(f"person{i}@customer{i % 97}.com" for i in range(5000))
    verdict = Judge(config, PACK).judge(  # type: ignore[arg-type]
        Email(sender="alice@acme.com", to=many, subject="All hands")
    )
    assert verdict.outcome == "LOG_OK" and verdict.facts["external_recipients"] == 5000


def test_a_one_megabyte_log_line_is_rejected_and_the_rest_read() -> None:
    data = (
        b"2026-11-20 10:00:00 Subject: " + b"x" * 1_100_000 + b"\nLOG_OK\n\n"
        b"2026-11-20 10:01:00 Subject: after\nLOG_OK\n"
    )
    items = list(read_log("big.log", stream=io.BytesIO(data)))
    assert isinstance(items[0], RejectedEntry) and items[0].line == 1
    assert isinstance(items[1], LogEntry) and items[1].subject == "after"


def _blocks(data: bytes) -> int:
    """Entries in a text log: runs of non-blank lines (lines end at LF only)."""
    count, inside = 0, False
    for line in data.decode("utf-8", "replace").split("\n"):
        if line.rstrip("\r\n").strip():
            count += not inside
            inside = True
        else:
            inside = False
    return count


log_line = st.one_of(
    st.sampled_from(
        [
            "2026-11-20 10:00:00 Subject: hi",
            "From: a@b.com",
            "To: x@y.com, z@w.org",
            "Message-ID: <m@x>",
            "LOG_OK",
            "NOLOG_CONTENT",
            "",
            "garbage",
            " folded",
            "2026-13-45 99:99:99 Subject: bad",
            'Cc: "Smith, Bob" <b@x.com>',
        ]
    ),
    st.text(max_size=30).filter(lambda t: "\n" not in t and "\r" not in t),
)


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(log_line, max_size=30), st.binary(max_size=20))
def test_fuzz_text_log_loses_nothing(lines: list[str], noise: bytes) -> None:
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + noise
    try:
        items = list(read_log("fuzz.log", stream=io.BytesIO(data)))
    except UnicodeEncodeError:
        return
    assert len(items) == _blocks(data)


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_eml_parser_only_raises_input_errors(data: bytes) -> None:
    for name in ("fuzz.eml", "fuzz.mbox", "fuzz.yaml"):
        with contextlib.suppress(InputError, InputErrors):
            load_emails(name, b"From: a@b.com\nSubject: x\n" + data if name == "fuzz.eml" else data)


def test_fuzz_regressions(tmp_path: Path) -> None:
    # Inputs that once needed care: a NUL in YAML, a lone CR, an mbox with no From_ line.
    for name, data in (
        ("a.yaml", b"from: a@b.com\x00"),
        ("b.eml", b"From: a@b.com\r"),
        ("c.mbox", b"Subject: no separator\n\nbody\n"),
    ):
        try:
            load_emails(name, data)
        except (InputError, InputErrors) as exc:
            assert "Traceback" not in str(exc)
