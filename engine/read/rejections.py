"""Entries a log reader rejected, grouped by reason, and when a log counts as unreadable.

A thousand entries rejected for one reason are one finding, not a thousand lines:
groups keep a count, the first lines and one example each, in bounded memory.
A log with no entry read, or with most entries rejected, is not diagnosed at all:
health alerts computed from what was not read would be confident and wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from whynolog.engine.base.errors import InputError, Position, entry_lines
from whynolog.engine.read.adminlog import RejectedEntry

FIRST_LINES = 5
MAX_GROUPS = 100
"""Distinct reasons itemised; further ones are counted under ``(other reasons)``."""

_QUOTED = re.compile(r"'[^'\n]{0,400}'|\"[^\"\n]{0,400}\"")
_HINTS = (
    (
        "cannot tell whether",
        "--date-order mdy or --date-order dmy",
    ),
    (
        "bad time",
        "--date-order mdy|dmy if day and month are swapped, --tz for a zone "
        "(the README lists the accepted time forms)",
    ),
    (
        "first line does not start with a date and time",
        "--log-format csv|jsonl if the log is not a text export "
        "(the README lists the accepted time forms)",
    ),
    ("first line has no 'Subject:'", "--log-format csv|jsonl if the log is not a text export"),
    ("unknown outcome code", "--rules with a rule pack that declares the log's codes"),
    ("no outcome code line", "--log-format csv|jsonl if the log is not a text export"),
    ("unrecognised header line", "--log-format csv|jsonl if the log is not a text export"),
    ("invalid JSON", "--log-format text|csv if the log is not JSON Lines"),
    ("not a JSON object", "--log-format text|csv if the log is not JSON Lines"),
    ("row has", "--columns, or --log-format if the log is not CSV"),
    ("missing time", "--columns time=Header"),
    ("missing outcome code", "--columns outcome=Header"),
)


def places(lines: list[int], logs: list[str] | None = None) -> str:
    """Where entries are: ``lines 3, 12``, or ``A.log:3, B.log:12`` (``logs``: one a line)."""
    if logs:
        return entry_lines(lines, logs)
    return f"line{'s' if len(lines) > 1 else ''} {entry_lines(lines)}"


def reason_group(reason: str) -> str:
    """A reason without the quoted text that differs from entry to entry."""
    return _QUOTED.sub("'…'", reason)


def hint_for(reason: str) -> str | None:
    """The option that would help with entries rejected for ``reason``, if any."""
    return next((hint for prefix, hint in _HINTS if reason.startswith(prefix)), None)


@dataclass
class RejectionGroup:
    """The entries rejected for one reason."""

    reason: str
    count: int = 0
    lines: list[int] = field(default_factory=list)
    example: str = ""
    example_reason: str = ""
    logs: list[str] = field(default_factory=list)  # the log of each line, when several

    def to_dict(self) -> dict[str, Any]:
        """Plain data for reports: the reason, how many, the first lines (and their logs,
        when several logs are read as one), one example."""
        return {
            "reason": self.reason,
            "count": self.count,
            "lines": list(self.lines),
            **({"logs": list(self.logs)} if self.logs else {}),
            "excerpt": self.example,  # "excerpt": redaction hides it with subjects
            "example_reason": self.example_reason,
            "hint": hint_for(self.reason),
        }


class Rejections:
    """Rejected entries grouped by reason, commonest first."""

    def __init__(self) -> None:
        self.count = 0
        self.groups: dict[str, RejectionGroup] = {}
        self.max_groups = MAX_GROUPS

    def add(self, rejected: RejectedEntry) -> None:
        """Count one rejected entry under its reason."""
        self.count += 1
        reason = reason_group(rejected.reason)
        group = self.groups.get(reason)
        if group is None:
            if len(self.groups) >= self.max_groups:
                reason = "(other reasons)"
                group = self.groups.get(reason)
            if group is None:
                group = self.groups[reason] = RejectionGroup(
                    reason, example=rejected.excerpt, example_reason=rejected.reason
                )
        group.count += 1
        if len(group.lines) < FIRST_LINES:
            group.lines.append(rejected.line)
            if rejected.log is not None:
                group.logs.append(rejected.log)

    def ordered(self) -> list[RejectionGroup]:
        """The groups, the commonest first (ties: the earliest first)."""
        return sorted(self.groups.values(), key=lambda g: (-g.count, g.lines[0]))

    def to_list(self) -> list[dict[str, Any]]:
        """Every group as plain data, the commonest first."""
        return [g.to_dict() for g in self.ordered()]

    def summary(self) -> str:
        """One line a person reads: how many, and why, grouped."""
        parts = [
            f"{g.count}x {g.example_reason if g.count == 1 else g.reason} "
            f"({places(g.lines, g.logs)}{', …' if g.count > len(g.lines) else ''})"
            for g in self.ordered()
        ]
        noun = "entry" if self.count == 1 else "entries"
        verb = "was" if self.count == 1 else "were"
        return f"{self.count} log {noun} could not be read and {verb} skipped: " + "; ".join(parts)


FIRST_KEPT = 10
"""Rejected entries a search keeps to show (all are counted and grouped)."""


class ReadCounts:
    """What a pass over a log read: entries searched and matched, and those it could not
    read (every one counted and grouped by reason, the first few kept)."""

    def __init__(self) -> None:
        self.searched = 0
        self.matched = 0
        self.rejected: list[RejectedEntry] = []
        self.rejections = Rejections()

    @property
    def rejected_count(self) -> int:
        """How many entries could not be read."""
        return self.rejections.count

    def reject(self, rejected: RejectedEntry) -> None:
        """Count an entry that could not be read."""
        self.rejections.add(rejected)
        if len(self.rejected) < FIRST_KEPT:
            self.rejected.append(rejected)


def unreadable(path: str, read: int, rejections: Rejections) -> InputError | None:
    """Why the log at ``path`` cannot be diagnosed (``read`` entries were read), or None.

    No entry at all, or most entries rejected: the commonest reason, its first line
    and the option that would help. A log without any entry names both explanations.
    """
    if read == 0 and rejections.count == 0:
        return InputError(
            Position(path),
            "the log holds no entries: either the export is empty (export it again, "
            "perhaps for a wider period), or the integration processed no email at all "
            "(then its admin password+token is probably bad: check it in the "
            "integration's settings)",
        )
    if rejections.count <= read:
        return None
    top = rejections.ordered()[0]
    hint = hint_for(top.reason)
    total = read + rejections.count
    return InputError(
        Position(path, top.lines[0], 1),
        f"cannot read this log: {rejections.count} of {total} entries were rejected, "
        f"{top.count} of them because: {top.example_reason}"
        + (f" ({top.example!r})" if top.example and top.example not in top.example_reason else "")
        + (f"; try {hint}" if hint else ""),
    )
