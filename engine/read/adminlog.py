"""The integration's admin log, read from its text export, CSV or JSON Lines.

Logs come from customers and can be huge, damaged or hostile, so reading is
streaming (memory does not grow with the log), decoding never fails (bad
UTF-8 becomes U+FFFD) and no entry is ever dropped: each one comes back as a
:class:`LogEntry` or as a :class:`RejectedEntry` saying where and why.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import itertools
import json
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, BinaryIO, NamedTuple

from whynolog.engine.base.errors import InputError, Position
from whynolog.engine.read.addresses import addresses_in, normalise, parse_addresses
from whynolog.engine.read.domains import canonical_forms

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
_HEADER_FORMS = {
    form: key
    for name, key in _HEADERS.items()
    for form in (
        name,
        name.title(),
        name.upper(),
        name.capitalize(),
        name.title().replace("-Id", "-ID"),
    )
}
"""Header names as logs spell them, for a look-up without ``strip().lower()``."""
_USUAL_ORDER = tuple(
    (name, key, len(name))
    for name, key in (
        ("From:", "from"),
        ("To:", "to"),
        ("Cc:", "cc"),
        ("Message-ID:", "message_id"),
    )
)
"""The header lines exports usually write, in their order: read without the general loop."""
_CSV_REQUIRED = ("time", "subject", "outcome")
_MEMO_SIZE = 16_384  # remembered hours and code lines; emptied when full


@cache
def _minutes_seconds() -> dict[str, dt.timedelta]:
    """``:MM:SS`` → its duration, for every valid minute and second (built on first use)."""
    return {
        f":{m:02d}:{s:02d}": dt.timedelta(minutes=m, seconds=s)
        for m in range(60)
        for s in range(60)
    }


class LogEntry(NamedTuple):
    """One admin-log entry; ``None`` participants were not recorded (often for privacy).

    A named tuple: logs hold hundreds of thousands of entries, and tuples are
    the cheapest immutable records to build.
    """

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
        canonical = canonical_forms((self.sender, *(self.to or ()), *(self.cc or ())))
        if canonical:
            out["canonical"] = canonical
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
    are the outcome codes accepted: the rule pack's (``RulePack.log_codes``); an
    unknown code is rejected with the nearest known one. Without them, ``LOG_OK``
    and any ``NOLOG_…``. Lazy: the file is opened on the first ``next()``,
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
_Batch = tuple[int, list[str], bool]  # (number of the line before, lines without "\n", over-long)
_Parser = Callable[[str, Iterator[_Batch], Callable[[str], bool]], Iterator[Any]]


def _read(
    path: str,
    stream: BinaryIO | None,
    parser: _Parser,
    is_known: Callable[[str], bool],
    before: int = 0,
) -> Iterator[LogEntry | RejectedEntry]:
    if stream is None and path == "-":
        stream = sys.stdin.buffer
    if stream is not None:
        yield from parser(path, _batches(stream, path, before), is_known)
        return
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below, inside the generator
    except OSError as exc:
        raise InputError(Position(path), f"cannot read the log: {exc.strerror or exc}") from None
    with handle:
        yield from parser(path, _batches(handle, path, before), is_known)


def _batches(raw: BinaryIO, path: str, before: int = 0) -> Iterator[_Batch]:
    """The decoded lines of ``raw`` in batches, in bounded memory.

    Each batch is ``(number of the line before it, lines, over-long)``, the
    lines without their ``\\n``. An over-long line comes alone, as far as it
    was kept, with ``over-long`` true; it is skipped, not read into memory.
    The file is read in blocks and each block's complete lines are decoded
    at once (a line break never falls inside a UTF-8 sequence), which is much
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
            block, skipping = block[end + 1 :], False
        data = pending + block if pending else block
        last = data.rfind(b"\n")
        if last >= 0:
            pending = data[last + 1 :]
            lines = data[:last].decode("utf-8", errors="replace").split("\n")
            if number == 0 and lines[0].startswith("\ufeff"):
                lines[0] = lines[0][1:]
            yield from _split_long(number, lines)
            number += len(lines)
        else:
            pending = data
        if len(pending) >= _READ_CAP:
            head = pending[: 4 * EXCERPT_CHARS].decode("utf-8", errors="replace")
            yield number, [head[1:] if number == 0 and head.startswith("\ufeff") else head], True
            number += 1
            pending, skipping = b"", True
    if pending:
        lines = [pending.decode("utf-8", errors="replace")]
        if number == 0 and lines[0].startswith("\ufeff"):
            lines[0] = lines[0][1:]
        yield from _split_long(number, lines)


def _split_long(number: int, lines: list[str]) -> Iterator[_Batch]:
    """``lines`` as one batch, or several around the lines over :data:`MAX_LINE_CHARS`."""
    if max(map(len, lines)) <= MAX_LINE_CHARS:
        yield number, lines, False
        return
    start = 0
    for i, line in enumerate(lines):
        if len(line) - line.endswith("\r") > MAX_LINE_CHARS:
            if start < i:
                yield number + start, lines[start:i], False
            yield number + i, [line[: EXCERPT_CHARS + 1]], True
            start = i + 1
    if start < len(lines):
        yield number + start, lines[start:], False


def _lines(batches: Iterator[_Batch]) -> Iterator[_Line]:
    """Line by line, for the formats read a line at a time."""
    for before, lines, overlong in batches:
        for number, line in enumerate(lines, before + 1):
            yield number, line + "\n", overlong


# --- shared checks -----------------------------------------------------------------


def _code_checker(known_codes: Collection[str] | None) -> Callable[[str], bool]:
    if known_codes is None:
        return lambda code: code == "LOG_OK" or _NOLOG.fullmatch(code) is not None
    known = frozenset(known_codes)
    return known.__contains__  # the set stays reachable as __self__, for _unknown_code


def _unknown_code(code: str, is_known: Callable[[str], bool]) -> str:
    """``unknown outcome code 'NOLOG_CONTNT' (did you mean NOLOG_CONTENT?)``."""
    known = getattr(is_known, "__self__", None)
    close = difflib.get_close_matches(code, sorted(known), n=1, cutoff=0.7) if known else []
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown outcome code {code!r}{hint}"


def _code_problem(code: str, is_known: Callable[[str], bool]) -> str | None:
    if not code:
        return "missing outcome code"
    if _CODE.fullmatch(code) is None:
        return f"{_short(code)!r} is not an outcome code"
    if not is_known(code):
        return _unknown_code(code, is_known)
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
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"] or 0),
            int(match["mi"] or 0),
            int(match["s"] or 0),
            micro,
            tzinfo=tz,
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
    path: str, batches: Iterator[_Batch], is_known: Callable[[str], bool]
) -> Iterator[LogEntry | RejectedEntry]:
    """Entries are runs of non-blank lines; each is judged once its blank line (or EOF) arrives.

    Limits are checked once a batch, so an endless entry costs at most a batch of memory.
    """
    del path
    read = _TextEntryParser(is_known).entry
    body: list[str] = []
    start, excerpt = 0, ""
    problem: str | None = None
    for before, lines, overlong in itertools.chain(batches, [(0, [""], False)]):
        # ^ a blank line after the last batch ends the last entry
        if overlong:
            if not start:
                start, excerpt = before + 1, _excerpt(lines[0])
            elif body and not excerpt:
                excerpt = _excerpt(body[0])
            problem = problem or LONG_LINE
            body.clear()
            continue
        for number, line in enumerate(lines, before + 1):
            if line and not line.isspace():
                if not start:
                    start = number
                body.append(line)
            elif start:
                if problem is None and (start <= before or len(body) > MAX_ENTRY_LINES):
                    problem = _too_long(body)
                parsed = problem or read(start, body)
                yield (
                    RejectedEntry(start, parsed, excerpt or _excerpt(body[0]))
                    if isinstance(parsed, str)
                    else parsed
                )
                body, start, excerpt, problem = [], 0, "", None
        if start and problem is None:
            problem = _too_long(body)
        if problem is not None and body:
            excerpt = excerpt or _excerpt(body[0])
            body.clear()


def _too_long(body: list[str]) -> str | None:
    if len(body) > MAX_ENTRY_LINES:
        return f"entry longer than {MAX_ENTRY_LINES} lines"
    if sum(map(len, body)) > MAX_ENTRY_CHARS:
        return f"entry longer than {MAX_ENTRY_CHARS} characters"
    return None


class _TextEntryParser:
    """Turns an entry's lines into a :class:`LogEntry`, or says why they are none.

    The usual first line (``2026-11-20 14:03:11 Subject: …``) takes a fast
    path: the hour is parsed once and remembered, minutes and seconds are
    looked up; any other shape goes through :func:`parse_time`'s pattern.
    """

    def __init__(self, is_known: Callable[[str], bool]) -> None:
        self.is_known = is_known
        self.codes: dict[str, str | None] = {}  # code line → None, or why it is no code
        self.hours: dict[str, dt.datetime | None] = {}
        self.minutes_seconds = _minutes_seconds()

    def _time(self, first: str) -> tuple[dt.datetime, str] | str:
        """The entry's time and the rest of the first line, or why there is none."""
        if first[19:28] == " Subject:":
            hour = self.hours.get(first[:13], False)
            if hour is False:
                match = _TIME.fullmatch(first[:13] + ":00")
                try:
                    hour = _to_datetime(match) if match is not None else None
                except ValueError:
                    hour = None
                if len(self.hours) >= _MEMO_SIZE:
                    self.hours.clear()
                self.hours[first[:13]] = hour
            rest = self.minutes_seconds.get(first[13:19])
            if hour is not None and rest is not None:
                return hour + rest, first[20:]
        match = _TIME.match(first)
        if match is None or match["h"] is None:
            return f"first line does not start with a date and time ({TIME_FORM})"
        try:
            return _to_datetime(match), first[match.end() :].lstrip()
        except ValueError as exc:
            return f"bad time {first[: match.end()].strip()!r}: {exc}"

    def _code(self, line: str) -> tuple[str, str | None]:
        code = line.strip()
        problem = self.codes.get(code, "")
        if problem == "":
            if _CODE.fullmatch(code) is None:
                problem = f"no outcome code line: the last line {_short(code)!r} is not a code"
            elif not self.is_known(code):
                problem = _unknown_code(code, self.is_known)
            else:
                problem = None
            if len(self.codes) < _MEMO_SIZE:
                self.codes[code] = problem
        return code, problem

    def entry(self, start: int, body: list[str]) -> LogEntry | str:
        """The entry, or why it is rejected."""
        first = body[0]
        if (
            first[19:28] == " Subject:"
            and (hour := self.hours.get(first[:13])) is not None
            and (minutes := self.minutes_seconds.get(first[13:19])) is not None
        ):
            when, rest = hour + minutes, first[20:]  # the usual first line, seen this hour
        else:
            timed = self._time(first.lstrip())
            if isinstance(timed, str):
                return timed
            when, rest = timed
            if rest[:8].lower() != "subject:":
                return "first line has no 'Subject:' after the time"
        if len(body) == 1:
            return "no outcome code line"
        code = body[-1].strip()
        if self.codes.get(code, "") is not None:  # a code not seen yet, or no code
            code, problem = self._code(body[-1])
            if problem is not None:
                return problem

        subject = rest[8:].strip()
        fields = _usual_headers(body) if len(body) > 2 else {}
        if fields is None:
            read = _headers(body)
            if isinstance(read, str):
                return read
            fields, folded = read
            subject += folded
        get = fields.get
        sender, to, cc, message_id, user = (
            get("from"),
            get("to"),
            get("cc"),
            get("message_id"),
            get("user"),
        )
        return LogEntry(
            start,
            when,
            subject.strip(),
            code,
            normalise(sender.strip()) if sender else None,
            None if to is None else addresses_in(to.strip()),
            None if cc is None else addresses_in(cc.strip()),
            message_id.strip() or None if message_id else None,
            user.strip() or None if user else None,
        )


def _headers(body: list[str]) -> tuple[dict[str, str], str] | str:
    """The header values of an entry (as written; stripped later) and what folded lines add
    to its subject, or why its lines are not headers."""
    fields: dict[str, str] = {}
    subject = ""
    current = ""  # the field a folded line continues ("" for the subject)
    for line in body[1:-1]:
        name, colon, value = line.partition(":")
        key = _HEADER_FORMS.get(name)
        if key is not None and colon and key not in fields:
            fields[key] = value
            current = key
            continue
        if line[0] in " \t":  # a folded line continues the one above
            if current:
                fields[current] = fields[current].strip() + " " + line.strip()
            else:
                subject += " " + line.strip()
            continue
        key = key or _HEADERS.get(name.strip().lower())
        if not colon or key is None:
            return f"unrecognised header line {_short(line)!r}"
        if key in fields:
            if key not in ("to", "cc"):
                return f"repeated header {name.strip()!r}"
            fields[key] = fields[key].strip() + " , " + value.strip()
        else:
            fields[key] = value
        current = key
    return fields, subject


def _usual_headers(body: list[str]) -> dict[str, str] | None:
    """The header values of an entry whose header lines are ``From:``, ``To:``, ``Cc:`` and
    ``Message-ID:``, some of them, in that order; None for any other header block."""
    fields: dict[str, str] = {}
    lines = iter(body[1:-1])
    line = next(lines)
    for name, key, size in _USUAL_ORDER:
        if line[:size] == name:
            fields[key] = line[size:]
            line = next(lines, "")
    return fields if not line else None


# --- CSV -----------------------------------------------------------------------------


def _parse_csv(
    path: str, batches: Iterator[_Batch], is_known: Callable[[str], bool]
) -> Iterator[LogEntry | RejectedEntry]:
    """Rows after a header row; a row's line is where it starts (quoted cells may hold newlines)."""
    lines = _lines(batches)
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
    start: int,
    row: list[str],
    columns: dict[str, int],
    width: int,
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
    path: str, batches: Iterator[_Batch], is_known: Callable[[str], bool]
) -> Iterator[LogEntry | RejectedEntry]:
    """One object a line; blank lines are not entries."""
    del path
    for number, text, overlong in _lines(batches):
        if overlong:
            yield RejectedEntry(number, LONG_LINE, _excerpt(text))
            continue
        line = text.strip()
        if not line:
            continue
        parsed = _json_entry(number, line, is_known)
        yield (
            parsed
            if isinstance(parsed, LogEntry)
            else RejectedEntry(number, parsed, _excerpt(line))
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
