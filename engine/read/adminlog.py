"""The integration's admin log, read from its text export, CSV or JSON Lines.

Logs come from customers and can be huge, damaged or hostile, so reading is
streaming (memory does not grow with the log), decoding never fails (bad
UTF-8 becomes U+FFFD) and no entry is ever dropped: each one comes back as a
:class:`LogEntry` or as a :class:`RejectedEntry` saying where and why.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import itertools
import json
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, BinaryIO, Final, NamedTuple, cast

from mypy_extensions import mypyc_attr

from whynolog.engine.base.errors import InputError, Position
from whynolog.engine.read.addresses import addresses_in, normalise, parse_addresses
from whynolog.engine.read.domains import canonical_forms
from whynolog.engine.read.logtimes import (
    TIME_FORM,
    DateOrder,
    TimeReader,
    UndecidedDateOrder,
    zone_of,
)

LOG_FORMATS = ("text", "csv", "jsonl")
"""``csv`` covers TSV and other delimiters: the header line tells which."""

MAX_LINE_CHARS = 1_000_000
"""Longer lines are skipped unread (their entry is rejected), keeping memory bounded."""
MAX_ENTRY_LINES = 10_000
MAX_ENTRY_CHARS = 4 * MAX_LINE_CHARS
EXCERPT_CHARS = 200

LONG_LINE = f"line longer than {MAX_LINE_CHARS} characters"
MAX_UNDECIDED = 100_000
"""Entries held back while the log has not shown its date order (see ``--date-order``)."""

# A line of at most MAX_LINE_CHARS characters never takes more than 4 bytes a
# character (undecodable bytes become one character each), plus "\r\n".
_READ_CAP = 4 * MAX_LINE_CHARS + 2
_BLOCK = 1 << 15  # bytes read at a time: a block and its text stay in a core's cache

_UTC = dt.timezone.utc

_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_NOLOG = re.compile(r"NOLOG_[A-Z0-9_]+")

_HEADERS = {
    "from": "from",
    "to": "to",
    "cc": "cc",
    "bcc": "bcc",
    "message-id": "message_id",
    "message_id": "message_id",
    "message id": "message_id",
    "messageid": "message_id",
    "user": "user",
}
"""Header names of the text export, lower case (names are read case-insensitively)."""
_LISTS = ("to", "cc", "bcc")
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
_PLAIN_ADDRESS = r"[a-zA-Z0-9._+-]+@[a-zA-Z0-9.-]+"
"""Addresses that ``addresses_in`` reads as themselves, lower-cased (a subset of its bare
form, in ASCII classes: ``re`` matches them a quarter faster than the bare form's)."""
_BARE_LIST = rf"{_PLAIN_ADDRESS}(?:, {_PLAIN_ADDRESS})*"
_USUAL_ENTRY = re.compile(  # (?:…|) for optional lines: a branch, cheaper in re than (?:…)?
    r"([^\n]{13})([^\n]{6}) Subject:([^\n]*)"  # first line: hour, :MM:SS, subject
    rf"(?:\nFrom:(?: ({_PLAIN_ADDRESS})\r?|([^\n]*))|)"  # a bare address, or any value
    rf"(?:\nTo:(?: ({_BARE_LIST})\r?|([^\n]*))|)"  # bare addresses ", "-separated, or any value
    rf"(?:\nCc:(?: ({_BARE_LIST})\r?|([^\n]*))|)"
    r"(?:\nMessage-ID:([^\n]*)|)"
    r"\n([A-Z][A-Z0-9_]*)\r?"  # the outcome code, nothing around it
)
"""An entry as exports usually write it (the :data:`_USUAL_ORDER` headers), its lines joined:
one match reads it all (a fraction of the Python steps of reading it line by line)."""
_UsualGroups = tuple[  # the groups of a _USUAL_ENTRY match
    str,
    str,
    str,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str,
]
_USUAL_RUN = re.compile(_USUAL_ENTRY.pattern + r"\n\r?(?=\n|\Z)")
""":data:`_USUAL_ENTRY` in a block's text and its blank line (but that line's ``\\n``): it holds
every line of the entry, as no line it matches is blank. CRs end lines of Windows exports."""
_BLANK_LINE = re.compile(r"\n\r?\n")
"""The end of a line and the empty (or CR) line after it."""
_CSV_REQUIRED = ("time", "subject", "outcome")
CSV_FIELDS = ("time", "subject", "from", "to", "cc", "bcc", "message_id", "outcome", "user")
_CSV_SYNONYMS = {
    "time": ("date", "timestamp", "datetime", "sent", "received", "when", "datetimeutc"),
    "subject": ("title",),
    "from": ("sender",),
    "to": ("recipients", "recipient"),
    "message_id": ("messageid", "internetmessageid"),
    "outcome": ("result", "code", "status", "logresult", "outcomecode"),
    "user": ("username", "owner"),
}
"""CSV header names (lower case, without spaces, ``_`` and ``-``) read as each field."""
_DELIMITERS = ",;\t|"
_MEMO_SIZE = 16_384  # remembered hours and code lines; emptied when full


_MINUTES: Final = tuple(dt.timedelta(0, 60 * m) for m in range(60))
_SECONDS: Final = tuple(dt.timedelta(0, s) for s in range(60))
"""Minutes and seconds as durations (``timedelta(days, seconds)``: keywords cost ten times as
much). Two tables of 60 stay in a core's cache, where one of 3,600 (``:MM:SS``) did not."""


def _past_hour(hour: dt.datetime, clock: str) -> dt.datetime | None:
    """``hour`` plus the ``:MM:SS`` of ``clock``, or None when ``clock`` is not one."""
    if len(clock) != 6 or clock[0] != ":" or clock[3] != ":":
        return None
    # digits by their code points: compiled, no string is made
    m1, m2 = ord(clock[1]) - 48, ord(clock[2]) - 48
    s1, s2 = ord(clock[4]) - 48, ord(clock[5]) - 48
    if not (0 <= m1 <= 5 and 0 <= m2 <= 9 and 0 <= s1 <= 5 and 0 <= s2 <= 9):
        return None
    return hour + _MINUTES[10 * m1 + m2] + _SECONDS[10 * s1 + s2]


_UNRECORDED: dict[str, Any] = dict.fromkeys(("from", "to", "cc", "message_id", "user"))


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
    bcc: tuple[str, ...] | None = None
    log: str | None = None  # the log's name, when several are read as one

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output: only the participants the log recorded."""
        out: dict[str, Any] = {
            "time": self.time.isoformat(),
            "subject": self.subject,
            "outcome": self.outcome,
        }
        if self.log is not None:
            out["log"] = self.log
        out["line"] = self.line
        if self.sender is not None:
            out["from"] = self.sender
        if self.to is not None:
            out["to"] = list(self.to)
        if self.cc is not None:
            out["cc"] = list(self.cc)
        if self.bcc is not None:
            out["bcc"] = list(self.bcc)
        if self.message_id is not None:
            out["message_id"] = self.message_id
        if self.user is not None:
            out["user"] = self.user
        canonical = canonical_forms((self.sender, *(self.to or ()), *(self.cc or ())))
        if canonical:
            out["canonical"] = canonical
        return out

    def to_row(self) -> dict[str, Any]:
        """:meth:`to_dict` with every participant key, None where not recorded (a table's
        columns, a report's fields)."""
        return {**_UNRECORDED, **self.to_dict()}


@mypyc_attr(native_class=False)  # a plain dataclass: pickled, replaced
@dataclass(frozen=True)
class RejectedEntry:
    """An entry that could not be parsed, kept so reports never hide it."""

    line: int
    reason: str
    excerpt: str = ""
    log: str | None = None  # the log's name, when several are read as one

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        place = {"line": self.line} if self.log is None else {"log": self.log, "line": self.line}
        return {**place, "reason": self.reason, "excerpt": self.excerpt}


def parse_time(text: str, times: TimeReader | None = None) -> dt.datetime:
    """A time in any form of :mod:`~whynolog.engine.read.logtimes`, in UTC.

    Times without a zone are UTC unless ``times`` says otherwise. Raises ``ValueError``:
    :data:`TIME_FORM` when the text is not shaped like a time, else what is wrong
    (``month must be in 1..12``).
    """
    try:
        return (times or TimeReader()).parse(text)
    except UndecidedDateOrder:
        raise ValueError(
            f"{text.strip()!r} may be month/day or day/month: write it as YYYY-MM-DD"
        ) from None


def detect_format(path: str) -> str:
    """The log format implied by a file name: ``.csv``/``.tsv``, ``.jsonl``/``.ndjson``, else
    text."""
    lower = path.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if lower.endswith((".csv", ".tsv", ".tab")):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return "text"


def parse_columns(text: str | None) -> dict[str, str]:
    """``--columns field=Header,…`` as ``{field: header}``; ``ValueError`` naming a bad part."""
    columns: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        field, equals, header = part.partition("=")
        field = field.strip().lower().replace("-", "_")
        if not equals or not header.strip():
            raise ValueError(f"bad column mapping {part.strip()!r}: expected field=Header")
        if field not in CSV_FIELDS:
            raise ValueError(f"unknown field {field!r}: expected one of {', '.join(CSV_FIELDS)}")
        columns[field] = header.strip()
    return columns


def read_log(
    path: str,
    fmt: str | None = None,
    known_codes: Collection[str] | None = None,
    stream: BinaryIO | None = None,
    first_line: int = 1,
    *,
    tz: str | dt.tzinfo | None = None,
    date_order: DateOrder | None = None,
    columns: Mapping[str, str] | None = None,
    label: str | None = None,
) -> Iterator[LogEntry | RejectedEntry]:
    """Every entry of the log at ``path`` (``-`` is ``stream`` or stdin), in file order.

    ``first_line`` numbers the stream's first line (when it is a part of a larger log);
    ``label``, when given, names the log in each entry (``log``: several logs read as one).

    ``fmt`` is one of :data:`LOG_FORMATS` (default: by extension). ``known_codes``
    are the outcome codes accepted: the rule pack's (``RulePack.log_codes``); an
    unknown code is rejected with the nearest known one. Without them, ``LOG_OK``
    and any ``NOLOG_…``. ``tz`` is the zone of times written without one
    (default UTC), ``date_order`` how to read ``11/10/2026`` (default: as the log shows,
    see :class:`~whynolog.engine.read.logtimes.TimeReader`), ``columns`` maps fields to
    CSV headers the synonyms do not cover. Lazy: the file is opened on the first
    ``next()``; an unreadable file, a CSV header without the needed columns or a log
    whose date order cannot be told raises ``InputError``; every bad entry comes back
    as a :class:`RejectedEntry`.
    """
    fmt = fmt or detect_format(path)
    if fmt not in LOG_FORMATS:
        raise ValueError(f"unknown log format {fmt!r}: expected one of {', '.join(LOG_FORMATS)}")
    is_known = _code_checker(known_codes)
    zone = tz if isinstance(tz, dt.tzinfo) else zone_of(tz)
    times = TimeReader(zone, date_order)
    parsers: dict[str, _Parser] = {
        "text": _parse_text,
        "csv": partial(_parse_csv, columns=columns),
        "jsonl": _parse_jsonl,
    }
    parser = parsers[fmt]
    items = _in_order(path, _read(path, stream, parser, is_known, times, first_line - 1), times)
    return items if label is None else _labelled(items, label)


def _labelled(
    items: Iterator[LogEntry | RejectedEntry], label: str
) -> Iterator[LogEntry | RejectedEntry]:
    """``items``, each naming its log ``label``."""
    for item in items:
        if isinstance(item, LogEntry):
            yield tuple.__new__(LogEntry, (*item[:-1], label))  # as _replace(log=label)
        else:
            yield replace(item, log=label)


class _Pending(NamedTuple):
    """An entry whose time waits for the log to show its date order."""

    read: Callable[[], LogEntry | str]
    line: int
    excerpt: str
    date: str


def _in_order(
    path: str, items: Iterator[LogEntry | RejectedEntry | _Pending], times: TimeReader
) -> Iterator[LogEntry | RejectedEntry]:
    """``items`` in order, the entries of undecided dates read once a later date decides."""
    held: list[LogEntry | RejectedEntry | _Pending] = []
    for item in items:
        if not held and type(item) is not _Pending:
            yield item  # type: ignore[misc]
            continue
        held.append(item)
        if times.order is not None:
            yield from _settled(held)
            held = []
        elif len(held) > MAX_UNDECIDED:
            break
    if held:
        first = next(h for h in held if type(h) is _Pending)
        raise InputError(
            Position(path, first.line, 1),
            f"cannot tell whether the dates of this log (such as {first.date!r}) "
            "are month/day or day/month: no day is above 12; pass --date-order mdy "
            "or --date-order dmy",
        )


def _settled(
    held: list[LogEntry | RejectedEntry | _Pending],
) -> Iterator[LogEntry | RejectedEntry]:
    for item in held:
        if type(item) is _Pending:
            parsed = item.read()
            yield (
                parsed
                if isinstance(parsed, LogEntry)
                else RejectedEntry(item.line, parsed, item.excerpt)
            )
        else:
            yield item  # type: ignore[misc]


# --- reading lines ---------------------------------------------------------------

_Line = tuple[int, str, bool]  # (1-based number, decoded text with its line ending, over-long)
_Block = tuple[int, str, bool]  # (number of the line before, lines joined by "\n", over-long)
_Batch = tuple[int, list[str], bool]  # (number of the line before, lines without "\n", over-long)
_Parser = Callable[[str, Iterator[_Block], Callable[[str], bool], TimeReader], Iterator[Any]]
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
"""Byte-order marks, the UTF-32 ones before UTF-16's (``FF FE`` starts both)."""


def _read(
    path: str,
    stream: BinaryIO | None,
    parser: _Parser,
    is_known: Callable[[str], bool],
    times: TimeReader,
    before: int = 0,
) -> Iterator[LogEntry | RejectedEntry | _Pending]:
    if stream is None and path == "-":
        stream = sys.stdin.buffer
    if stream is not None:
        yield from parser(path, _blocks(stream, path, before), is_known, times)
        return
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below, inside the generator
    except OSError as exc:
        raise InputError(Position(path), f"cannot read the log: {exc.strerror or exc}") from None
    with handle:
        yield from parser(path, _blocks(handle, path, before), is_known, times)


def _raw_blocks(raw: BinaryIO, path: str, before: int) -> Iterator[bytes]:
    """The bytes of ``raw`` as read, a block at a time."""
    read = getattr(raw, "read1", raw.read)
    while True:
        try:
            block = read(_BLOCK)
        except OSError as exc:
            raise InputError(Position(path, before + 1), f"cannot read the log: {exc}") from None
        if not block:
            return
        yield block


def _utf8_blocks(raw: BinaryIO, path: str, before: int) -> Iterator[bytes]:
    """The bytes of ``raw`` as UTF-8, in blocks: a byte-order mark is dropped, UTF-16 and
    UTF-32 (told by their mark) are recoded, and lone CRs (old Mac line ends) become LFs."""
    chunks = _raw_blocks(raw, path, before)
    first = next(chunks, b"")
    while len(first) < 4 and first:  # a mark can span short reads of a pipe
        more = next(chunks, b"")
        if not more:
            break
        first += more
    bom, encoding = next(((b, name) for b, name in _BOMS if first.startswith(b)), (b"", "utf-8"))
    first = first[len(bom) :]
    recode = encoding != "utf-8"
    cr_only = b"\r" in first and b"\n" not in first
    if not recode and not cr_only:
        if first:
            yield first
        yield from chunks  # the usual case: UTF-8 bytes go through untouched
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for block in itertools.chain([first], chunks):
        data = decoder.decode(block).encode("utf-8", errors="replace") if recode else block
        yield data.replace(b"\r", b"\n") if cr_only else data
    if recode:
        yield decoder.decode(b"", final=True).encode("utf-8", errors="replace")


def _blocks(raw: BinaryIO, path: str, before: int = 0) -> Iterator[_Block]:
    """The decoded lines of ``raw`` in blocks, in bounded memory.

    Each block is ``(number of the line before it, its lines joined by "\\n", over-long)``.
    An over-long line comes alone, as far as it was kept, with ``over-long`` true;
    it is skipped, not read into memory. The file is read in blocks and each
    block's complete lines are decoded at once (a line break never falls inside
    a UTF-8 sequence), which is much faster than reading line by line.
    """
    number = before
    pending = b""  # the unfinished line at the end of what was read so far
    skipping = False  # inside an over-long line: drop bytes until its end
    for block in _utf8_blocks(raw, path, before):
        if skipping:
            end = block.find(b"\n")
            if end < 0:
                continue
            block, skipping = block[end + 1 :], False
        last = block.rfind(b"\n")
        if last < 0:
            pending += block
        else:
            start = 0
            if pending:  # the line left unfinished, completed: alone, so the block is not copied
                start = block.find(b"\n") + 1
                yield (
                    number,
                    (pending + block[: start - 1]).decode("utf-8", errors="replace"),
                    False,
                )
                number += 1
            if start <= last:  # the block's complete lines, decoded in place (a view: no copy)
                text = str(memoryview(block)[start:last], "utf-8", "replace")
                yield number, text, False
                number += text.count("\n") + 1
            pending = block[last + 1 :]
        if len(pending) >= _READ_CAP:
            head = pending[: 4 * EXCERPT_CHARS].decode("utf-8", errors="replace")
            yield number, head, True
            number += 1
            pending, skipping = b"", True
    if pending:
        yield number, pending.decode("utf-8", errors="replace"), False


def _batches(blocks: Iterable[_Block]) -> Iterator[_Batch]:
    """``blocks`` as lists of lines, the lines over :data:`MAX_LINE_CHARS` in batches of their
    own (marked over-long, cut to an excerpt)."""
    for before, text, overlong in blocks:
        if overlong:
            yield before, [text], True
        else:
            yield from _split_long(before, text.split("\n"))


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


def _lines(blocks: Iterator[_Block]) -> Iterator[_Line]:
    """Line by line, for the formats read a line at a time."""
    for before, lines, overlong in _batches(blocks):
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


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _excerpt(text: str) -> str:
    return text.rstrip("\r\n")[:EXCERPT_CHARS]


def _addresses(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(parse_addresses(values))


# --- text export ---------------------------------------------------------------------


def _parse_text(
    _path: str, blocks: Iterator[_Block], is_known: Callable[[str], bool], times: TimeReader
) -> Iterator[LogEntry | RejectedEntry | _Pending]:
    """Entries are runs of non-blank lines; each is judged once its blank line (or EOF) arrives.

    Entries of the usual shape (:data:`_USUAL_RUN`), their code seen before, are read
    straight from a block's text; every other stretch of lines goes through
    :class:`_TextLines` (the same result, a Python step a line).
    """
    parser = _TextEntryParser(is_known, times)
    usual, general = parser.usual, _TextLines(parser.entry)
    run = _USUAL_RUN.match
    for before, text, overlong in blocks:
        if overlong or len(text) > MAX_LINE_CHARS:  # some line may be over-long
            for batch in _batches([(before, text, overlong)]):
                yield from general.feed(*batch)
            continue
        pos, number, size = 0, before + 1, len(text)  # number: the line at pos
        while pos <= size:
            # an entry still open from the block before ends by the line way
            m = run(text, pos) if pos or not general.start else None
            entry = None if m is None else usual(number, m)
            if entry is not None:
                yield entry
                number += parser.lines + 1  # +1: the blank line
                pos = m.end() + 1  # type: ignore[union-attr]
                continue
            # through the next blank line (or the block's end), where no entry is open
            found = _BLANK_LINE.search(text, pos - 1 if pos else 0)
            after = size + 1 if found is None else found.end()
            lines = text[pos : after - 1].split("\n")
            yield from general.feed(number - 1, lines, False)
            number += len(lines)
            pos = after
    yield from general.feed(0, [""], False)  # a blank line after the last block ends the last entry


def _parse_text_lines(
    _path: str, blocks: Iterator[_Block], is_known: Callable[[str], bool], times: TimeReader
) -> Iterator[LogEntry | RejectedEntry | _Pending]:
    """:func:`_parse_text` a line at a time, every entry through :class:`_TextLines`."""
    general = _TextLines(_TextEntryParser(is_known, times).entry)
    for batch in itertools.chain(_batches(blocks), [(0, [""], False)]):
        yield from general.feed(*batch)


class _TextLines:
    """The text export read line by line: the general way, for any shape of entry.

    Limits are checked once a batch, so an endless entry costs at most a batch of memory.
    """

    def __init__(self, read: Callable[[int, list[str]], LogEntry | str]) -> None:
        self.read = read
        self.body: list[str] = []
        self.start = 0  # the first line of the entry being read; 0 between entries
        self.excerpt = ""
        self.problem: str | None = None

    def feed(
        self, before: int, lines: list[str], overlong: bool
    ) -> Iterator[LogEntry | RejectedEntry | _Pending]:
        """The entries that ``lines`` (following line ``before``) end."""
        read, body, start, excerpt, problem = (
            self.read,
            self.body,
            self.start,
            self.excerpt,
            self.problem,
        )
        if overlong:
            if not start:
                start, excerpt = before + 1, _excerpt(lines[0])
            elif body and not excerpt:
                excerpt = _excerpt(body[0])
            problem = problem or LONG_LINE
            body.clear()
            self.start, self.excerpt, self.problem = start, excerpt, problem
            return
        for number, line in enumerate(lines, before + 1):
            if line.strip():  # not blank; one call, faster than `line and not line.isspace()`
                if not start:
                    start = number
                body.append(line)
            elif start:
                if problem is None and (start <= before or len(body) > MAX_ENTRY_LINES):
                    problem = _too_long(body)
                try:
                    parsed = problem or read(start, body)
                except UndecidedDateOrder as undecided:
                    yield _Pending(
                        partial(read, start, body), start, _excerpt(body[0]), str(undecided)
                    )
                else:
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
        self.body, self.start, self.excerpt, self.problem = body, start, excerpt, problem


def _too_long(body: list[str]) -> str | None:
    if len(body) > MAX_ENTRY_LINES:
        return f"entry longer than {MAX_ENTRY_LINES} lines"
    if sum(map(len, body)) > MAX_ENTRY_CHARS:
        return f"entry longer than {MAX_ENTRY_CHARS} characters"
    return None


_UNREAD = dt.datetime(1, 1, 1)
"""The hour of a first line not read yet (compared by identity; a typed sentinel)."""


class _TextEntryParser:
    """Turns an entry's lines into a :class:`LogEntry`, or says why they are none.

    The usual first line (``2026-11-20 14:03:11 Subject: …``) takes a fast
    path: the hour is parsed once and remembered, minutes and seconds are
    looked up; any other shape (indented, other date forms, zones) goes through
    the :class:`TimeReader`.
    """

    def __init__(self, is_known: Callable[[str], bool], times: TimeReader) -> None:
        self.is_known = is_known
        self.times = times
        # A valid code line → its code as first read: every entry of a code holds that one string,
        # so the tallies and memos keyed by it compare by identity, not by reading a copy.
        self.codes: dict[str, str] = {}
        self.problems: dict[str, str] = {}  # a code line → why it is no code
        self.hours: dict[str, dt.datetime | None] = {}
        self.lines = 0
        """The number of lines of the entry :meth:`usual` read last (its match tells, where
        counting the line ends of its text took a tenth of the reading)."""

    def _time(self, first: str) -> tuple[dt.datetime, str] | str:
        """The entry's time and the rest of the first line, or why there is none."""
        if first[19:28] == " Subject:" and first[4] == "-":
            hour = self._hour(first[:13])
            when = None if hour is None else _past_hour(hour, first[13:19])
            if when is not None:
                return when, first[20:]
        try:
            found = self.times.match(first)
        except ValueError as exc:
            shown = first.partition(" Subject:")[0].partition(" subject:")[0].strip()
            return f"bad time {_short(shown)!r}: {exc}"
        if found is None:
            return f"first line does not start with a date and time ({TIME_FORM})"
        when, end = found
        return when, first[end:].lstrip()

    def _hour(self, text: str) -> dt.datetime | None:
        """The time of ``2026-11-20 14`` (a usual first line's hour), remembered; None when
        it is none."""
        hour = self.hours.get(text, _UNREAD)
        if hour is _UNREAD:
            try:
                hour = self.times.parse(text + ":00")
            except ValueError:
                hour = None
            if len(self.hours) >= _MEMO_SIZE:
                self.hours.clear()
            self.hours[text] = hour
        return hour

    def _code(self, line: str) -> tuple[str, str | None]:
        """The code of an entry's last line (its remembered string), or why it is none."""
        code = line.strip()
        known = self.codes.get(code)
        if known is not None:
            return known, None
        problem = self.problems.get(code)
        if problem is None:
            if _CODE.fullmatch(code) is None:
                problem = f"no outcome code line: the last line {_short(code)!r} is not a code"
            elif not self.is_known(code):
                problem = _unknown_code(code, self.is_known)
            else:
                if len(self.codes) < _MEMO_SIZE:
                    self.codes[code] = code
                return code, None
            if len(self.problems) < _MEMO_SIZE:
                self.problems[code] = problem
        return code, problem

    def entry(self, start: int, body: list[str]) -> LogEntry | str:
        """The entry, or why it is rejected (:class:`UndecidedDateOrder` while the log has
        not shown whether ``11/10/2026`` is month or day first).

        An entry of the usual shape, its hour and code seen before, is read by one match of
        :data:`_USUAL_ENTRY`; any other goes through :meth:`_general` (the same result).
        """
        m = _USUAL_ENTRY.fullmatch("\n".join(body))
        entry = None if m is None else self.usual(start, m)
        return self._general(start, body) if entry is None else entry

    def usual(self, start: int, m: re.Match[str]) -> LogEntry | None:
        """The entry of a :data:`_USUAL_ENTRY` match, or None when its hour is not valid or
        its code was not seen yet (or is not valid): :meth:`_general` reads it then."""
        # its groups typed: compiled, their string methods are direct calls
        (
            hour_text,
            clock,
            subject,
            bare_from,
            sender,
            bare_to,
            to,
            bare_cc,
            cc,
            message_id,
            code_line,
        ) = cast("_UsualGroups", m.groups())
        hour = self.hours.get(hour_text)
        if hour is None and hour_text[4] == "-" and not hour_text[0].isspace():
            hour = self._hour(hour_text)  # an hour's first entry: read as _time reads it
        when = None if hour is None else _past_hour(hour, clock)
        code = self.codes.get(code_line)  # its remembered string
        if when is None or code is None:
            return None
        self.lines = (  # the first line, the code's, and each header line matched
            2
            + (bare_from is not None or sender is not None)
            + (bare_to is not None or to is not None)
            + (bare_cc is not None or cc is not None)
            + (message_id is not None)
        )
        # Bare addresses are read as normalise() and addresses_in() read them, without their steps.
        sender = bare_from.lower() if bare_from else normalise(sender.strip()) if sender else None
        to_list: tuple[str, ...] | None
        cc_list: tuple[str, ...] | None
        if bare_to:  # "," not in: one address, the usual To, without a call
            to_list = (bare_to.lower(),) if "," not in bare_to else _bare_list(bare_to)
        else:
            to_list = None if to is None else addresses_in(to.strip())
        if bare_cc:
            cc_list = (bare_cc.lower(),) if "," not in bare_cc else _bare_list(bare_cc)
        else:
            cc_list = None if cc is None else addresses_in(cc.strip())
        # tuple.__new__: LogEntry(...) would run a Python-level __new__ for every entry
        return tuple.__new__(
            LogEntry,
            (
                start,
                when,
                subject.strip(),
                code,
                sender,
                to_list,
                cc_list,
                message_id.strip() or None if message_id else None,
                None,
                None,
                None,
            ),
        )

    def _general(self, start: int, body: list[str]) -> LogEntry | str:
        """:meth:`entry` for any shape of entry."""
        first = body[0]
        if (
            first[19:28] == " Subject:"
            and (hour := self.hours.get(first[:13])) is not None
            and (clock := _past_hour(hour, first[13:19])) is not None
        ):
            when, rest = clock, first[20:]  # the usual first line, seen this hour
        else:
            timed = self._time(first.lstrip())
            if isinstance(timed, str):
                return timed
            when, rest = timed
            if rest[:8].lower() != "subject:":
                return "first line has no 'Subject:' after the time"
        if len(body) == 1:
            return "no outcome code line"
        code = self.codes.get(body[-1].strip())
        if code is None:  # a code not seen yet, or no code
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
        sender, to, cc, message_id, user, bcc = (
            get("from"),
            get("to"),
            get("cc"),
            get("message_id"),
            get("user"),
            get("bcc"),
        )
        # tuple.__new__: LogEntry(...) would run a Python-level __new__ for every entry
        return tuple.__new__(
            LogEntry,
            (
                start,
                when,
                subject.strip(),
                code,
                normalise(sender.strip()) if sender else None,
                None if to is None else addresses_in(to.strip()),
                None if cc is None else addresses_in(cc.strip()),
                message_id.strip() or None if message_id else None,
                user.strip() or None if user else None,
                None if bcc is None else addresses_in(bcc.strip()),
                None,
            ),
        )


def _bare_list(addresses: str) -> tuple[str, ...]:
    """``addresses_in`` of a :data:`_BARE_LIST` match: lower-cased, without repeats."""
    return tuple(dict.fromkeys(addresses.lower().split(", ")))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _headers(body: list[str]) -> tuple[dict[str, str], str] | str:
    """The header values of an entry (as written; stripped later) and what folded lines add
    to its subject, or why its lines are not headers.

    Names are read case-insensitively at any indentation (pasted from a web page,
    every line may be indented). A line indented deeper than the entry's first line
    that is no header continues the line above (folding); any other line that is no
    header rejects the entry rather than being merged into a field.
    """
    fields: dict[str, str] = {}
    subject = ""
    current = ""  # the field a folded line continues ("" for the subject)
    base = _indent(body[0])
    for line in body[1:-1]:
        name, colon, value = line.partition(":")
        key = _HEADERS.get(name.strip().lower()) if colon else None
        if key is None:
            if _indent(line) > base:  # a folded line continues the one above
                if current:
                    fields[current] = fields[current].strip() + " " + line.strip()
                else:
                    subject += " " + line.strip()
                continue
            return f"unrecognised header line {_short(line.strip())!r}"
        if key in fields:
            if key not in _LISTS:
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
    path: str,
    blocks: Iterator[_Block],
    is_known: Callable[[str], bool],
    times: TimeReader,
    columns: Mapping[str, str] | None = None,
) -> Iterator[LogEntry | RejectedEntry | _Pending]:
    """Rows after a header row; a row's line is where it starts (quoted cells may hold newlines).

    The delimiter (``,`` ``;`` tab ``|``) is the one the header line uses most.
    """
    long_lines: list[int] = []
    first_line: list[str] = []  # the current row's first physical line, for excerpts
    source = _csv_lines(_lines(blocks), long_lines, first_line)
    peeked: list[str] = []
    for text in source:  # up to the header line, to tell its delimiter
        peeked.append(text)
        if text.strip():
            break
    delimiter = max(_DELIMITERS, key=peeked[-1].count) if peeked else ","
    reader = csv.reader(itertools.chain(peeked, source), delimiter=delimiter)
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
    found, width = _csv_columns(path, start, header, columns or {})

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
        try:
            parsed = error or _csv_entry(start, row, found, width, is_known, times)
        except UndecidedDateOrder as undecided:
            read = partial(_csv_entry, start, row, found, width, is_known, times)
            yield _Pending(read, start, excerpt, str(undecided))
            continue
        yield parsed if isinstance(parsed, LogEntry) else RejectedEntry(start, parsed, excerpt)


def _csv_lines(
    lines: Iterator[_Line], long_lines: list[int], first_line: list[str]
) -> Iterator[str]:
    """The text of ``lines`` for the CSV reader; over-long lines noted in ``long_lines``, the
    first line of the current row kept in ``first_line``."""
    for number, text, overlong in lines:
        if overlong:
            long_lines.append(number)
            text = "\n"  # stands in for the skipped line; its row is rejected below
        if not first_line:
            first_line.append(text)
        yield text


def _column_key(name: str) -> str:
    """A CSV header name as it is compared: lower case, without spaces, ``_`` and ``-``."""
    return "".join(name.split()).replace("_", "").replace("-", "").lower()


_CSV_NAMES = {
    **{syn: (field, 1) for field, syns in _CSV_SYNONYMS.items() for syn in syns},
    **{_column_key(field): (field, 0) for field in CSV_FIELDS},
}
"""Header key → (field, 0 for the field's own name, 1 for a synonym)."""


def _csv_columns(
    path: str, line: int, header: list[str], mapping: Mapping[str, str]
) -> tuple[dict[str, int], int]:
    """Field → column index. A field's own name beats its synonyms; ``mapping``
    (``--columns``) beats both."""
    where = Position(path, line, 1)
    names = dict(_CSV_NAMES)
    for field, name in mapping.items():
        names[_column_key(name)] = (field, -1)
    chosen: dict[str, tuple[int, int]] = {}  # field → (rank, index)
    day_index = None  # a "Date" column, which may hold the day of a separate "Time" column
    for index, raw in enumerate(header):
        if _column_key(raw) == "date" and day_index is None:
            day_index = index
        named = names.get(_column_key(raw))
        if named is None:
            continue
        field, rank = named
        if field in mapping and rank >= 0:
            continue  # --columns chose another column for it
        other = chosen.get(field)
        if other is None or rank < other[0]:
            chosen[field] = (rank, index)
        elif rank == other[0]:
            first = header[other[1]].strip()
            message = (
                f"CSV column {field!r} appears twice"
                if first.lower() == raw.strip().lower()
                else f"CSV columns {first!r} and {raw.strip()!r} both read as {field!r}"
            )
            raise InputError(where, f"{message}; choose one with --columns {field}=Header")
    unmapped = [f"{f}={n}" for f, n in mapping.items() if f not in chosen]
    if unmapped:
        raise InputError(where, f"--columns {', '.join(unmapped)}: no such column in the header")
    missing = [name for name in _CSV_REQUIRED if name not in chosen]
    if missing:
        shown = ", ".join(repr(h.strip()) for h in header if h.strip())[:200]
        raise InputError(
            where,
            f"CSV header lacks column(s) {', '.join(missing)} (it has {shown}); expected "
            "time,subject,from,to,cc,message_id,outcome (user, bcc optional) or usual "
            f"synonyms; name others with --columns {missing[0]}=Header",
        )
    found = {field: index for field, (_, index) in chosen.items()}
    if day_index is not None and found.get("time") not in (None, day_index):
        found[_DAY] = day_index
    return found, len(header)


_DAY = "day"
"""The column of a log whose days and clock times are in two columns (``Date``, ``Time``)."""
_CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+\S+)?")
"""A time of day without its date (``10:55``, ``10:55:00 PM``, ``10:55 CET``)."""


def _csv_entry(
    start: int,
    row: list[str],
    columns: dict[str, int],
    width: int,
    is_known: Callable[[str], bool],
    times: TimeReader,
) -> LogEntry | str:
    if any(cell.strip() for cell in row[width:]):
        return f"row has {len(row)} cells but the header names {width}"

    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    raw_time = cell("time")
    if not raw_time:
        return "missing time"
    if _DAY in columns and _CLOCK_TIME.fullmatch(raw_time):
        raw_time = f"{cell(_DAY)} {raw_time}"  # the day and the clock time in two columns
    try:
        when = times.parse(raw_time)
    except ValueError as exc:
        return f"bad time {_short(raw_time)!r}: {exc}"
    code = cell("outcome")
    problem = _code_problem(code, is_known)
    if problem:
        return problem
    sender, to, cc, bcc = cell("from"), cell("to"), cell("cc"), cell("bcc")
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
        bcc=_addresses(bcc.split(";")) if bcc else None,
    )


# --- JSON Lines ----------------------------------------------------------------------


def _parse_jsonl(
    _path: str, blocks: Iterator[_Block], is_known: Callable[[str], bool], times: TimeReader
) -> Iterator[LogEntry | RejectedEntry | _Pending]:
    """One object a line; blank lines are not entries."""
    for number, text, overlong in _lines(blocks):
        if overlong:
            yield RejectedEntry(number, LONG_LINE, _excerpt(text))
            continue
        line = text.strip()
        if not line:
            continue
        try:
            parsed = _json_entry(number, line, is_known, times)
        except UndecidedDateOrder as undecided:
            read = partial(_json_entry, number, line, is_known, times)
            yield _Pending(read, number, _excerpt(line), str(undecided))
            continue
        yield (
            parsed
            if isinstance(parsed, LogEntry)
            else RejectedEntry(number, parsed, _excerpt(line))
        )


def _json_entry(
    number: int, line: str, is_known: Callable[[str], bool], times: TimeReader
) -> LogEntry | str:
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
    for key in _LISTS:
        value = obj.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            return f"{key!r} must be a list of strings or null"
    try:
        when = times.parse(obj["time"])
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
        bcc=addresses("bcc"),
    )


def _clean(text: str) -> str:
    """JSON may carry lone surrogates (``"\\ud800"``); they would break UTF-8 output later."""
    return text.encode("utf-8", errors="replace").decode("utf-8")
