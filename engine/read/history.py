"""The admin log as history: which emails already logged, for duplicate detection.

A later copy of an email that logged is a duplicate. When emails are judged
after the fact, the admin log says which ones logged before: every entry
with a code the rule pack says logged (``logged_codes``) that recorded a
Message-ID. Entries without one cannot be matched to an email reliably (the
log does not keep the date an email carried), so they are not history.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any, BinaryIO

from whynolog.engine.read.adminlog import LogEntry, RejectedEntry, read_log


def message_id_key(message_id: str) -> tuple[str, str]:
    """The duplicate key of an email with this Message-ID (as :func:`facts.duplicate_key`)."""
    return ("message-id", message_id.strip().lower())


def logged_keys(
    path: str,
    logged_codes: Collection[str],
    fmt: str | None = None,
    known_codes: Collection[str] | None = None,
    stream: BinaryIO | None = None,
    on_rejected: Callable[[RejectedEntry], Any] | None = None,
) -> Iterator[tuple[str, str]]:
    """Duplicate keys of the log's logged entries that carry a Message-ID, in log order.

    Streams the log (``-`` is standard input). Entries that cannot be parsed go
    to ``on_rejected`` when given; they are never history.
    """
    for entry in read_log(path, fmt, known_codes, stream):
        if isinstance(entry, RejectedEntry):
            if on_rejected is not None:
                on_rejected(entry)
        elif is_logged(entry, logged_codes):
            yield message_id_key(entry.message_id or "")


def is_logged(entry: LogEntry, logged_codes: Collection[str]) -> bool:
    """Whether ``entry`` makes later copies duplicates: it logged and has a Message-ID."""
    return entry.outcome in logged_codes and bool(entry.message_id and entry.message_id.strip())
