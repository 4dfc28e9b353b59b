"""Emails to judge, read from YAML/JSON, RFC 5322 ``.eml`` files or mbox.

:func:`load_emails` picks the format from the file name (``.yaml``/``.yml``/``.json``,
``.eml``, ``.mbox``/``.mbx``), reads every such file of a directory in name order,
and sniffs the content of standard input (``-``) and of other names.
:func:`email_from_mapping` turns one YAML/JSON mapping into an :class:`Email`.

Every mistake in the input is an :class:`InputError` (several at once: an
:class:`InputErrors`) that names the file, line and column.

Limits that keep hostile input cheap:

- ``MAX_BODY_CHARS``: a body keeps its first 1,000,000 characters; the rest is dropped.
- ``MAX_HTML_CHARS``: an HTML-only body is read from its first 5,000,000 characters.
- ``MAX_ADDRESSES``: a From/To/Cc/Bcc field holding more than 10,000 addresses is an error.
- ``MAX_CONTENT_TYPE_CHARS``: a Content-Type header longer than 2,000 characters is an error.
- ``MAX_ERRORS``: at most 100 errors are reported for one file, then a count of the rest.

Messages are parsed by :class:`email.parser.BytesParser` with the ``compat32``
policy, which keeps header values as text: the ``default`` policy's structured
header parser takes seconds per part on long parameter lists (quadratic time), so
header values are decoded here by a linear-time RFC 2047 decoder, addresses are
parsed by :mod:`whynolog.engine.read.addresses`, and the body part is chosen by
:func:`find_body` with the rules of ``EmailMessage.get_body``. HTML is reduced
to text by a linear scanner, as ``html.parser`` is quadratic on malformed tags.
"""

from __future__ import annotations

import binascii
import codecs
import datetime as dt
import difflib
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from whynolog.engine.base.errors import InputError, InputErrors, Position, problems_of
from whynolog.engine.base.yamlio import key_position, load_yaml, position_of, read_bytes, read_text
from whynolog.engine.read.addresses import SeveralAddressesError, strict_addresses_in

MAX_BODY_CHARS = 1_000_000
MAX_HTML_CHARS = 5_000_000
MAX_ADDRESSES = 10_000
MAX_CONTENT_TYPE_CHARS = 2_000
MAX_ERRORS = 100

EMAIL_KEYS = ("message_id", "date", "from", "to", "cc", "bcc", "subject", "body")
STDIN = "-"
STDIN_NAME = "<stdin>"

_KINDS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "yaml",
    ".eml": "eml",
    ".mbox": "mbox",
    ".mbx": "mbox",
}
# Header names that open real messages; any X-, List-, ARC-... header counts too.
_HEADER_NAMES = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "sender",
        "reply-to",
        "message-id",
        "received",
        "return-path",
        "delivered-to",
        "mime-version",
        "content-type",
        "dkim-signature",
        "authentication-results",
        "received-spf",
        "envelope-to",
        "in-reply-to",
        "references",
        "thread-topic",
        "thread-index",
        "user-agent",
        "importance",
        "priority",
        "domainkey-signature",
        "precedence",
        "organization",
    }
)
_HEADER_PREFIXES = ("x-", "arc-", "list-", "content-", "resent-", "original-")
_MAX_BODY_BYTES = 4 * MAX_BODY_CHARS  # enough bytes for MAX_BODY_CHARS in any UTF
_MAX_DATE_CHARS = 200


@dataclass(frozen=True)
class Email:
    """One email as the integration sees it; addresses are normalised (bare, lower case)."""

    sender: str | None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    subject: str = ""
    body: str = ""
    message_id: str | None = None
    date: dt.datetime | None = None  # timezone-aware, UTC
    sender_display: str = ""  # the From header as written, for reports
    source: Position = field(default_factory=lambda: Position("<input>"))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output and templates."""
        return {
            "message_id": self.message_id,
            "date": self.date.isoformat() if self.date else None,
            "from": self.sender,
            "to": list(self.to),
            "cc": list(self.cc),
            "bcc": list(self.bcc),
            "subject": self.subject,
            "source": str(self.source),
        }


# ---------------------------------------------------------------------------
# Choosing the format


def load_emails(path: str, data: bytes | None = None) -> list[Email]:
    """Every email in ``path``, in order; any unreadable one raises.

    ``path`` is a YAML/JSON, ``.eml`` or mbox file, a directory (its ``*.eml``,
    ``*.yaml``, ``*.yml``, ``*.json``, ``*.mbox`` and ``*.mbx`` files in name
    order) or ``-`` for standard input. ``data``, when given, is the file's
    content (so nothing is read from disk or stdin).
    """
    emails, errors = read_emails(path, data)
    raise_errors(errors)
    return emails


def read_emails(path: str, data: bytes | None = None) -> tuple[list[Email], list[InputError]]:
    """Every readable email in ``path`` (as :func:`load_emails`), and why the others are not.

    One unreadable message of a folder, an mbox or a YAML list withholds
    nothing else: a run judges what it can and then reports the rest.
    """
    try:
        if path == STDIN:
            if data is None:
                data = sys.stdin.buffer.read()
            return _load_bytes(STDIN_NAME, data, sniff_kind(data))
        if data is None and Path(path).is_dir():
            return _load_directory(path)
        if data is None:
            data = read_bytes(path)
        kind = _KINDS.get(Path(path).suffix.lower()) or sniff_kind(data)
        return _load_bytes(path, data, kind)
    except (InputError, InputErrors) as exc:
        return [], problems_of(exc)


def sniff_kind(data: bytes) -> str:
    """``"mbox"``, ``"eml"`` or ``"yaml"``: what ``data`` looks like.

    A ``From `` line opens an mbox; a first line ``Name: value`` with a usual
    header name (not one of our lower-case YAML keys) opens a message; anything
    else is read as YAML/JSON.
    """
    head = data[:4096]
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    if head.lstrip(b"\r\n").startswith(b"From "):
        return "mbox"
    first = re.match(rb"([!-9;-~]+)[ \t]*:", head)
    if first:
        name = first.group(1).decode("ascii")
        if name in EMAIL_KEYS or name == "emails":
            return "yaml"
        if name.lower() in _HEADER_NAMES or name.lower().startswith(_HEADER_PREFIXES):
            return "eml"
    return "yaml"


Loaded = tuple[list[Email], list[InputError]]
"""The readable emails of a file, and the errors of the unreadable ones."""


def _load_bytes(name: str, data: bytes, kind: str) -> Loaded:
    if kind == "eml":
        return [_email_from_bytes(name, data)], []
    if kind == "mbox":
        return _load_mbox(name, data)
    return _load_yaml_emails(name, data)


def _load_directory(path: str) -> Loaded:
    try:
        files = sorted(
            (p for p in Path(path).iterdir() if p.suffix.lower() in _KINDS and p.is_file()),
            key=lambda p: p.name,
        )
    except OSError as exc:
        raise InputError(path, f"cannot read directory: {exc.strerror}") from None
    if not files:
        raise InputError(
            path, "directory holds no email files (*.eml, *.mbox, *.mbx, *.yaml, *.yml, *.json)"
        )
    emails: list[Email] = []
    errors: list[InputError] = []
    for file in files:
        found, problems = read_emails(str(file))
        emails.extend(found)
        errors.extend(problems)
    return emails, errors


def raise_errors(errors: list[InputError]) -> None:
    """Raise the one error, or all of them (the first ``MAX_ERRORS``), if there are any."""
    if len(errors) == 1:
        raise errors[0]
    if len(errors) > MAX_ERRORS:
        more = InputError(
            errors[MAX_ERRORS].position.path, f"... and {len(errors) - MAX_ERRORS} more errors"
        )
        errors = [*errors[:MAX_ERRORS], more]
    if errors:
        raise InputErrors(errors)


# ---------------------------------------------------------------------------
# YAML and JSON


def _load_yaml_emails(file: str, data: bytes) -> Loaded:
    root = _parse_yaml(file, read_text(file, data))
    what = "expected an email mapping with 'from:', a list of them, or 'emails:'"
    if root is None:
        raise InputError(Position(file, 1, 1), f"empty file: {what}")
    base: list[str | int] = []
    if isinstance(root, dict) and "emails" in root:
        extra = [k for k in root if k != "emails"]
        if extra:
            raise InputError(
                key_position(root, extra[0], file),
                f"unknown key {extra[0]!r} next to 'emails:'; allowed: emails",
            )
        items = root["emails"]
        base = ["emails"]
        if items is None:
            return [], []
        if not isinstance(items, list):
            raise InputError(
                position_of(root, ["emails"], file),
                f"emails: expected a list of emails, got {_describe(items)}",
            )
    elif isinstance(root, dict):
        return [email_from_mapping(root, file)], []
    elif isinstance(root, list):
        items = root
    else:
        raise InputError(Position(file, 1, 1), f"{what}, got {_describe(root)}")
    emails: list[Email] = []
    errors: list[InputError] = []
    for i, item in enumerate(items):
        try:
            emails.append(
                email_from_mapping(item, file, [*base, i], position_of(root, [*base, i], file))
            )
        except (InputError, InputErrors) as exc:
            errors.extend(problems_of(exc))
    return emails, errors


def _parse_yaml(file: str, text: str) -> Any:
    try:
        return load_yaml(file, text)
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a timestamp like 2026-02-30
        raise InputError(Position(file), f"YAML error: {exc}") from None


def email_from_mapping(
    data: Any, file: str, index_path: Sequence[str | int] = (), where: Position | None = None
) -> Email:
    """One email from a YAML/JSON mapping (keys as in :data:`EMAIL_KEYS`).

    ``index_path`` is where the mapping sits in its file (``["emails", 2]``); it
    prefixes error messages. ``where`` locates a value that is not a mapping.
    Every problem is reported with its position; several at once as
    :class:`InputErrors`.
    """
    prefix = ".".join(str(step) for step in index_path)
    start = Position(file, getattr(data, "line", 0), getattr(data, "col", 0))
    if not isinstance(data, dict):
        at = f"{prefix}: " if prefix else ""
        raise InputError(where or start, f"{at}expected an email mapping, got {_describe(data)}")
    reader = _MappingReader(data, file, prefix)
    for key in data:
        if key not in EMAIL_KEYS:
            close = difflib.get_close_matches(str(key), EMAIL_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            reader.error(
                key_position(data, key, file),
                None,
                f"unknown key {key!r}{hint}; allowed: {', '.join(sorted(EMAIL_KEYS))}",
            )
    sender, display = reader.sender(start)
    to, cc, bcc = (reader.addresses(key) for key in ("to", "cc", "bcc"))
    subject = reader.text("subject") or ""
    body = (reader.text("body") or "")[:MAX_BODY_CHARS]
    message_id = (reader.text("message_id") or "").strip() or None
    date = reader.date()
    raise_errors(sorted(reader.errors, key=lambda e: (e.position.line, e.position.col)))
    return Email(
        sender=sender,
        to=to,
        cc=cc,
        bcc=bcc,
        subject=subject,
        body=body,
        message_id=message_id,
        date=date,
        sender_display=display,
        source=start,
    )


class _MappingReader:
    """Reads the fields of one email mapping, collecting errors with positions."""

    def __init__(self, data: dict[Any, Any], file: str, prefix: str) -> None:
        self.data, self.file, self.prefix = data, file, prefix
        self.errors: list[InputError] = []

    def name(self, *steps: str | int) -> str:
        return ".".join(str(s) for s in ([self.prefix] if self.prefix else []) + list(steps))

    def at(self, *steps: str | int) -> Position:
        return position_of(self.data, steps, self.file)

    def error(self, position: Position, steps: tuple[str | int, ...] | None, message: str) -> None:
        label = self.name(*steps) if steps else self.prefix
        self.errors.append(InputError(position, f"{label}: {message}" if label else message))

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None or isinstance(value, str):
            return value
        self.error(self.at(key), (key,), f"expected a string, got {_describe(value)}")
        return None

    def sender(self, start: Position) -> tuple[str | None, str]:
        if "from" not in self.data or self.data["from"] is None:
            where = self.at("from") if "from" in self.data else start
            self.error(where, None, "'from' is required (the sender's address)")
            return None, ""
        value = self.text("from")
        if value is None:
            return None, ""
        found = self._parse(value, ("from",), self.at("from"))
        if len(found) > 1:
            self.error(self.at("from"), ("from",), _several_senders(found))
            return None, value.strip()
        return (found[0] if found else None), value.strip()

    def addresses(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(self._parse(value, (key,), self.at(key)))
        if not isinstance(value, list):
            self.error(
                self.at(key),
                (key,),
                f"expected a list of addresses or a string, got {_describe(value)}",
            )
            return ()
        if len(value) > MAX_ADDRESSES:
            self.error(self.at(key), (key,), f"more than {MAX_ADDRESSES} addresses")
            return ()
        found: dict[str, None] = {}
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.error(
                    self.at(key, i), (key, i), f"expected an address string, got {_describe(item)}"
                )
                continue
            found.update(dict.fromkeys(self._parse(item, (key, i), self.at(key, i))))
        if len(found) > MAX_ADDRESSES:
            self.error(self.at(key), (key,), f"more than {MAX_ADDRESSES} addresses")
            return ()
        return tuple(found)

    def _parse(self, value: str, steps: tuple[str | int, ...], where: Position) -> list[str]:
        try:
            found = list(strict_addresses_in(value))
        except SeveralAddressesError as exc:
            self.error(where, steps, str(exc))
            return []
        if not found:
            self.error(where, steps, f"no email address in {_short(value)}")
        elif len(found) > MAX_ADDRESSES:
            self.error(where, steps, f"more than {MAX_ADDRESSES} addresses")
            return []
        return found

    def date(self) -> dt.datetime | None:
        value = self.data.get("date")
        if value is None:
            return None
        if isinstance(value, (dt.date, str)):
            when = _to_utc(value)
            if when is not None:
                return when
            self.error(
                self.at("date"),
                ("date",),
                f"{_short(str(value))} is not a date (use ISO 8601 like "
                "2026-11-20T14:03:00Z or an RFC 2822 date)",
            )
            return None
        self.error(self.at("date"), ("date",), f"expected a date, got {_describe(value)}")
        return None


def _to_utc(value: dt.date | str) -> dt.datetime | None:
    """A date, datetime, ISO 8601 or RFC 2822 string as an aware UTC datetime.

    Naive times are UTC; ``None`` when the text is not a date.
    """
    try:
        when: dt.datetime | None
        if isinstance(value, dt.datetime):
            when = value
        elif isinstance(value, dt.date):
            when = dt.datetime(value.year, value.month, value.day)
        else:
            when = _parse_date_text(value)
            if when is None:
                return None
        if when.tzinfo is None:
            return when.replace(tzinfo=dt.timezone.utc)
        return when.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        return None


def _parse_date_text(text: str) -> dt.datetime | None:
    text = text.strip()
    if not text or len(text) > _MAX_DATE_CHARS:
        return None
    iso = text[:-1] + "+00:00" if text[-1] in "Zz" else text
    try:
        return dt.datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _describe(value: Any) -> str:
    kinds = {
        dict: "a mapping",
        list: "a list",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        bytes: "binary data",
        set: "a set",
    }
    for kind, name in kinds.items():
        if isinstance(value, kind):
            if kind in (bool, int, float):
                return f"{name} ({value!r})"
            return name
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, str):
        return f"the text {_short(value)}"
    return type(value).__name__


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


# ---------------------------------------------------------------------------
# RFC 5322 messages and mbox


def _email_from_bytes(file: str, raw: bytes, line: int = 1) -> Email:
    """One RFC 5322 message; ``line`` is where it starts in ``file``."""
    start = Position(file, line, 1)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    if not raw.strip():
        raise InputError(start, "empty message: expected RFC 5322 headers (From:, To:, ...)")
    try:
        _check_content_types(file, raw, line)
        # BytesParser's default policy is compat32; naming it would load email.policy's
        # structured headers (4 ms of every start) for nothing.
        msg = BytesParser().parsebytes(_clean_head(raw))
    except RecursionError:
        raise InputError(start, "MIME parts nested too deeply") from None
    except InputError:
        raise
    except Exception as exc:  # the parser is lenient; anything it raises is bad input
        raise InputError(start, f"not an email message ({type(exc).__name__})") from None
    headers = _headers(msg)
    if "from" not in headers:
        if not headers:
            raise InputError(
                start, "not an email message: no RFC 5322 headers (like 'From: ...') at the start"
            )
        raise InputError(start, "not an email message: it has no From header")
    fallback = _fallback_charset(msg) if _has_8bit(headers) else None

    def where(name: str) -> Position:
        found = re.search(rb"(?im)^" + name.encode("ascii") + rb"[ \t]*:", raw[: _head_end(raw)])
        return Position(file, line + raw.count(b"\n", 0, found.start()), 1) if found else start

    def addresses(name: str) -> tuple[str, ...]:
        found: dict[str, None] = {}
        for value in headers.get(name, []):
            try:
                found.update(dict.fromkeys(strict_addresses_in(_fix_8bit(value, fallback))))
            except SeveralAddressesError as exc:
                raise InputError(where(name), f"{name.title()} header: {exc}") from None
        if len(found) > MAX_ADDRESSES:
            raise InputError(
                where(name), f"{name.title()} header: more than {MAX_ADDRESSES} addresses"
            )
        return tuple(found)

    sender = addresses("from")
    if not sender:
        raise InputError(
            where("from"),
            f"the From header holds no email address: {_short(_fix_8bit(headers['from'][0]))}",
        )
    if len(sender) > 1:  # several authors: RFC 5322 names the one who sent it in Sender
        sender = addresses("sender")
        if len(sender) != 1:
            raise InputError(where("from"), _several_senders(addresses("from"), header=True))
    message_id = (headers.get("message-id") or [""])[0].strip() or None
    date_text = (headers.get("date") or [""])[0]
    return Email(
        sender=sender[0],
        to=addresses("to"),
        cc=addresses("cc"),
        bcc=addresses("bcc"),
        subject=decode_header_text((headers.get("subject") or [""])[0], fallback).strip(),
        body=_body(msg, start),
        message_id=_fix_8bit(message_id, fallback) if message_id else None,
        date=_to_utc(_fix_8bit(date_text)) if date_text else None,
        sender_display=decode_header_text(headers["from"][0], fallback).strip(),
        source=start,
    )


def _several_senders(found: Sequence[str], *, header: bool = False) -> str:
    where = (
        "; a message with several authors names the one who sent it in a Sender header"
        if header
        else ""
    )
    return f"several sender addresses ({', '.join(found)}): the sender is one address{where}"


_HEADER_LINE = re.compile(rb"([!-9;-~]+)[ \t]*:")
_OBSOLETE_NAME = re.compile(rb"(?m)^([!-9;-~]+)[ \t]+:")  # anchored: one try per line


def _clean_head(raw: bytes) -> bytes:
    """The message with its header block as the library's parser expects it.

    Obsolete syntax (``From  : ...``, RFC 5322 section 4.5) is written ``From: ...``,
    and a stray line between header lines is dropped: the parser would take it
    for the start of the body and lose every header after it.
    """
    end = _head_end(raw)
    lines = raw[:end].splitlines(keepends=True)
    kinds = [
        "header" if _HEADER_LINE.match(text) else "more" if text[:1] in b" \t" else "stray"
        for text in lines
    ]
    if kinds and kinds[0] == "stray" and lines[0].startswith(b"From "):
        kinds[0] = "envelope"  # an mbox 'From ' line, which the parser reads itself
    last_header = max((i for i, kind in enumerate(kinds) if kind == "header"), default=-1)
    if not _OBSOLETE_NAME.search(raw, 0, end) and "stray" not in kinds[:last_header]:
        return raw
    kept = [
        _OBSOLETE_NAME.sub(rb"\1:", text, count=1) if kind == "header" else text
        for i, (text, kind) in enumerate(zip(lines, kinds, strict=True))
        if kind != "stray" or i > last_header
    ]
    return b"".join(kept) + raw[end:]


def _head_end(raw: bytes) -> int:
    found = re.search(rb"\r?\n\r?\n", raw)
    return found.start() if found else len(raw)


def _check_content_types(file: str, raw: bytes, line: int) -> None:
    """Refuse Content-Type headers longer than ``MAX_CONTENT_TYPE_CHARS``.

    The library's parameter parsing takes quadratic time in their length. Lines
    of a body that look like such a header are checked too.
    """
    for found in _CONTENT_TYPE.finditer(raw):
        if found.end() - found.start() > MAX_CONTENT_TYPE_CHARS:
            where = Position(file, line + raw.count(b"\n", 0, found.start()), 1)
            raise InputError(
                where, f"Content-Type header longer than {MAX_CONTENT_TYPE_CHARS} characters"
            )


_CONTENT_TYPE = re.compile(rb"(?im)^content-type[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*")


def _headers(msg: Message) -> dict[str, list[str]]:
    """Header values by lower-case name: unfolded, not decoded.

    Raw 8-bit bytes stay as the parser keeps them (surrogates): inside an
    encoded word they are bytes of its declared charset, elsewhere
    :func:`_fix_8bit` reads them.
    """
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        text = re.sub(r"\r\n|\r|\n", "", str(value))
        headers.setdefault(str(name).strip().lower(), []).append(text)
    return headers


def _has_8bit(headers: dict[str, list[str]]) -> bool:
    return any(not value.isascii() for values in headers.values() for value in values)


def _fallback_charset(msg: Message) -> str | None:
    """The charset the message declares for its text: raw 8-bit headers are most likely in it."""
    try:
        part = find_body(msg, "plain") or find_body(msg, "html") or msg
        return part.get_content_charset() or msg.get_content_charset()
    except Exception:  # a malformed MIME tree: no hint
        return None


def _fix_8bit(text: str, fallback: str | None = None) -> str:
    """Raw 8-bit header bytes (kept as surrogates by the parser) read as UTF-8, else in the
    message's charset (``fallback``), else windows-1252."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(data, fallback)


_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")


def decode_header_text(value: str, fallback: str | None = None) -> str:
    """Decode RFC 2047 encoded words (``=?UTF-8?B?...?=``) in a header value, in linear time.

    Each word is decoded once, by its declared charset (raw 8-bit bytes inside
    it are bytes of that charset); adjacent words are joined (a character may
    be split across them); a word that does not decode stays as written;
    unknown charsets fall back to UTF-8, then windows-1252. Raw 8-bit text
    outside the words is read by :func:`_fix_8bit` with ``fallback``.
    """
    if "=?" not in value:
        return _fix_8bit(value, fallback)
    pieces: list[str | tuple[str, list[bytes]]] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        pos = match.end()
        last = pieces[-1] if pieces else None
        if gap and not (gap.isspace() and isinstance(last, tuple)):
            pieces.append(_fix_8bit(gap, fallback))
            last = gap
        charset, data = match.group(1).lower(), _word_bytes(match.group(2), match.group(3))
        if data is None:
            pieces.append(_fix_8bit(match.group(0), fallback))
        elif isinstance(last, tuple) and last[0] == charset:
            last[1].append(data)
        else:
            pieces.append((charset, [data]))
    pieces.append(_fix_8bit(value[pos:], fallback))
    return "".join(p if isinstance(p, str) else decode_bytes(b"".join(p[1]), p[0]) for p in pieces)


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "qQ":
            return binascii.a2b_qp(text.encode("utf-8", "surrogateescape"), header=True)
        text = text.rstrip("=")
        if len(text) % 4 == 1:
            return None
        data = binascii.a2b_base64(text + "=" * (-len(text) % 4))
        return data if data or not text else None
    except (binascii.Error, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None, *, final: bool = True) -> str:
    """Text from ``data`` in ``charset``; unknown or missing charsets try UTF-8, then
    windows-1252. Never raises. ``final=False`` tolerates a cut-off last character.
    """
    codec = _text_codec(charset)
    if codec is not None:
        try:
            return codecs.getincrementaldecoder(codec)("replace").decode(data, final=final)
        except (UnicodeError, LookupError, ValueError, TypeError, AssertionError):
            pass  # codecs such as idna refuse the "replace" error handler
    try:
        return codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=final)
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


CHARSET_ALIASES = {
    # Labels that mail clients write but Python does not know, or knows as a smaller
    # charset than what the clients mean: read as browsers do (WHATWG Encoding Standard).
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-6-e": "iso-8859-6",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-8-e": "iso-8859-8",
    "logical": "iso-8859-8",
    "visual": "iso-8859-8",
    "ks-c-5601-1987": "cp949",
    "ks-c-5601-1989": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ms-kanji": "cp932",
    "windows-31j": "cp932",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "x-user-defined": "cp1252",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}


def _text_codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset, or None when it is unknown or plain ASCII."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    if name in ("us-ascii", "ascii", "unknown-8bit", "x-unknown", "default"):
        return None  # often wrong in practice: let UTF-8 / windows-1252 detection decide
    name = CHARSET_ALIASES.get(name.replace("_", "-"), name)
    try:
        with warnings.catch_warnings():
            # An unknown name makes the import system search; old meta-path
            # importers installed by other packages warn while it does.
            warnings.simplefilter("ignore", ImportWarning)
            info = codecs.lookup(name)
        "a".encode(info.name)  # bytes-to-bytes codecs (zlib, base64) raise LookupError
    except (LookupError, ValueError, TypeError, UnicodeError):
        return None
    return info.name


def _body(msg: Message, start: Position) -> str:
    """The text/plain body, else the visible text of the HTML body, else ''."""
    try:
        part = find_body(msg, "plain")
        if part is not None:
            return _part_text(part, _MAX_BODY_BYTES).replace("\r\n", "\n")[:MAX_BODY_CHARS]
        part = find_body(msg, "html")
        if part is not None:
            return html_to_text(_part_text(part, 4 * MAX_HTML_CHARS)[:MAX_HTML_CHARS])
    except RecursionError:
        raise InputError(start, "MIME parts nested too deeply") from None
    except Exception as exc:  # malformed MIME trees can trip the library's walker
        raise InputError(start, f"cannot read the message body ({type(exc).__name__})") from None
    return ""


def find_body(msg: Message, subtype: str) -> Message | None:
    """The message's ``text/<subtype>`` body part, chosen as ``EmailMessage.get_body`` does.

    Depth first, skipping attachments and other content types; only the start
    part (else the first) of a multipart/related counts. Iterative, so deep
    nesting costs no recursion.
    """
    stack = [msg]
    while stack:
        part = stack.pop()
        if part.get_content_disposition() == "attachment":
            continue
        maintype, _, sub = part.get_content_type().partition("/")
        if maintype == "text":
            if sub == subtype:
                return part
            continue
        payload = part.get_payload() if maintype == "multipart" and part.is_multipart() else []
        if not isinstance(payload, list) or not payload:
            continue
        children = [c for c in payload if isinstance(c, Message)]
        if sub == "related":
            start = part.get_param("start")
            chosen = [c for c in children if start and c.get("content-id") == start]
            children = chosen[:1] or children[:1]
        stack.extend(reversed(children))
    return None


def _part_text(part: Message, limit: int) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    cut = len(payload) > limit
    return decode_bytes(payload[:limit], part.get_content_charset(), final=not cut)


def _load_mbox(file: str, data: bytes) -> Loaded:
    """Every message of an mbox; ``>From `` body lines lose one ``>`` (mboxrd)."""
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    stripped = body.lstrip(b"\r\n")
    if not stripped:
        raise InputError(Position(file, 1, 1), "empty mbox: no messages")
    if not stripped.startswith(b"From "):
        raise InputError(
            Position(file, 1, 1), "not an mbox file: it must start with a 'From ' line"
        )
    starts = [m.start() for m in re.finditer(rb"(?m)^From ", body)]
    emails: list[Email] = []
    errors: list[InputError] = []
    line, counted = 1, 0
    for i, begin in enumerate(starts):
        line += body.count(b"\n", counted, begin)
        counted = begin
        end = starts[i + 1] if i + 1 < len(starts) else len(body)
        newline = body.find(b"\n", begin, end)
        chunk = body[newline + 1 : end] if newline >= 0 else b""
        chunk = re.sub(rb"(?m)^>(>*From )", rb"\1", chunk)
        if chunk.endswith(b"\n\n") or chunk.endswith(b"\r\n\r\n"):  # the separating blank line
            chunk = chunk[:-2] if chunk.endswith(b"\r\n") else chunk[:-1]
        try:
            emails.append(_email_from_bytes(file, chunk, line + 1))
        except InputError as exc:
            errors.append(exc)
    return emails, errors


# ---------------------------------------------------------------------------
# HTML to text

_TAG = re.compile(r"<!--|<(/?)([A-Za-z][^\s/<>]*)[^<>]*>|<[!?][^<>]*>")
_SKIPPED = {
    name: re.compile(rf"</{name}[^<>]*>", re.IGNORECASE)
    for name in ("script", "style", "title", "template")
}
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "body",
        "html",
        "head",
    }
)


def html_to_text(markup: str) -> str:
    """The visible text of an HTML document, in linear time.

    Tags and comments go, ``<script>``/``<style>``/``<title>`` contents too,
    entities are unescaped, block elements break lines, and runs of
    whitespace collapse. The result keeps at most ``MAX_BODY_CHARS`` characters.
    """
    import html  # HTML-only bodies only: its entity table is not loaded on every start

    parts: list[str] = []
    pos, size = 0, len(markup)
    while pos < size:
        match = _TAG.search(markup, pos)
        if match is None:
            parts.append(html.unescape(markup[pos:]))
            break
        parts.append(html.unescape(markup[pos : match.start()]))
        pos = match.end()
        if match.group(0) == "<!--":
            close = markup.find("-->", pos)
            pos = size if close < 0 else close + 3
            continue
        name = (match.group(2) or "").lower()
        if name in _BLOCKS:
            parts.append("\n")
        if name in _SKIPPED and not match.group(1) and not match.group(0).endswith("/>"):
            close_match = _SKIPPED[name].search(markup, pos)
            pos = size if close_match is None else close_match.end()
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)[:MAX_BODY_CHARS]
