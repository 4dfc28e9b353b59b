"""The text export's block reader (usual entries matched in a block's text) reads exactly
what the line-by-line reader reads: the same entries and rejections, lines, excerpts and
reasons, in the same order, whatever the shapes, limits and block boundaries."""

from __future__ import annotations

import codecs
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from whynolog.engine.base.errors import InputError
from whynolog.engine.read import adminlog
from whynolog.engine.read.adminlog import TimeReader, _code_checker

CODES = ("LOG_OK", "NOLOG_CONTENT", "NOLOG_NO_USERS")
LOGS = Path(__file__).parent / "fixtures" / "logs"
LIMIT = 60
"""Line limit while the property runs (the shipped one would take megabytes to reach)."""


def _read(parser: Any, data: bytes, before: int = 0) -> list[Any] | str:
    """What ``parser`` reads from ``data``, through the reader's ordering of undecided dates;
    the message when the log's date order cannot be told."""
    times = TimeReader()
    items = adminlog._read("-", io.BytesIO(data), parser, _code_checker(CODES), times, before)
    try:
        return list(adminlog._in_order("-", items, times))
    except InputError as exc:
        return str(exc)


def _source(module: ModuleType) -> ModuleType:
    """A fresh copy of ``module`` run from its source, whatever the installed copy is."""
    assert module.__spec__ is not None and module.__spec__.origin is not None
    path = Path(module.__spec__.origin)
    spec = importlib.util.spec_from_file_location(
        f"{module.__name__}_source", path.with_name(path.name.split(".")[0] + ".py")
    )
    assert spec is not None and spec.loader is not None
    copy = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses ask
    spec.loader.exec_module(copy)
    return copy


def _both(data: bytes, before: int = 0) -> tuple[list[Any] | str, list[Any] | str]:
    return _read(adminlog._parse_text, data, before), _read(
        adminlog._parse_text_lines, data, before
    )


_HOURS = ["2026-11-20 14", "2026-11-20 15", "2026-02-30 10", "2026-11-20 1x"]
_MINUTES = [":03:11", ":59:59", ":61:00"]
_SUBJECTS = [" Re: hello", "", " x\r", " Subject: y", "  spaced  ", " ünïcode"]
_VALUES = [
    " a@b.com",
    " A@B.COM",
    "",
    " ",
    " a@b.com, C@D.org",
    " a@b.com, a@b.com",
    " Bob <bob@x.com>",
    ' "Smith, Bob" <bob@x.com>, a@b.com',
    " not an address",
    " a@b.com\r",
    " <1.2@x>",
]
_USUAL_NAMES = ["From:", "To:", "Cc:", "Message-ID:"]
_OTHER_HEADERS = ["User: u1", "Bcc: z@z.z", "from: a@b.com", "  To: c@d.org", "X-Junk: 1", "junk"]
_CODES = ["LOG_OK", "NOLOG_CONTENT", "NOLOG_TYPO", "LOG_OK\r", " LOG_OK", "x", "log_ok", ""]
_FIRST_LINES = [
    "11/10/2026 10:00:00 Subject: undecided",
    "13/10/2026 10:00:00 Subject: decides day first",
    "  2026-11-20 14:03:11 Subject: indented",
    "2026-11-20T14:03:11Z Subject: iso",
    "no time here",
]
_SEPARATORS = ["\n", "\n\n", "\n\n\n", "\n \n", "\n\t\n\n", "\n\r\n", "\r\n\r\n"]


@st.composite
def _entry(draw: st.DrawFn) -> str:
    """An entry's lines: mostly of the usual shape, else any mix of odd ones."""
    if draw(st.integers(0, 3)):
        first = draw(st.sampled_from(_HOURS)) + draw(st.sampled_from(_MINUTES))
        first += " Subject:" + draw(st.sampled_from(_SUBJECTS))
    else:
        first = draw(st.sampled_from(_FIRST_LINES))
    names = draw(st.lists(st.sampled_from(_USUAL_NAMES), max_size=4, unique=True))
    if draw(st.booleans()):
        names.sort(key=_USUAL_NAMES.index)  # the usual order
    lines = [first, *(name + draw(st.sampled_from(_VALUES)) for name in names)]
    if not draw(st.integers(0, 4)):
        extra = draw(st.sampled_from([*_OTHER_HEADERS, "   folded on", "x" * (LIMIT + 1)]))
        lines.insert(draw(st.integers(1, len(lines))), extra)
    if draw(st.integers(0, 9)):
        lines.append(draw(st.sampled_from(_CODES)))
    return "\n".join(lines)


@st.composite
def _log(draw: st.DrawFn) -> bytes:
    entries = draw(st.lists(_entry(), max_size=12))
    text = draw(st.sampled_from(["", "\n", "\n\n", " \n"]))
    for entry in entries:
        text += entry + draw(st.sampled_from(_SEPARATORS))
    if draw(st.booleans()):
        text = text.rstrip("\n")  # no blank line after the last entry
    if draw(st.integers(0, 4)) == 0:
        text = text.replace("\n", "\r\n")
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16"]))
    data = text.encode(encoding)
    if encoding == "utf-8" and draw(st.integers(0, 9)) == 0:
        data = data.replace(b"\n", b"\r")  # old Mac line ends
    return data


_SEEN = b"2026-11-20 14:00:00 Subject: z\nLOG_OK\n\n"
_OPEN = b"2026-11-20 14:03:11 Subject: a\nLOG_OK\n"


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_log(), st.integers(1, 200), st.integers(0, 3), st.booleans())
@example(  # a block ends inside an entry; the next starts with what looks like an entry
    _SEEN + _OPEN + b"2026-11-20 14:03:12 Subject: b\nLOG_OK\n\n", len(_SEEN + _OPEN), 0, False
)
def test_block_reader_reads_as_the_line_reader(
    data: bytes, block: int, before: int, small_limits: bool
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(adminlog, "_BLOCK", block)
        if small_limits:  # over-long lines and entries within a few bytes
            patch.setattr(adminlog, "MAX_LINE_CHARS", LIMIT)
            patch.setattr(adminlog, "_READ_CAP", 4 * LIMIT + 2)
            patch.setattr(adminlog, "MAX_ENTRY_LINES", 4)
            patch.setattr(adminlog, "MAX_ENTRY_CHARS", 2 * LIMIT)
        fast, lines = _both(data, before)
    assert fast == lines


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("blanks", [1, 2])
def test_usual_entries_take_the_block_way(
    newline: str, blanks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The property would hold as well if every entry went the line way: check they do not."""
    source = _source(adminlog)  # the installed copy may be compiled: its classes stay as built
    fed: list[str] = []
    feed = source._TextLines.feed

    def counted(self: Any, before: int, lines: list[str], overlong: bool) -> Any:
        fed.extend(lines)
        return feed(self, before, lines, overlong)

    monkeypatch.setattr(source._TextLines, "feed", counted)
    entry = "2026-11-20 14:{:02d}:00 Subject: s\nFrom: a@b.com\nTo: c@d.org\nLOG_OK" + "\n" * (
        1 + blanks
    )
    data = "".join(entry.format(minute) for minute in range(60)).replace("\n", newline)
    read = _read(source._parse_text, data.encode())
    assert len(read) == 60
    # Only the first entry (its code not seen yet), the blank lines after the first
    # of each run, and the end go line by line.
    cr = newline[:-1]
    first = [line + cr for line in entry.format(0).split("\n")[: 4 + blanks]]
    assert fed == [*first, *[cr] * ((blanks - 1) * 59), ""]


@pytest.mark.parametrize("name", ["admin.log"])
@pytest.mark.parametrize("block", [7, 64, 1 << 18])
def test_fixture_log_reads_the_same(name: str, block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adminlog, "_BLOCK", block)
    data = (LOGS / name).read_bytes()
    for variant in (data, data.replace(b"\n", b"\r\n"), codecs.BOM_UTF8 + data):
        fast, lines = _both(variant)
        assert fast == lines
