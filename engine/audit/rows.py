"""An entry's row in the diagnosis's JSON report: a dict, or its JSON text built fast.

A long log's rows are most of the work of ``diagnose --format json``: the part a row
shares with every entry of the same prediction is rendered once and remembered.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
from collections.abc import Callable, Sequence
from typing import Any, Final

from whynolog.engine.audit.prediction import Prediction
from whynolog.engine.audit.redaction import Redactor
from whynolog.engine.base.yamlio import dump_json_line
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry

UTC = dt.timezone.utc
UNDETERMINED = "undetermined"  # the predicted code of entries with several possible outcomes
MAX_TAILS = 4_096
"""JSON texts of predictions remembered for :meth:`Rows.json`."""
_json_string: Final[Callable[[str], str]] = json.encoder.encode_basestring
"""A string as JSON text, as ``dump_json_line`` writes it (no ASCII escapes)."""
_MICROSECOND = operator.attrgetter("microsecond")
_TZINFO = operator.attrgetter("tzinfo")
_ONE_DAY = dt.timedelta(days=1)
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))
"""Hours, minutes and seconds as ISO times write them: a table small enough to stay in cache."""


def iso_time(when: dt.datetime, days: dict[dt.date, str]) -> str:
    """``when.isoformat()``, about three times as fast for whole seconds in UTC (log times).

    ``days`` remembers each day's text (``2026-11-20``) between calls; the clock is built from
    its parts (``timestamp()`` alone took as long as the whole text).
    """
    if when.tzinfo is not UTC or when.microsecond:
        return when.isoformat()
    return _whole_utc(_day_text(when.date(), days), when)


def _whole_utc(day: str, when: dt.datetime) -> str:
    """The ISO text of ``when`` (whole seconds, UTC) on ``day``: ``2026-11-20T07:00:21+00:00``."""
    two = _TWO_DIGITS
    return f"{day}T{two[when.hour]}:{two[when.minute]}:{two[when.second]}+00:00"


def utc_midnight(
    times: Sequence[dt.datetime], earliest: dt.datetime, latest: dt.datetime
) -> dt.datetime | None:
    """The midnight starting the one day that all ``times`` (``earliest`` to ``latest``) fall
    in, when they are whole seconds in UTC, as a log's times are; else None.

    Nearly every batch of a log is within one day: its days and hours are then counted a
    batch at a time, and its times written without a check each (see :func:`iso_times`).
    """
    midnight = earliest.replace(hour=0, minute=0, second=0, microsecond=0)
    if (
        latest - midnight >= _ONE_DAY
        or any(map(_MICROSECOND, times))
        or not all(map(operator.is_, map(_TZINFO, times), itertools.repeat(UTC)))
    ):
        return None
    return midnight


def iso_times(
    times: Sequence[dt.datetime], midnight: dt.datetime | None, days: dict[dt.date, str]
) -> list[str]:
    """``[when.isoformat() for when in times]``, with ``midnight`` from :func:`utc_midnight`:
    within one day, each time is the day's text and its clock."""
    if midnight is None:
        return [iso_time(when, days) for when in times]
    day = _day_text(midnight.date(), days)
    return [_whole_utc(day, when) for when in times]


def _day_text(day: dt.date, days: dict[dt.date, str]) -> str:
    """``day.isoformat()``, remembered in ``days``."""
    text = days.get(day)
    if text is None:
        if len(days) >= 100_000:
            days.clear()
        text = days[day] = day.isoformat()
    return text


class Rows:
    """The rows of a log's entries, redacted when a :class:`Redactor` is given."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        self.redactor = redactor
        self._tails: dict[tuple[int, str], tuple[Prediction, str]] = {}
        self._days: dict[dt.date, str] = {}  # for iso_times

    def text(self, text: str) -> str:
        """Free text as a report shows it (addresses and names replaced when redacting)."""
        return self.redactor.text(text) if self.redactor else text

    def row(self, entry: LogEntry, prediction: Prediction) -> dict[str, Any]:
        """An entry's row in the JSON report (``log`` first when several logs are read)."""
        return {
            **({} if entry.log is None else {"log": entry.log}),
            "line": entry.line,
            "time": entry.time.isoformat(),
            "subject": self.redactor.subject(entry.subject) if self.redactor else entry.subject,
            **self.verdict(entry.outcome, prediction),
        }

    def json(
        self,
        entries: Sequence[LogEntry],
        predictions: Sequence[Prediction],
        times: Sequence[dt.datetime],
        midnight: dt.datetime | None,
    ) -> list[str]:
        """``dump_json_line(row(entry, prediction))`` of each entry, built from a remembered
        JSON text of the part an entry shares with every entry of the same prediction.

        A batch at a time (``times`` and ``midnight``: see :func:`iso_times`), one loop: compiled
        (setup.py), it leaves a look-up and one f-string an entry.
        """
        tails = self._tails
        subject_of = self.redactor.subject if self.redactor is not None else None
        out: list[str] = []
        for entry, prediction, when in zip(
            entries, predictions, iso_times(times, midnight, self._days), strict=True
        ):
            # a remembered tail keeps its prediction alive, so an id found is that prediction's
            key = (id(prediction), entry[3])
            found = tails.get(key)
            tail = (found or self._tail(key, prediction))[1]
            subject = entry[2] if subject_of is None else subject_of(entry[2])
            log = entry[10]
            place = "{" if log is None else f'{{"log":{_json_string(log)},'
            out.append(
                f'{place}"line":{entry[0]},"time":"{when}","subject":{_json_string(subject)}{tail}'
            )
        return out

    def _tail(self, key: tuple[int, str], prediction: Prediction) -> tuple[Prediction, str]:
        """The JSON text of a row after its subject, remembered (at most :data:`MAX_TAILS`)."""
        if len(self._tails) >= MAX_TAILS:
            self._tails.clear()
        tail = self._tails[key] = (
            prediction,
            "," + dump_json_line(self.verdict(key[1], prediction))[1:],
        )
        return tail

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
            **({} if rejected.log is None else {"log": rejected.log}),
            "line": rejected.line,
            "reason": self.text(rejected.reason),
            "excerpt": "(hidden: it may hold the subject)"
            if self.redactor and self.redactor.subjects
            else self.text(rejected.excerpt),
        }
