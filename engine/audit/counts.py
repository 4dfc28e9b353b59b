"""The diagnosis's figures, summed from its tallies: by status, logged code, user and day,
and the matrix of predicted against logged; the days and codes reports show."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import NamedTuple

STATUSES = ("agree", "disagree", "undetermined")
UNDETERMINED = "undetermined"  # the matrix row of entries with several possible outcomes
MAX_DAYS_SHOWN = 400
"""Reports show at most the last MAX_DAYS_SHOWN days day by day."""
MAX_DAYS_AFTER = 60
"""Days without entries before ``as_of`` are shown when there are at most this many."""

TallyKey = tuple[str | None, str, str, str | None]
Tally = dict[TallyKey, int]
"""Entries by (user, logged code, status, predicted code)."""
DayKey = tuple[dt.date, str]
DayTally = dict[DayKey, int]
"""Entries by (day, logged code)."""


class Counts(NamedTuple):
    """Every figure of a diagnosis."""

    status: Counter[str]
    by_outcome: Counter[str]
    matrix: Counter[tuple[str, str]]
    by_user: dict[str, Counter[str]]
    by_day: dict[str, Counter[str]]


def sum_tallies(tally: Tally, day_tally: DayTally) -> Counts:
    """Every figure, summed over the tallies (every status present)."""
    status: Counter[str] = Counter({s: 0 for s in STATUSES})
    by_outcome: Counter[str] = Counter()
    matrix: Counter[tuple[str, str]] = Counter()
    by_user: dict[str, Counter[str]] = {}
    for (user, code, state, outcome), n in tally.items():
        status[state] += n
        by_outcome[code] += n
        matrix[(outcome if outcome is not None else UNDETERMINED, code)] += n
        if user is not None:
            by_user.setdefault(user, Counter())[code] += n
    by_day: dict[str, Counter[str]] = {}
    for (day, code), n in sorted(day_tally.items()):
        by_day.setdefault(day.isoformat(), Counter())[code] += n
    return Counts(status, by_outcome, matrix, by_user, by_day)


def codes_seen(counts: Counts, logged_codes: frozenset[str] | set[str]) -> list[str]:
    """Outcome codes seen, those that mean the email logged first, then alphabetically."""
    seen = set(counts.by_outcome) | {p for p, _ in counts.matrix if p != UNDETERMINED}
    return sorted(seen, key=lambda c: (c not in logged_codes, c))


def predicted_codes(counts: Counts, codes: list[str]) -> list[str]:
    """The matrix's rows: the codes predicted, in ``codes`` order, then undetermined."""
    rows = [c for c in codes if any(p == c for p, _ in counts.matrix)]
    if any(p == UNDETERMINED for p, _ in counts.matrix):
        rows.append(UNDETERMINED)
    return rows


def days_shown(by_day: dict[str, Counter[str]], as_of: dt.datetime) -> list[str]:
    """Every day from the first entry to the last, or to ``as_of`` when that is near.

    Days without entries are included: a stopped integration shows as empty days.
    """
    if not by_day:
        return []
    first = dt.date.fromisoformat(min(by_day))
    last = dt.date.fromisoformat(max(by_day))
    day = as_of.date()
    if last <= day and (day - last).days <= MAX_DAYS_AFTER:
        last = day
    first = max(first, last - dt.timedelta(days=MAX_DAYS_SHOWN - 1))
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def ordered(counts: Counter[str], codes: list[str]) -> dict[str, int]:
    """The non-zero counts, in ``codes`` order."""
    return {c: counts[c] for c in codes if counts[c]}


def matrix_order(item: tuple[tuple[str, str], int], codes: list[str]) -> tuple[int, int]:
    """Where a matrix cell sorts: by its predicted, then its logged code's place in ``codes``."""
    (predicted, logged), _ = item
    rank = {c: i for i, c in enumerate(codes)}
    return rank.get(predicted, len(codes)), rank.get(logged, len(codes))
