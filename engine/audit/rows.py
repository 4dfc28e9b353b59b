"""An entry's row in the diagnosis's JSON report: a dict, or its JSON text built fast.

A long log's rows are most of the work of ``diagnose --format json``: the part a row
shares with every entry of the same prediction is rendered once and remembered.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from whynolog.engine.audit.prediction import Prediction
from whynolog.engine.audit.redaction import Redactor
from whynolog.engine.base.yamlio import dump_json_line
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry

UTC = dt.timezone.utc
UNDETERMINED = "undetermined"  # the predicted code of entries with several possible outcomes
MAX_TAILS = 4_096
"""JSON texts of predictions remembered for :meth:`Rows.json`."""
_json_string: Any = json.encoder.encode_basestring
"""A string as JSON text, as ``dump_json_line`` writes it (no ASCII escapes)."""
_HOURS = tuple(f"T{h:02d}:" for h in range(24))
_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}+00:00" for m in range(60) for s in range(60))


def iso_time(when: dt.datetime, days: dict[dt.date, str]) -> str:
    """``when.isoformat()``, about three times as fast for whole seconds in UTC (log times).

    ``days`` remembers each day's text (``2026-11-20``) between calls; the clock is looked up
    from its parts (``timestamp()`` alone took as long as the whole text).
    """
    if when.tzinfo is not UTC or when.microsecond:
        return when.isoformat()
    day = when.date()
    prefix = days.get(day)
    if prefix is None:
        if len(days) >= 100_000:
            days.clear()
        prefix = days[day] = day.isoformat()
    return prefix + _HOURS[when.hour] + _MINUTES_SECONDS[when.minute * 60 + when.second]


class Rows:
    """The rows of a log's entries, redacted when a :class:`Redactor` is given."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        self.redactor = redactor
        self._tails: dict[tuple[int, str], tuple[Prediction, str]] = {}
        self._days: dict[dt.date, str] = {}  # for iso_time

    def text(self, text: str) -> str:
        """Free text as a report shows it (addresses and names replaced when redacting)."""
        return self.redactor.text(text) if self.redactor else text

    def row(self, entry: LogEntry, prediction: Prediction) -> dict[str, Any]:
        """An entry's row in the JSON report."""
        return {
            "line": entry.line,
            "time": entry.time.isoformat(),
            "subject": self.redactor.subject(entry.subject) if self.redactor else entry.subject,
            **self.verdict(entry.outcome, prediction),
        }

    def json(self, entry: LogEntry, prediction: Prediction) -> str:
        """``dump_json_line(row(entry, prediction))``, built from a remembered JSON text
        of the part the entry shares with every entry of the same prediction."""
        line, when, subject, logged, _, _, _, _, _, _ = entry
        key = (id(prediction), logged)
        cached = self._tails.get(key)
        if cached is None or cached[0] is not prediction:
            if len(self._tails) >= MAX_TAILS:
                self._tails.clear()
            cached = (prediction, "," + dump_json_line(self.verdict(logged, prediction))[1:])
            self._tails[key] = cached
        if self.redactor is not None:
            subject = self.redactor.subject(subject)
        return (
            f'{{"line":{line},"time":"{iso_time(when, self._days)}","subject":'
            f"{_json_string(subject)}{cached[1]}"
        )

    def verdict(self, logged: str, prediction: Prediction) -> dict[str, Any]:
        """What a row says of the prediction against the logged code."""
        return {
            "logged": logged,
            "predicted": prediction.outcome if prediction.outcome is not None else UNDETERMINED,
            "status": prediction.status,
            "possible": list(prediction.possible),
            "rule": prediction.rule,
            "causes": [self.text(c) for c in prediction.causes],
            "cause_kind": prediction.cause_kind,
        }

    def rejected(self, rejected: RejectedEntry) -> dict[str, Any]:
        """The row of an entry that could not be read (its excerpt hidden with subjects)."""
        return {
            "line": rejected.line,
            "reason": self.text(rejected.reason),
            "excerpt": "(hidden: it may hold the subject)"
            if self.redactor and self.redactor.subjects
            else self.text(rejected.excerpt),
        }
