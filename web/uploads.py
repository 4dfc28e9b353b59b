"""Uploaded logs: kept in memory, under a random id, for paging and links.

Nothing a request sends becomes a path: an upload's file name is only shown
(cleaned) and its extension only picks the log format among the known ones.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from starlette.datastructures import UploadFile

LOG_FORMATS = ("text", "csv", "jsonl")
KEPT_UPLOADS = 8
"""Uploaded logs kept at once; the oldest is forgotten first."""
_SHOWN_NAME = re.compile(r"[^\w .()+-]")


class UploadTooLarge(ValueError):
    """An uploaded file is larger than the limit."""


@dataclass(frozen=True)
class LogUpload:
    """One uploaded admin log."""

    id: str
    name: str
    log_format: str | None
    data: bytes


def shown_name(filename: str | None) -> str:
    """The upload's file name for display only: its last part, without odd characters."""
    last = re.split(r"[\\/]", filename or "")[-1]
    return _SHOWN_NAME.sub("_", last)[:80] or "upload"


def format_of(filename: str | None, chosen: str | None) -> str | None:
    """The log format: the one chosen on the form, else by the name's extension, else sniffed."""
    if chosen in LOG_FORMATS:
        return chosen
    lower = (filename or "").lower()
    if lower.endswith((".csv", ".tsv")):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return None


async def read_upload(file: UploadFile, limit: int) -> bytes:
    """The file's bytes, refusing more than ``limit``."""
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(f"The file is larger than {limit // (1 << 20)} MiB.")
    return data


class UploadStore:
    """The last few uploaded logs, by id (thread-safe: requests run in a thread pool)."""

    def __init__(self, kept: int = KEPT_UPLOADS) -> None:
        self._kept = kept
        self._logs: OrderedDict[str, LogUpload] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, name: str, log_format: str | None, data: bytes) -> LogUpload:
        upload = LogUpload(secrets.token_urlsafe(12), name, log_format, data)
        with self._lock:
            self._logs[upload.id] = upload
            while len(self._logs) > self._kept:
                self._logs.popitem(last=False)
        return upload

    def get(self, upload_id: str | None) -> LogUpload | None:
        if not upload_id:
            return None
        with self._lock:
            return self._logs.get(upload_id)
