"""Reading the admin log: text export, CSV and JSON Lines, good entries and bad."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whynolog.engine.base.errors import InputError
from whynolog.engine.read.adminlog import (
    LOG_FORMATS,
    LONG_LINE,
    MAX_ENTRY_LINES,
    MAX_LINE_CHARS,
    LogEntry,
    RejectedEntry,
    detect_format,
    parse_time,
    read_log,
)

LOGS = Path(__file__).parent / "fixtures" / "logs"
UTC = dt.timezone.utc
CODES = (
    "LOG_OK",
    "NOLOG_SENDER_NOT_USER",
    "NOLOG_ALL_IGNORED",
    "NOLOG_CONTENT",
    "NOLOG_DUPLICATE",
    "NOLOG_NO_RECIPS",
    "NOLOG_NO_USERS",
)
FIXTURES = {"text": "admin.log", "csv": "admin.csv", "jsonl": "admin.jsonl"}


def read(data: bytes | str, fmt: str = "text", **kwargs: object) -> list[LogEntry | RejectedEntry]:
    raw = data.encode() if isinstance(data, str) else data
    return list(read_log("-", fmt, stream=io.BytesIO(raw), **kwargs))  # type: ignore[arg-type]


def good(items: list[LogEntry | RejectedEntry]) -> list[LogEntry]:
    return [e for e in items if isinstance(e, LogEntry)]


def bad(items: list[LogEntry | RejectedEntry]) -> list[RejectedEntry]:
    return [e for e in items if isinstance(e, RejectedEntry)]


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --- the fixture log in its three formats ----------------------------------------------


def fixture(fmt: str) -> list[LogEntry | RejectedEntry]:
    return list(read_log(str(LOGS / FIXTURES[fmt])))


def test_text_fixture_entries() -> None:
    items = fixture("text")
    entries = good(items)
    assert len(items) == 26
    assert len(entries) == 22
    assert {e.outcome for e in entries} == set(CODES)
    assert [e.line for e in entries] == [
        1,
        8,
        15,
        18,
        23,
        29,
        34,
        39,
        43,
        46,
        49,
        54,
        62,
        66,
        74,
        82,
        91,
        94,
        97,
        101,
        104,
        110,
    ]
    # file order is kept, including the credentials-outage gap of almost three days
    times = [e.time for e in entries]
    gap = max(b - a for a, b in itertools.pairwise(times))
    assert gap > dt.timedelta(days=2)
    assert times[13] == at(2026, 11, 17, 10, 10, 10)
    assert times[14] == at(2026, 11, 20, 9, 5, 12)


def test_text_fixture_fields() -> None:
    entries = good(fixture("text"))
    assert entries[0] == LogEntry(
        line=1,
        time=at(2026, 11, 16, 8, 59, 12),
        subject="Welcome to the pilot",
        outcome="LOG_OK",
        sender="alice@acme.com",
        to=("bob@customer.com",),
        cc=None,
        message_id="<m0@acme.com>",
        user="alice@acme.com",
    )
    assert entries[1].cc == ("carol@acme.com", "dan@partner.io")  # quoted comma in a name
    ooo = entries[2]  # privacy-stripped: only time, subject and code
    assert (ooo.sender, ooo.to, ooo.cc, ooo.message_id, ooo.user) == (None,) * 5
    assert entries[4].subject == "Preisliste für Müller GmbH"
    assert entries[10].time == at(2026, 11, 17, 8, 0, 0)  # "T" and "Z"
    assert entries[10].sender == "bob@customer.com"
    folded = entries[11]
    assert folded.subject == "Quote request for the Q1 pilot"
    assert folded.time == dt.datetime(2026, 11, 17, 8, 30, 0, 250_000, tzinfo=UTC)
    assert folded.sender == "dan@partner.io"  # "FROM:" — header names ignore case
    assert folded.to == ("alice@acme.com", "erin@eu.acme.com")
    assert folded.message_id == "<q7@partner.io>"
    assert entries[12].time == at(2026, 11, 17, 8, 45, 0)  # +01:00 → UTC
    assert entries[12].user == "Alice Smith"
    assert entries[17].subject == ""
    assert entries[18].cc == ("legal@customer.com",) and entries[18].to is None
    for entry in entries:
        assert entry.time.tzinfo == UTC


def test_text_fixture_rejected() -> None:
    rejected = bad(fixture("text"))
    assert [(r.line, r.reason) for r in rejected] == [
        (69, "no outcome code line"),
        (71, "unknown outcome code 'SKIPPED'"),
        (79, "bad time '2026-13-40 25:00:00': month must be in 1..12"),
        (87, "unrecognised header line 'Date: Fri, 20 Nov 2026 09:30:00 +0000'"),
    ]
    assert rejected[0].excerpt == "2026-11-17 10:30:00 Subject: Lost its code line"


def test_csv_fixture_rejected_lines_count_quoted_newlines() -> None:
    items = fixture("csv")
    rejected = bad(items)
    assert [(r.line, r.reason) for r in rejected] == [
        (17, "missing outcome code"),
        (18, "unknown outcome code 'SKIPPED'"),
        (20, "bad time '2026-13-40 25:00:00': month must be in 1..12"),
        (22, "row has 9 cells but the header names 8"),
    ]
    lines = [e.line for e in good(items)]
    assert lines[10:13] == [12, 13, 15]  # row 13 spans two lines (a newline inside quotes)
    assert rejected[1].excerpt == "2026-11-20 09:00:00,Status update,,,,,SKIPPED,"


def test_jsonl_fixture_rejected() -> None:
    rejected = bad(fixture("jsonl"))
    assert [r.line for r in rejected] == [16, 17, 19, 21]
    assert rejected[0].reason == "missing key 'outcome'"
    assert rejected[1].reason == "unknown outcome code 'SKIPPED'"
    assert rejected[2].reason.startswith("bad time '2026-13-40 25:00:00'")
    assert rejected[3].reason.startswith("invalid JSON: ")


def test_three_formats_hold_the_same_entries() -> None:
    parsed = {fmt: [e._replace(line=0) for e in good(fixture(fmt))] for fmt in LOG_FORMATS}
    assert parsed["text"] == parsed["csv"] == parsed["jsonl"]
    for fmt in LOG_FORMATS:
        assert len(fixture(fmt)) == 26
        assert len(bad(fixture(fmt))) == 4


def test_to_dict_lists_only_recorded_participants() -> None:
    entries = good(fixture("text"))
    assert entries[0].to_dict() == {
        "time": "2026-11-16T08:59:12+00:00",
        "subject": "Welcome to the pilot",
        "outcome": "LOG_OK",
        "line": 1,
        "from": "alice@acme.com",
        "to": ["bob@customer.com"],
        "message_id": "<m0@acme.com>",
        "user": "alice@acme.com",
    }
    assert entries[2].to_dict() == {
        "time": "2026-11-16T09:30:00+00:00",
        "subject": "Out of Office: back Monday",
        "outcome": "NOLOG_CONTENT",
        "line": 15,
    }
    assert set(entries[18].to_dict()) == {"time", "subject", "outcome", "line", "cc"}
    json.dumps([e.to_dict() for e in entries])
    rejected = bad(fixture("text"))[0]
    assert rejected.to_dict() == {
        "line": 69,
        "reason": "no outcome code line",
        "excerpt": "2026-11-17 10:30:00 Subject: Lost its code line",
    }


# --- formats, paths, streams ------------------------------------------------------------


def test_detect_format() -> None:
    assert detect_format("a.csv") == "csv"
    assert detect_format("A.CSV") == "csv"
    assert detect_format("a.jsonl") == "jsonl"
    assert detect_format("a.ndjson") == "jsonl"
    assert detect_format("a.log") == "text"
    assert detect_format("-") == "text"


def test_unknown_format_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="unknown log format 'xml'"):
        read_log("a.xml", "xml")


def test_missing_file_raises_input_error(tmp_path: Path) -> None:
    gen = read_log(str(tmp_path / "nope.log"))
    with pytest.raises(InputError, match="cannot read the log"):
        next(gen)


def test_stdin_is_read_when_path_is_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"2026-11-20 14:05:42 Subject: Out of Office\nNOLOG_CONTENT\n"
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))
    [entry] = read_log("-")
    assert isinstance(entry, LogEntry)
    assert entry.outcome == "NOLOG_CONTENT"


def test_stream_with_explicit_format() -> None:
    data = b'{"time": "2026-11-20T10:00:00Z", "subject": "s", "outcome": "LOG_OK"}\n'
    [entry] = read(data, "jsonl")
    assert isinstance(entry, LogEntry) and entry.time == at(2026, 11, 20, 10)


def test_known_codes_come_from_the_rule_pack() -> None:
    data = "2026-11-20 10:00:00 Subject: a\nSKIPPED\n\n2026-11-20 10:00:01 Subject: b\nNOLOG_X\n"
    default = read(data)
    assert [type(e) for e in default] == [RejectedEntry, LogEntry]
    custom = read(data, known_codes={"LOG_OK", "SKIPPED"})
    assert isinstance(custom[0], LogEntry) and custom[0].outcome == "SKIPPED"
    assert isinstance(custom[1], RejectedEntry)
    assert custom[1].reason == "unknown outcome code 'NOLOG_X'"
    # a code must still look like one, whatever the pack says
    [odd] = read("2026-11-20 10:00:00 Subject: a\nlog_ok\n", known_codes={"log_ok"})
    assert isinstance(odd, RejectedEntry)
    assert odd.reason.startswith("no outcome code line")


def test_not_processed_is_not_a_log_code() -> None:
    [entry] = read("2026-11-20 10:00:00 Subject: a\nNOT_PROCESSED\n")
    assert isinstance(entry, RejectedEntry)
    assert entry.reason == "unknown outcome code 'NOT_PROCESSED'"


# --- text export details -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("2026-11-20 14:03:11 Subject: x", at(2026, 11, 20, 14, 3, 11)),
        ("2026-11-20T14:03:11 Subject: x", at(2026, 11, 20, 14, 3, 11)),
        ("2026-11-20 14:03 Subject: x", at(2026, 11, 20, 14, 3)),
        ("2026-11-20 14:03:11.5 Subject: x", dt.datetime(2026, 11, 20, 14, 3, 11, 500000, UTC)),
        (
            "2026-11-20 14:03:11.123456789Z Subject: x",
            dt.datetime(2026, 11, 20, 14, 3, 11, 123456, UTC),
        ),
        ("2026-11-20 14:03:11 UTC Subject: x", at(2026, 11, 20, 14, 3, 11)),
        ("2026-11-20 14:03:11+01:00 Subject: x", at(2026, 11, 20, 13, 3, 11)),
        ("2026-11-20 14:03:11 -0530 Subject: x", at(2026, 11, 20, 19, 33, 11)),
        ("2026-11-20 00:30:00+02:00 Subject: x", at(2026, 11, 19, 22, 30)),
    ],
)
def test_text_time_forms(first: str, expected: dt.datetime) -> None:
    [entry] = read(f"{first}\nLOG_OK\n")
    assert isinstance(entry, LogEntry)
    assert entry.time == expected
    assert entry.subject == "x"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-20 14:03:11 Subject: lonely\n", "no outcome code line"),
        ("LOG_OK\n", "first line does not start with a date and time"),
        ("Subject: x\nLOG_OK\n", "first line does not start with a date and time"),
        ("2026-11-20 Subject: x\nLOG_OK\n", "first line does not start with a date and time"),
        ("2026-11-20 14:03:11 Re: x\nLOG_OK\n", "first line has no 'Subject:' after the time"),
        ("2026-02-30 10:00:00 Subject: x\nLOG_OK\n", "bad time '2026-02-30 10:00:00'"),
        ("2026-11-20 10:00:00+25:00 Subject: x\nLOG_OK\n", "bad time"),
        ("2026-11-20 14:03:11 Subject: x\nLOGGED OK\n", "no outcome code line: the last line"),
        ("2026-11-20 14:03:11 Subject: x\nFrom: a@b.com\n", "no outcome code line: the last line"),
        ("2026-11-20 14:03:11 Subject: x\nReply-To: a@b.com\nLOG_OK\n", "unrecognised header line"),
        ("2026-11-20 14:03:11 Subject: x\njust words\nLOG_OK\n", "unrecognised header line"),
        (
            "2026-11-20 14:03:11 Subject: x\nFrom: a@b.com\nfrom: c@d.com\nLOG_OK\n",
            "repeated header 'from'",
        ),
    ],
)
def test_text_rejections(text: str, reason: str) -> None:
    [entry] = read(text)
    assert isinstance(entry, RejectedEntry)
    assert entry.line == 1
    assert entry.reason.startswith(reason)


def test_text_blank_lines_crlf_bom_and_repeated_recipients() -> None:
    data = (
        "\ufeff\r\n   \r\n"
        "2026-11-20 10:00:00 Subject: a\r\n"
        "To: a@x.com\r\n"
        "To: B <b@x.com>, a@x.com\r\n"
        "Cc:\r\n"
        "Message-ID:   <id@x>  \r\n"
        "LOG_OK   \r\n"
        "\t\r\n\r\n\r\n"
        "2026-11-20 10:00:01 Subject: b\r\n"
        "NOLOG_CONTENT"  # no final newline
    )
    first, second = read(data)
    assert isinstance(first, LogEntry) and isinstance(second, LogEntry)
    assert first.line == 3 and second.line == 12
    assert first.to == ("a@x.com", "b@x.com")
    assert first.cc == ()  # recorded, but empty
    assert first.message_id == "<id@x>"
    assert first.outcome == "LOG_OK"
    assert second.subject == "b" and second.outcome == "NOLOG_CONTENT"


def test_empty_and_blank_inputs_hold_no_entries() -> None:
    for fmt in LOG_FORMATS:
        assert read(b"", fmt) == []
        assert read(b"\n \n\t\n", fmt) == []


def test_non_utf8_subject_bytes_are_replaced_not_fatal() -> None:
    text = (
        b"2026-11-20 10:00:00 Subject: Caf\xe9 \xff\xfe\nLOG_OK\n\n"
        b"2026-11-20 10:00:01 Subject: ok\nLOG_OK\n"
    )
    first, second = read(text)
    assert isinstance(first, LogEntry) and isinstance(second, LogEntry)
    assert first.subject == "Caf\ufffd \ufffd\ufffd"
    csv_data = (
        b"time,subject,outcome\n2026-11-20 10:00:00,Caf\xe9,LOG_OK\n2026-11-20 10:00:01,ok,LOG_OK\n"
    )
    rows = good(read(csv_data, "csv"))
    assert [r.subject for r in rows] == ["Caf\ufffd", "ok"]
    jsonl = b'{"time": "2026-11-20 10:00:00", "subject": "Caf\xe9", "outcome": "LOG_OK"}\n'
    [entry] = read(jsonl, "jsonl")
    assert isinstance(entry, LogEntry) and entry.subject == "Caf\ufffd"


def test_over_long_line_rejects_its_entry_only() -> None:
    long_subject = "x" * MAX_LINE_CHARS
    data = (
        f"2026-11-20 10:00:00 Subject: {long_subject}\nLOG_OK\n\n"
        "2026-11-20 10:00:01 Subject: fine\nLOG_OK\n\n"
        f"2026-11-20 10:00:02 Subject: ok\nTo: {'y' * MAX_LINE_CHARS}\nLOG_OK\n\n"
        "2026-11-20 10:00:03 Subject: after\nLOG_OK\n"
    )
    first, second, third, fourth = read(data)
    assert isinstance(first, RejectedEntry) and first.reason == LONG_LINE
    assert first.line == 1 and len(first.excerpt) == 200
    assert isinstance(second, LogEntry) and second.line == 4
    assert isinstance(third, RejectedEntry) and third.reason == LONG_LINE and third.line == 7
    assert third.excerpt == "2026-11-20 10:00:02 Subject: ok"
    assert isinstance(fourth, LogEntry) and fourth.line == 11


def test_line_of_exactly_the_limit_is_read() -> None:
    subject = "s" * (MAX_LINE_CHARS - len("2026-11-20 10:00:00 Subject: "))
    [entry] = read(f"2026-11-20 10:00:00 Subject: {subject}\nLOG_OK\n")
    assert isinstance(entry, LogEntry) and entry.subject == subject


def test_huge_line_is_skipped_without_being_kept() -> None:
    # bigger than any line buffer: read in slices and dropped
    data = b"2026-11-20 10:00:00 Subject: " + b"\xe9" * (4 * MAX_LINE_CHARS + 10) + b"\nLOG_OK\n"
    data += b"\n2026-11-20 10:00:01 Subject: next\nLOG_OK\n"
    first, second = read(data)
    assert isinstance(first, RejectedEntry) and first.reason == LONG_LINE
    assert first.excerpt.startswith("2026-11-20 10:00:00 Subject: \ufffd")
    assert isinstance(second, LogEntry) and second.line == 4


def test_over_long_lines_in_csv_and_jsonl() -> None:
    long = "z" * (MAX_LINE_CHARS + 1)
    csv_data = (
        f"time,subject,outcome\n2026-11-20 10:00:00,{long},LOG_OK\n2026-11-20 10:00:01,b,LOG_OK\n"
    )
    first, second = read(csv_data, "csv")
    assert isinstance(first, RejectedEntry) and (first.line, first.reason) == (2, LONG_LINE)
    assert isinstance(second, LogEntry) and second.line == 3
    jsonl = (
        f'{{"subject": "{long}"}}\n'
        '{"time": "2026-11-20 10:00:00", "subject": "b", "outcome": "LOG_OK"}\n'
    )
    first, second = read(jsonl, "jsonl")
    assert isinstance(first, RejectedEntry) and (first.line, first.reason) == (1, LONG_LINE)
    assert isinstance(second, LogEntry) and second.line == 2


def test_entry_with_too_many_lines_is_rejected() -> None:
    body = "To: a@b.com\n" * (MAX_ENTRY_LINES + 5)
    data = (
        f"2026-11-20 10:00:00 Subject: big\n{body}LOG_OK\n\n"
        "2026-11-20 10:00:01 Subject: b\nLOG_OK\n"
    )
    first, second = read(data)
    assert isinstance(first, RejectedEntry)
    assert first.reason == f"entry longer than {MAX_ENTRY_LINES} lines"
    assert isinstance(second, LogEntry)


@pytest.mark.parametrize(
    ("fmt", "first", "unit"),
    [
        ("text", b"", b"2026-11-20 10:00:00 Subject: s\nFrom: a@b.com\nLOG_OK\n\n"),
        ("csv", b"time,subject,outcome\n", b"2026-11-20 10:00:00,s,LOG_OK\n"),
        ("jsonl", b"", b'{"time": "2026-11-20 10:00:00", "subject": "s", "outcome": "LOG_OK"}\n'),
    ],
)
def test_reading_streams(fmt: str, first: bytes, unit: bytes) -> None:
    stream = io.BytesIO(first + unit * 200_000)
    size = len(stream.getvalue())
    entries = read_log("-", fmt, stream=stream)
    entry = next(entries)
    assert isinstance(entry, LogEntry)
    assert stream.tell() <= 1 << 18 < size  # one block read; the rest is still unread
    entries.close()


# --- CSV details ------------------------------------------------------------------------------


def test_csv_columns_in_any_order_with_extras_and_user() -> None:
    data = (
        "Outcome, extra ,Subject,Time,To,User,CC,From\n"
        "LOG_OK,ignored,Hello,2026-11-20T10:00:00Z,A <A@x.com>; b@y.com,"
        "alice@acme.com,,C <c@z.com>\n"
        ",,,,,,,\n"
        "\n"
        "NOLOG_CONTENT,,Bye,2026-11-20 11:00:00,,,,\n"
    )
    first, second = read(data, "csv")
    assert first == LogEntry(
        line=2,
        time=at(2026, 11, 20, 10),
        subject="Hello",
        outcome="LOG_OK",
        sender="c@z.com",
        to=("a@x.com", "b@y.com"),
        user="alice@acme.com",
    )
    assert second == LogEntry(
        line=5, time=at(2026, 11, 20, 11), subject="Bye", outcome="NOLOG_CONTENT"
    )


def test_csv_day_and_clock_time_in_two_columns() -> None:
    """A spreadsheet export with the day in "Date" and the clock time in "Time"."""
    data = (
        "Date;Time;Sender;Subject;Result\n"
        "20.11.2026;10:55;a@x.com;Hello;LOG_OK\n"
        "20.11.2026;10:56:30 PM;a@x.com;Late;LOG_OK\n"
        "20.11.2026;2026-11-21 09:00;a@x.com;Full time;LOG_OK\n"  # a whole time stands alone
    )
    first, second, third = read(data, "csv")
    assert (first.time, second.time, third.time) == (
        at(2026, 11, 20, 10, 55),
        at(2026, 11, 20, 22, 56, 30),
        at(2026, 11, 21, 9),
    )
    assert first.sender == "a@x.com" and first.subject == "Hello"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("time,subject,from\n", "lacks column(s) outcome"),
        ("subject,outcome\n", "lacks column(s) time"),
        ("2026-11-20 10:00:00,x,LOG_OK\n", "lacks column(s) time, subject, outcome"),
        ("time,subject,outcome,Time\n", "CSV column 'time' appears twice"),
    ],
)
def test_csv_header_problems_raise_once(header: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        read(header + "2026-11-20 10:00:00,x,LOG_OK\n", "csv")
    assert str(caught.value.position) == "-:1:1"


def test_csv_header_after_blank_lines_reports_its_line() -> None:
    with pytest.raises(InputError) as caught:
        read("\n\ntime,outcome\n", "csv")
    assert caught.value.position.line == 3


def test_csv_header_only_holds_no_entries() -> None:
    assert read("time,subject,outcome\n", "csv") == []


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",x,LOG_OK", "missing time"),
        ("2026-11-20 10:00:00,x,", "missing outcome code"),
        ("2026-11-20 10:00:00,x,log ok", "'log ok' is not an outcome code"),
        ("2026-11-20 10:00:00,x,FAILED", "unknown outcome code 'FAILED'"),
        ("yesterday,x,LOG_OK", "bad time 'yesterday': expected a date and time"),
        ("2026-11-20 10:00:00,x,LOG_OK,surplus", "row has 4 cells but the header names 3"),
        (f'2026-11-20 10:00:00,"{"q" * 200_000}",LOG_OK', "unreadable CSV row: field larger"),
    ],
)
def test_csv_bad_rows(row: str, reason: str) -> None:
    items = read(f"time,subject,outcome\n{row}\n2026-11-20 10:00:01,next,LOG_OK\n", "csv")
    assert len(items) == 2
    rejected, after = items
    assert isinstance(rejected, RejectedEntry)
    assert rejected.line == 2 and rejected.reason.startswith(reason)
    assert len(rejected.excerpt) <= 200
    assert isinstance(after, LogEntry) and after.line == 3


def test_csv_trailing_empty_cells_and_short_rows() -> None:
    data = (
        "time,subject,outcome,to\n2026-11-20 10:00:00,x,LOG_OK,,,\n2026-11-20 10:00:00,y,LOG_OK\n"
    )
    first, second = read(data, "csv")
    assert isinstance(first, LogEntry) and first.to is None
    assert isinstance(second, LogEntry) and second.subject == "y"


# --- JSON Lines details --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[1, 2]", "not a JSON object"),
        ('"text"', "not a JSON object"),
        ("{oops", "invalid JSON: "),
        ("[" * 100_000, "invalid JSON: nested too deeply"),
        ('{"subject": "x", "outcome": "LOG_OK"}', "missing key 'time'"),
        ('{"time": "2026-11-20 10:00:00", "outcome": "LOG_OK"}', "missing key 'subject'"),
        ('{"time": 17, "subject": "x", "outcome": "LOG_OK"}', "'time' must be a string"),
        (
            '{"time": "2026-11-20 10:00:00", "subject": null, "outcome": "LOG_OK"}',
            "'subject' must be a string",
        ),
        (
            '{"time": "2026-11-20 10:00:00", "subject": "x", "outcome": "LOG_OK", "to": "a@b.c"}',
            "'to' must be a list of strings or null",
        ),
        (
            '{"time": "2026-11-20 10:00:00", "subject": "x", "outcome": "LOG_OK", "cc": [1]}',
            "'cc' must be a list of strings or null",
        ),
        (
            '{"time": "2026-11-20 10:00:00", "subject": "x", "outcome": "LOG_OK", "from": 3}',
            "'from' must be a string or null",
        ),
        ('{"time": "2026-11-20", "subject": "x", "outcome": "LOG_OK"}', "bad time '2026-11-20'"),
        (
            '{"time": "2026-11-20 10:00:00", "subject": "x", "outcome": "ok"}',
            "'ok' is not an outcome code",
        ),
    ],
)
def test_jsonl_bad_lines(line: str, reason: str) -> None:
    good_line = '{"time": "2026-11-20 10:00:00", "subject": "y", "outcome": "LOG_OK"}'
    rejected, after = read(f"\n{line}\n{good_line}\n", "jsonl")
    assert isinstance(rejected, RejectedEntry)
    assert rejected.line == 2 and rejected.reason.startswith(reason)
    assert isinstance(after, LogEntry) and after.line == 3


def test_jsonl_nulls_empties_and_lone_surrogates() -> None:
    line = json.dumps(
        {
            "time": "2026-11-20 10:00:00",
            "subject": " x\ud800 ",
            "outcome": "LOG_OK",
            "from": None,
            "to": [],
            "cc": None,
            "message_id": "",
            "user": "  ",
            "extra": {"a": 1},
        }
    )
    [entry] = read(line, "jsonl")
    assert entry == LogEntry(
        line=1, time=at(2026, 11, 20, 10), subject="x?", outcome="LOG_OK", to=()
    )
    json.dumps(entry.to_dict()).encode("utf-8")


# --- parse_time --------------------------------------------------------------------------------


def test_parse_time() -> None:
    assert parse_time("2026-11-20 10:00:00") == at(2026, 11, 20, 10)
    assert parse_time(" 2026-11-20T10:00Z ") == at(2026, 11, 20, 10)
    assert parse_time("2026-11-20 10:00:00 GMT") == at(2026, 11, 20, 10)
    with pytest.raises(ValueError, match="expected a date and time"):
        parse_time("2026-11-20")
    with pytest.raises(ValueError, match=r"month must be in 1\.\.12"):
        parse_time("2026-13-20 10:00:00")
    with pytest.raises(ValueError):
        parse_time("0001-01-01 00:00:00+05:00")  # before the earliest datetime in UTC


# --- properties ------------------------------------------------------------------------------

_names = st.from_regex(r"[A-Za-z][A-Za-z ]{0,10}[A-Za-z]", fullmatch=True)
_addresses = st.from_regex(
    r"[a-z0-9]{1,8}([._+-][a-z0-9]{1,8})?@[a-z0-9]{1,8}(\.[a-z]{2,4}){1,2}", fullmatch=True
)
_written = st.tuples(_addresses, st.none() | _names, st.booleans())  # address, name, upper-cased
_subjects = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40).map(
    str.strip
)
_times = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31), timezones=st.just(UTC)
)


@st.composite
def _entries(draw: st.DrawFn) -> dict[str, object]:
    def recipients() -> list[tuple[str, str | None, bool]] | None:
        return draw(
            st.none() | st.lists(_written, min_size=1, max_size=3, unique_by=lambda w: w[0])
        )

    return {
        "time": draw(_times),
        "zone": draw(st.sampled_from(["", "Z", "+00:00", " UTC", "+05:30", "-08:00"])),
        "sep": draw(st.sampled_from([" ", "T"])),
        "subject": draw(_subjects),
        "outcome": draw(st.sampled_from([*CODES, "NOLOG_CUSTOM_1"])),
        "from": draw(st.none() | _written),
        "to": recipients(),
        "cc": recipients(),
        "message_id": draw(
            st.none() | st.from_regex(r"<[a-z0-9.]{1,10}@[a-z0-9]{1,10}>", fullmatch=True)
        ),
        "user": draw(st.none() | _addresses | _names),
    }


def _show_time(e: dict[str, object]) -> str:
    when = e["time"]
    assert isinstance(when, dt.datetime)
    zone = str(e["zone"])
    if zone in ("+05:30", "-08:00"):
        sign = 1 if zone[0] == "+" else -1
        offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:]))
        return when.astimezone(dt.timezone(sign * offset)).isoformat(sep=str(e["sep"]))
    return when.replace(tzinfo=None).isoformat(sep=str(e["sep"])) + zone


def _show_address(written: tuple[str, str | None, bool]) -> str:
    address, name, upper = written
    shown = address.upper() if upper else address
    return f"{name} <{shown}>" if name else shown


def _show_list(e: dict[str, object], key: str, sep: str) -> str | None:
    value = e[key]
    return None if value is None else sep.join(_show_address(w) for w in value)  # type: ignore[attr-defined]


def _expected(e: dict[str, object], line: int) -> LogEntry:
    def addresses(key: str) -> tuple[str, ...] | None:
        value = e[key]
        return None if value is None else tuple(w[0] for w in value)  # type: ignore[attr-defined]

    sender = e["from"]
    return LogEntry(
        line=line,
        time=e["time"],  # type: ignore[arg-type]
        subject=str(e["subject"]),
        outcome=str(e["outcome"]),
        sender=None if sender is None else sender[0],  # type: ignore[index]
        to=addresses("to"),
        cc=addresses("cc"),
        message_id=e["message_id"],  # type: ignore[arg-type]
        user=e["user"],  # type: ignore[arg-type]
    )


def _render_text(entries: list[dict[str, object]]) -> tuple[str, list[int]]:
    out: list[str] = []
    lines: list[int] = []
    for e in entries:
        lines.append(len(out) + 1)
        out.append(f"{_show_time(e)} Subject: {e['subject']}")
        if e["from"] is not None:
            out.append(f"From: {_show_address(e['from'])}")  # type: ignore[arg-type]
        for key, name in (("to", "To"), ("cc", "Cc")):
            shown = _show_list(e, key, ", ")
            if shown is not None:
                out.append(f"{name}: {shown}")
        if e["message_id"] is not None:
            out.append(f"Message-ID: {e['message_id']}")
        if e["user"] is not None:
            out.append(f"User: {e['user']}")
        out.append(str(e["outcome"]))
        out.append("")
    return "\n".join(out), lines


def _render_csv(entries: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["time", "subject", "from", "to", "cc", "message_id", "user", "outcome"])
    for e in entries:
        writer.writerow(
            [
                _show_time(e),
                e["subject"],
                "" if e["from"] is None else _show_address(e["from"]),  # type: ignore[arg-type]
                _show_list(e, "to", ";") or "",
                _show_list(e, "cc", "; ") or "",
                e["message_id"] or "",
                e["user"] or "",
                e["outcome"],
            ]
        )
    return out.getvalue()


def _render_jsonl(entries: list[dict[str, object]]) -> str:
    out = []
    for e in entries:
        obj: dict[str, object] = {
            "time": _show_time(e),
            "subject": e["subject"],
            "outcome": e["outcome"],
        }
        if e["from"] is not None:
            obj["from"] = _show_address(e["from"])  # type: ignore[arg-type]
        for key in ("to", "cc"):
            if e[key] is not None:
                obj[key] = [_show_address(w) for w in e[key]]  # type: ignore[attr-defined]
        for key in ("message_id", "user"):
            if e[key] is not None:
                obj[key] = e[key]
        out.append(json.dumps(obj, ensure_ascii=bool(len(out) % 2)))
    return "\n".join(out)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(_entries(), max_size=6))
def test_rendered_entries_parse_back(entries: list[dict[str, object]]) -> None:
    text, lines = _render_text(entries)
    assert read(text) == [_expected(e, n) for e, n in zip(entries, lines, strict=True)]
    assert read(_render_csv(entries), "csv") == [
        _expected(e, n) for n, e in enumerate(entries, start=2)
    ]
    assert read(_render_jsonl(entries), "jsonl") == [
        _expected(e, n) for n, e in enumerate(entries, start=1)
    ]


@given(st.binary(max_size=3000), st.sampled_from(LOG_FORMATS))
def test_arbitrary_bytes_never_crash(data: bytes, fmt: str) -> None:
    try:
        items = read(data, fmt)
    except InputError:
        assert fmt == "csv"
        return
    for item in items:
        assert isinstance(item, (LogEntry, RejectedEntry))
        assert item.line >= 1
        assert len(item.excerpt if isinstance(item, RejectedEntry) else "") <= 200


_PIECES = [
    b"2026-11-20 14:03:11 Subject: x",
    b"2026-11-20T14:03:11Z",
    b" Subject: ",
    b"LOG_OK",
    b"NOLOG_CONTENT",
    b"From: a@b.com",
    b"To: ",
    b"Cc: x@y.z, ",
    b"\n",
    b"\n\n",
    b"\r\n",
    b" ",
    b"\t",
    b"\xff",
    b"\xc3",
    b",",
    b'"',
    b";",
    b"{",
    b"}",
    b'"time": ',
    b'"subject": ',
    b'"outcome": ',
    b"[",
    b"]",
    b"null",
    b":",
    b"\x00",
    "\u2028".encode(),
    b"time,subject,outcome\n",
]


@given(st.lists(st.sampled_from(_PIECES), max_size=60).map(b"".join), st.sampled_from(LOG_FORMATS))
def test_log_shaped_noise_never_crashes(data: bytes, fmt: str) -> None:
    try:
        items = read(data, fmt)
    except InputError:
        assert fmt == "csv"
        return
    assert all(isinstance(item, (LogEntry, RejectedEntry)) for item in items)
    assert [item.line for item in items] == sorted({item.line for item in items})


def _physical_lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff").split("\n")


@given(st.lists(st.sampled_from(_PIECES), max_size=60).map(b"".join))
def test_every_text_entry_is_accounted_for(data: bytes) -> None:
    groups, inside = 0, False
    for line in _physical_lines(data):
        blank = not line.rstrip("\r").strip()
        groups += not blank and not inside
        inside = not blank
    assert len(read(data)) == groups


class _Trickle(io.RawIOBase):
    """A stream that gives its bytes in the sizes asked of it, as a pipe or socket does."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes, self.at = data, sizes, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = self.sizes.pop(0) if self.sizes else len(self.data)
        chunk = self.data[self.at : self.at + n]
        self.at += len(chunk)
        return chunk


@given(
    st.lists(st.sampled_from(_PIECES), max_size=60).map(b"".join),
    st.lists(st.integers(1, 40), max_size=30),
)
def test_text_read_in_any_pieces_is_read_the_same(data: bytes, sizes: list[int]) -> None:
    # lines and blank lines cut anywhere between reads: the same entries, at the same lines
    stream = _Trickle(data, sizes)
    pieces = list(read_log("-", "text", stream=stream))  # type: ignore[arg-type]
    assert pieces == read(data)


@given(st.lists(st.sampled_from(_PIECES), max_size=60).map(b"".join))
def test_every_jsonl_line_is_accounted_for(data: bytes) -> None:
    expected = sum(1 for line in _physical_lines(data) if line.strip())
    assert len(read(data, "jsonl")) == expected


_CELLS = [
    b"2026-11-20 10:00:00",
    b"x",
    b"LOG_OK",
    b"NOLOG_NO_USERS",
    b"",
    b" ",
    b"a@b.com",
    b"\xff",
    b"bad",
    b"2026-13-01 00:00:00",
]


@given(st.lists(st.lists(st.sampled_from(_CELLS), max_size=5), max_size=20))
def test_every_csv_row_is_accounted_for(rows: list[list[bytes]]) -> None:
    data = b"time,subject,outcome\n" + b"".join(b",".join(row) + b"\n" for row in rows)
    expected = sum(1 for row in rows if any(cell.strip() for cell in row))
    items = read(data, "csv")
    assert len(items) == expected
    assert len(good(items)) + len(bad(items)) == expected


_HEADER_LINES = [
    "From: a@b.com",
    "To: c@acme.com, d@acme.com",
    "Cc: e@x.org",
    "Message-ID: <1@b>",
    "FROM: a@b.com",
    "To:",
    "User: alice@acme.com",
    "  folded more",
    "From:x@y.z",
    "Cc : e@x.org",
    "Subject: again",
    "To: second@acme.com",
    "LOG_OK",
]


@given(st.lists(st.sampled_from(_HEADER_LINES), min_size=1, max_size=6))
def test_usual_header_block_reads_as_the_general_loop(headers: list[str]) -> None:
    from whynolog.engine.read.adminlog import _headers, _usual_headers

    body = ["2026-11-20 10:00:00 Subject: s", *headers, "LOG_OK"]
    usual = _usual_headers(body)
    if usual is not None:
        assert _headers(body) == (usual, "")


def test_usual_header_blocks_take_the_short_way() -> None:
    from whynolog.engine.read.adminlog import _usual_headers

    def block(*headers: str) -> list[str]:
        return ["2026-11-20 10:00:00 Subject: s", *headers, "LOG_OK"]

    assert _usual_headers(block("From: a@b.com", "To: c@d.com", "Message-ID: <1@b>")) == {
        "from": " a@b.com",
        "to": " c@d.com",
        "message_id": " <1@b>",
    }
    assert _usual_headers(block("From: a@b.com", "Cc: e@x.org")) == {
        "from": " a@b.com",
        "cc": " e@x.org",
    }
    assert _usual_headers(block("To: c@d.com", "From: a@b.com")) is None  # another order
    assert _usual_headers(block("From: a@b.com", "  folded")) is None


_VALUES = [
    "",
    " ",
    " a@b.com",
    " A@B.Com",
    "a@b.com",
    " a@b.com ",
    " a@b.com\r",
    " a@b.com, c@d.org",
    " a@b.com,c@d.org",
    " a@b.com, a@b.com",
    " a@b.com, C@D.org, x@y.z",
    " a@b.com, C@D.org\r",
    " a@b.com\r\r",
    " Bob <bob@x.com>",
    ' "Smith, Bob" <bob@x.com>, a@b.com',
    " not an address",
    " a@b.com c@d.org",
    " <1.2@x>",
    "\u2003a@b.com",
    " bücher@bücher.de",
]
_NAMES = ["From:", "To:", "Cc:", "Message-ID:"]


@settings(max_examples=300)
@given(
    st.sampled_from(["2026-11-20 14:03:11", "2026-11-20 14:59:59", "2026-02-30 10:00:00"]),
    st.sampled_from([" Re: hello ", "", " x\r", " Subject: y"]),
    st.one_of(
        st.tuples(*(st.none() | st.sampled_from(_VALUES) for _ in _NAMES)).map(
            lambda values: [(n, v) for n, v in zip(_NAMES, values, strict=True) if v is not None]
        ),  # the usual order, some headers left out
        st.lists(st.tuples(st.sampled_from(_NAMES), st.sampled_from(_VALUES)), max_size=4),
    ),
    st.sampled_from(["LOG_OK", "NOLOG_CONTENT", "LOG_OK\r", " LOG_OK", "NOLOG_TYPO", "x"]),
)
def test_the_usual_entry_reads_as_the_general_reader_reads_it(
    time: str, subject: str, headers: list[tuple[str, str]], code: str
) -> None:
    from whynolog.engine.read.adminlog import TimeReader, _code_checker, _TextEntryParser

    lines = [f"{time} Subject:{subject}", *(name + value for name, value in headers), code]
    reader = _TextEntryParser(_code_checker(CODES), TimeReader())
    for _ in range(2):  # the second time, the hour and the code are known: the fast path
        assert reader.entry(7, lines) == reader._general(7, lines)
