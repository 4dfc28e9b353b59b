"""The integration's admin log, read from its text export, CSV or JSON Lines.

Logs come from customers and can be huge, damaged or hostile, so reading is
streaming (memory does not grow with the log), decoding never fails (bad
UTF-8 becomes U+FFFD) and no entry is ever dropped: each one comes back as a
:class:`LogEntry` or as a :class:`RejectedEntry` saying where and why.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from whynolog.engine.addresses import normalise, parse_addresses
from whynolog.engine.errors import InputError, Position

LOG_FORMATS = ("text", "csv", "jsonl")

MAX_LINE_CHARS = 1_000_000
"""Longer lines are skipped unread (their entry is rejected), keeping memory bounded."""
MAX_ENTRY_LINES = 10_000
MAX_ENTRY_CHARS = 4 * MAX_LINE_CHARS
EXCERPT_CHARS = 200

LONG_LINE = f"line longer than {MAX_LINE_CHARS} characters"
TIME_FORM = "expected YYYY-MM-DD HH:MM:SS"

# A line of at most MAX_LINE_CHARS characters never takes more than 4 bytes a
# character (undecodable bytes become one character each), plus "\r\n".
_READ_CAP = 4 * MAX_LINE_CHARS + 2
_BLOCK = 1 << 18  # bytes read at a time

_UTC = dt.timezone.utc

# Every quantifier is bounded or on a single character class: no backtracking blow-up.
_TIME = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:[Tt ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2})"
    r"(?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]{1,9}))?)?"
    r"(?P<z>[Zz]| ?(?:UTC|GMT)| ?[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_NOLOG = re.compile(r"NOLOG_[A-Z0-9_]+")

_HEADERS = {
    "from": "from",
    "to": "to",
    "cc": "cc",
    "message-id": "message_id",
    "message_id": "message_id",
    "user": "user",
}
_CSV_REQUIRED = ("time", "subject", "outcome")


@dataclass(frozen=True)
class LogEntry:
    """One admin-log entry; ``None`` participants were not recorded (often for privacy)."""

    line: int
    time: dt.datetime  # timezone-aware, UTC
    subject: str
    outcome: str
    sender: str | None = None
    to: tuple[str, ...] | None = None
    cc: tuple[str, ...] | None = None
    message_id: str | None = None
    user: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output: only the participants the log recorded."""
        out: dict[str, Any] = {
            "time": self.time.isoformat(),
            "subject": self.subject,
            "outcome": self.outcome,
            "line": self.line,
        }
        if self.sender is not None:
            out["from"] = self.sender
        if self.to is not None:
            out["to"] = list(self.to)
        if self.cc is not None:
            out["cc"] = list(self.cc)
        if self.message_id is not None:
            out["message_id"] = self.message_id
        if self.user is not None:
            out["user"] = self.user
        return out


@dataclass(frozen=True)
class RejectedEntry:
    """An entry that could not be parsed, kept so reports never hide it."""

    line: int
    reason: str
    excerpt: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {"line": self.line, "reason": self.reason, "excerpt": self.excerpt}


def parse_time(text: str) -> dt.datetime:
    """A log time (``2026-11-20 14:03:11``, ``…T…``, fractions, ``Z``/``UTC``/``+01:00``) in UTC.

    Times without a zone are UTC. Raises ``ValueError``: :data:`TIME_FORM` when the
    text is not shaped like a time, else what is wrong (``month must be in 1..12``).
    """
    match = _TIME.fullmatch(text.strip())
    if match is None or match["h"] is None:
        raise ValueError(TIME_FORM)
    return _to_datetime(match)


def detect_format(path: str) -> str:
    """The log format implied by a file name: ``.csv``, ``.jsonl``/``.ndjson``, else text."""
    lower = path.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return "text"


def read_log(
    path: str,
    fmt: str | None = None,
    known_codes: Collection[str] | None = None,
    stream: BinaryIO | None = None,
    first_line: int = 1,
) -> Iterator[LogEntry | RejectedEntry]:
    """Every entry of the log at ``path`` (``-`` is ``stream`` or stdin), in file order.

    ``first_line`` numbers the stream's first line (when it is a part of a larger log).

    ``fmt`` is one of :data:`LOG_FORMATS` (default: by extension). ``known_codes``
    are the outcome codes accepted, since a rule pack may add its own; by default
    ``LOG_OK`` and any ``NOLOG_…``. Lazy: the file is opened on the first ``next()``,
    and only an unreadable file or a CSV header without the needed columns raises
    (``InputError``); every bad entry comes back as a :class:`RejectedEntry`.
    """
    fmt = fmt or detect_format(path)
    if fmt not in LOG_FORMATS:
        raise ValueError(f"unknown log format {fmt!r}: expected one of {', '.join(LOG_FORMATS)}")
    is_known = _code_checker(known_codes)
    parser = {"text": _parse_text, "csv": _parse_csv, "jsonl": _parse_jsonl}[fmt]
    return _read(path, stream, parser, is_known, first_line - 1)


# --- reading lines ---------------------------------------------------------------

_Line = tuple[int, str, bool]  # (1-based number, decoded text with its line ending, over-long)
_Parser = Callable[[str, Iterator[_Line], Callable[[str], bool]], Iterator[Any]]


def _read(
    path: str, stream: BinaryIO | None, parser: _Parser, is_known: Callable[[str], bool],
    before: int = 0,
) -> Iterator[LogEntry | RejectedEntry]:
    if stream is None and path == "-":
        stream = sys.stdin.buffer
    if stream is not None:
        yield from parser(path, _lines(stream, path, before), is_known)
        return
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below, inside the generator
    except OSError as exc:
        raise InputError(Position(path), f"cannot read the log: {exc.strerror or exc}") from None
    with handle:
        yield from parser(path, _lines(handle, path, before), is_known)


def _lines(raw: BinaryIO, path: str, before: int = 0) -> Iterator[_Line]:
    """Decoded lines in bounded memory: an over-long line is skipped, keeping only its start.

    The file is read in blocks and each block's complete lines are decoded at
    once (a line break never falls inside a UTF-8 sequence), which is much
    faster than reading line by line.
    """
    read = getattr(raw, "read1", raw.read)
    number = before
    pending = b""  # the unfinished line at the end of what was read so far
    skipping = False  # inside an over-long line: drop bytes until its end
    while True:
        try:
            block = read(_BLOCK)
        except OSError as exc:
            raise InputError(Position(path, number + 1), f"cannot read the log: {exc}") from None
        if not block:
            break
        if skipping:
            end = block.find(b"\n")
            if end < 0:
                continue
            block, skipping = block[end + 1:], False
        data = pending + block if pending else block
        last = data.rfind(b"\n")
        if last >= 0:
            pending = data[last + 1:]
            for line in data[:last].decode("utf-8", errors="replace").split("\n"):
                number += 1
                yield number, _debom(number, line) + "\n", len(line) - line.endswith("\r") \
                    > MAX_LINE_CHARS
        else:
            pending = data
        if len(pending) >= _READ_CAP:
            number += 1
            head = pending[: 4 * EXCERPT_CHARS].decode("utf-8", errors="replace")
            yield number, _debom(number, head), True
            pending, skipping = b"", True
    if pending:
        number += 1
        text = _debom(number, pending.decode("utf-8", errors="replace"))
        yield number, text, len(text.rstrip("\r\n")) > MAX_LINE_CHARS


def _debom(number: int, text: str) -> str:
    return text[1:] if number == 1 and text.startswith("\ufeff") else text


# --- shared checks -----------------------------------------------------------------


def _code_checker(known_codes: Collection[str] | None) -> Callable[[str], bool]:
    if known_codes is None:
        return lambda code: code == "LOG_OK" or _NOLOG.fullmatch(code) is not None
    known = frozenset(known_codes)
    return known.__contains__


def _code_problem(code: str, is_known: Callable[[str], bool]) -> str | None:
    if not code:
        return "missing outcome code"
    if _CODE.fullmatch(code) is None:
        return f"{_short(code)!r} is not an outcome code"
    if not is_known(code):
        return f"unknown outcome code {code!r}"
    return None


def _to_datetime(match: re.Match[str]) -> dt.datetime:
    zone = (match["z"] or "").strip().upper()
    tz = _UTC
    if zone and zone not in ("Z", "UTC", "GMT"):
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if minutes > 59:
            raise ValueError(f"bad zone offset {zone!r}")
        offset = dt.timedelta(hours=hours, minutes=minutes)
        tz = dt.timezone(-offset if zone[0] == "-" else offset)  # raises beyond ±24h
    micro = int((match["f"] or "").ljust(6, "0")[:6])
    try:
        when = dt.datetime(
            int(match["y"]), int(match["mo"]), int(match["d"]),
            int(match["h"] or 0), int(match["mi"] or 0), int(match["s"] or 0), micro, tzinfo=tz,
        )
        return when.astimezone(_UTC)
    except OverflowError as exc:
        raise ValueError(str(exc)) from None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _excerpt(text: str) -> str:
    return text.rstrip("\r\n")[:EXCERPT_CHARS]


def _addresses(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(parse_addresses(values))


# --- text export ---------------------------------------------------------------------


def _parse_text(
    path: str, lines: Iterator[_Line], is_known: Callable[[str], bool]
) -> Iterator[LogEntry | RejectedEntry]:
    """Entries are runs of non-blank lines; each is judged once its blank line (or EOF) arrives."""
    del path
    body: list[str] = []
    start, size, excerpt = 0, 0, ""
    problem: str | None = None
    for number, text, overlong in lines:
        line = text.rstrip("\r\n")
        if not overlong and not line.strip():
            if start:
                yield _text_entry(start, body, excerpt, problem, is_known)
                body, start, size, problem = [], 0, 0, None
            continue
        if not start:
            start, excerpt = number, _excerpt(line)
        if problem is not None:
            continue
        size += len(line)
        if overlong:
            problem = LONG_LINE
        elif len(body) >= MAX_ENTRY_LINES:
            problem = f"entry longer than {MAX_ENTRY_LINES} lines"
        elif size > MAX_ENTRY_CHARS:
            problem = f"entry longer than {MAX_ENTRY_CHARS} characters"
        if problem is None:
            body.append(line)
        else:
            body.clear()
    if start:
        yield _text_entry(start, body, excerpt, problem, is_known)


def _text_entry(
    start: int, body: list[str], excerpt: str, problem: str | None,
    is_known: Callable[[str], bool],
) -> LogEntry | RejectedEntry:
    if problem is None:
        parsed = _parse_text_entry(start, body, is_known)
        if isinstance(parsed, LogEntry):
            return parsed
        problem = parsed
    return RejectedEntry(start, problem, excerpt)


def _parse_text_entry(
    start: int, body: list[str], is_known: Callable[[str], bool]
) -> LogEntry | str:
    """The entry, or why it is rejected."""
    first = body[0].lstrip()
    match = _TIME.match(first)
    if match is None or match["h"] is None:
        return f"first line does not start with a date and time ({TIME_FORM})"
    try:
        when = _to_datetime(match)
    except ValueError as exc:
        return f"bad time {first[: match.end()].strip()!r}: {exc}"
    rest = first[match.end():].lstrip()
    if rest[:8].lower() != "subject:":
        return "first line has no 'Subject:' after the time"
    if len(body) == 1:
        return "no outcome code line"
    code = body[-1].strip()
    if _CODE.fullmatch(code) is None:
        return f"no outcome code line: the last line {_short(code)!r} is not a code"
    if not is_known(code):
        return f"unknown outcome code {code!r}"

    subject = [rest[8:].strip()]
    fields: dict[str, list[str]] = {}
    current = subject
    for line in body[1:-1]:
        if line[:1] in (" ", "\t"):  # a folded line continues the one above
            current.append(line.strip())
            continue
        name, colon, value = line.partition(":")
        key = _HEADERS.get(name.strip().lower())
        if not colon or key is None:
            return f"unrecognised header line {_short(line)!r}"
        if key in fields and key not in ("to", "cc"):
            return f"repeated header {name.strip()!r}"
        current = fields.setdefault(key, [])
        if key in ("to", "cc") and current:
            current.append(",")
        current.append(value.strip())

    def joined(key: str) -> str | None:
        return " ".join(fields[key]).strip() if key in fields else None

    sender = joined("from")
    to, cc = joined("to"), joined("cc")
    return LogEntry(
        line=start,
        time=when,
        subject=" ".join(subject).strip(),
        outcome=code,
        sender=normalise(sender) if sender else None,
        to=None if to is None else _addresses([to]),
        cc=None if cc is None else _addresses([cc]),
        message_id=joined("message_id") or None,
        user=joined("user") or None,
    )


# --- CSV -----------------------------------------------------------------------------


def _parse_csv(
    path: str, lines: Iterator[_Line], is_known: Callable[[str], bool]
) -> Iterator[LogEntry | RejectedEntry]:
    """Rows after a header row; a row's line is where it starts (quoted cells may hold newlines)."""
    long_lines: list[int] = []
    first_line: list[str] = []  # the current row's first physical line, for excerpts

    def feed() -> Iterator[str]:
        for number, text, overlong in lines:
            if overlong:
                long_lines.append(number)
                text = "\n"  # stands in for the skipped line; its row is rejected below
            if not first_line:
                first_line.append(text)
            yield text

    reader = csv.reader(feed())
    end = 0
    while True:  # the header: the first row with a non-empty cell
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(Position(path, reader.line_num, 1), f"bad CSV header: {exc}") from None
        start, end = end + 1, reader.line_num
        first_line.clear()
        if long_lines:
            raise InputError(Position(path, long_lines[0], 1), f"CSV header: {LONG_LINE}")
        if any(cell.strip() for cell in header):
            break
    columns, width = _csv_columns(path, start, header)

    while True:
        error: str | None = None
        row: list[str] = []
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            error = f"unreadable CSV row: {exc}"
        start, end = end + 1, reader.line_num
        excerpt = _excerpt(first_line[0]) if first_line else ""
        first_line.clear()
        if long_lines and long_lines[0] <= end:
            error = LONG_LINE
            long_lines[:] = [n for n in long_lines if n > end]
        if error is None and not any(cell.strip() for cell in row):
            continue  # blank or all-empty row: spreadsheets leave them; not an entry
        parsed = error or _csv_entry(start, row, columns, width, is_known)
        yield parsed if isinstance(parsed, LogEntry) else RejectedEntry(start, parsed, excerpt)


def _csv_columns(path: str, line: int, header: list[str]) -> tuple[dict[str, int], int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        if not name:
            continue
        if name in columns:
            raise InputError(Position(path, line, 1), f"CSV column {name!r} appears twice")
        columns[name] = index
    missing = [name for name in _CSV_REQUIRED if name not in columns]
    if missing:
        raise InputError(
            Position(path, line, 1),
            f"CSV header lacks column(s) {', '.join(missing)}; expected "
            "time,subject,from,to,cc,message_id,outcome (user optional)",
        )
    return columns, len(header)


def _csv_entry(
    start: int, row: list[str], columns: dict[str, int], width: int,
    is_known: Callable[[str], bool],
) -> LogEntry | str:
    if any(cell.strip() for cell in row[width:]):
        return f"row has {len(row)} cells but the header names {width}"

    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    raw_time = cell("time")
    if not raw_time:
        return "missing time"
    try:
        when = parse_time(raw_time)
    except ValueError as exc:
        return f"bad time {_short(raw_time)!r}: {exc}"
    code = cell("outcome")
    problem = _code_problem(code, is_known)
    if problem:
        return problem
    sender, to, cc = cell("from"), cell("to"), cell("cc")
    return LogEntry(
        line=start,
        time=when,
        subject=cell("subject"),
        outcome=code,
        sender=normalise(sender) if sender else None,
        to=_addresses(to.split(";")) if to else None,
        cc=_addresses(cc.split(";")) if cc else None,
        message_id=cell("message_id") or None,
        user=cell("user") or None,
    )


# --- JSON Lines ----------------------------------------------------------------------


def _parse_jsonl(
    path: str, lines: Iterator[_Line], is_known: Callable[[str], bool]
) -> Iterator[LogEntry | RejectedEntry]:
    """One object a line; blank lines are not entries."""
    del path
    for number, text, overlong in lines:
        if overlong:
            yield RejectedEntry(number, LONG_LINE, _excerpt(text))
            continue
        line = text.strip()
        if not line:
            continue
        parsed = _json_entry(number, line, is_known)
        yield parsed if isinstance(parsed, LogEntry) else RejectedEntry(
            number, parsed, _excerpt(line)
        )


def _json_entry(number: int, line: str, is_known: Callable[[str], bool]) -> LogEntry | str:
    try:
        obj = json.loads(line)
    except RecursionError:
        return "invalid JSON: nested too deeply"
    except ValueError as exc:
        return f"invalid JSON: {exc}"
    if not isinstance(obj, dict):
        return "not a JSON object"

    for key in _CSV_REQUIRED:
        if key not in obj:
            return f"missing key {key!r}"
        if not isinstance(obj[key], str):
            return f"{key!r} must be a string"
    for key in ("from", "message_id", "user"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return f"{key!r} must be a string or null"
    for key in ("to", "cc"):
        value = obj.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            return f"{key!r} must be a list of strings or null"
    try:
        when = parse_time(obj["time"])
    except ValueError as exc:
        return f"bad time {_short(obj['time'])!r}: {exc}"
    code = obj["outcome"].strip()
    problem = _code_problem(code, is_known)
    if problem:
        return problem

    def text(key: str) -> str | None:
        value = obj.get(key)
        return (_clean(value).strip() or None) if isinstance(value, str) else None

    def addresses(key: str) -> tuple[str, ...] | None:
        value = obj.get(key)
        return None if value is None else _addresses(_clean(v) for v in value)

    sender = text("from")
    return LogEntry(
        line=number,
        time=when,
        subject=_clean(obj["subject"]).strip(),
        outcome=code,
        sender=normalise(sender) if sender else None,
        to=addresses("to"),
        cc=addresses("cc"),
        message_id=text("message_id"),
        user=text("user"),
    )


def _clean(text: str) -> str:
    """JSON may carry lone surrogates (``"\\ud800"``); they would break UTF-8 output later."""
    return text.encode("utf-8", errors="replace").decode("utf-8")
