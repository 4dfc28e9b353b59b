"""Why did this email (not) log: the log entries of one email, each explained.

The entries a query matches are predicted with the engine's full verdict; the
other entries are read too, because an earlier logged copy makes a later
matching entry a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whynolog.engine.audit.answer import answer
from whynolog.engine.audit.diagnosis import outcome_meaning
from whynolog.engine.audit.logquery import LogQuery
from whynolog.engine.audit.prediction import Predictor
from whynolog.engine.decide.setup import Setup
from whynolog.engine.facts.directory import Directory
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry
from whynolog.engine.read.rejections import ReadCounts

MAX_MATCHES = 50
"""Entries explained at most (the rest are counted)."""


class Explained(ReadCounts):
    """The matching entries, explained, and what was read to find them."""

    def __init__(self) -> None:
        super().__init__()
        self.matches: list[dict[str, Any]] = []


def explain_entries(
    setup: Setup,
    items: Iterable[LogEntry | RejectedEntry],
    query: LogQuery,
    limit: int | None = None,
) -> Explained:
    """Each entry ``query`` matches (at most ``limit``, default :data:`MAX_MATCHES`) with its
    prediction and verdict."""
    limit = MAX_MATCHES if limit is None else limit
    predictor = Predictor(setup.config, setup.pack)
    directory = Directory.of(setup.config)
    found = Explained()
    for item in items:
        if isinstance(item, RejectedEntry):
            found.reject(item)
            continue
        found.searched += 1
        wanted = query.matches(item)
        found.matched += wanted
        if not wanted or len(found.matches) >= limit:
            predictor.note(item)  # an earlier logged copy makes a matching entry a duplicate
            continue
        prediction = predictor.predict(item, explain=True)
        recorded = [a for a in (item.sender, *(item.to or ()), *(item.cc or ())) if a]
        external = [a for a in recorded if not directory.is_internal(a)]
        code = setup.pack.outcome(item.outcome)
        found.matches.append(
            {
                "answer": answer(item.outcome, code, prediction, external).to_dict(),
                "entry": item.to_row(),
                "when": item.time.strftime("%Y-%m-%d %H:%M:%S UTC"),
                "meaning": outcome_meaning(item.outcome, setup.pack),
                "prediction": prediction.to_dict(),
                "predicted_meaning": outcome_meaning(prediction.outcome, setup.pack)
                if prediction.outcome
                else None,
                "recorded": {
                    "from": item.sender is not None,
                    "to": item.to is not None or item.cc is not None,
                },
                "external": external,
            }
        )
    return found
