"""Emails to judge, read from YAML/JSON, RFC 5322 ``.eml`` files or mbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from whynolog.engine.errors import Position


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
