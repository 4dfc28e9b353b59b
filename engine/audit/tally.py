"""A diagnosis of a part of a log as plain data that merges: the tallies of distributed runs.

Workers diagnose consecutive parts of a log; what each part adds to the
:class:`~whynolog.engine.audit.diagnosis.Diagnosis` is taken out as a
:class:`PartTally`, tallies of neighbouring parts are merged (in any tree, as
long as the earlier part is on the left), and the merged tally is put into the
diagnosis that writes the report. The result is the diagnosis one process makes
of the whole log:

- counts add up; first and last times are minima and maxima; the longest gaps
  of two parts plus the gap between them hold the longest gaps of both;
- what keeps "the first N" (the sample, rejected rows, each mismatch group's
  examples, the first lines of a rejection reason) keeps the left part's first;
- the bounds that put late arrivals together (users beyond ``MAX_USERS`` under
  ``(other)``, mismatch groups beyond ``MAX_GROUPS`` under ``(further causes)``,
  rejection reasons beyond theirs under ``(other reasons)``) depend on the order
  of first appearance in the whole log, so parts are counted without them
  (:func:`unbounded`) and they are applied once, on the merged tally, in that order.
"""

from __future__ import annotations

import datetime as dt
import heapq
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from whynolog.engine.audit.diagnosis import (
    EXAMPLES_PER_GROUP,
    MAX_GAP_CANDIDATES,
    MAX_REJECTED_KEPT,
    SAMPLE_ENTRIES,
    Diagnosis,
)
from whynolog.engine.read.lookalikes import Lookalike
from whynolog.engine.read.rejections import FIRST_LINES, RejectionGroup

Order = tuple[int, int]
"""Where an entry is in the whole log: (part, line); lines grow within a part."""
LineOrder = tuple[int, int, "str | None"]
"""A rejected line's :data:`Order` and its log (when several logs are read as one)."""
FURTHER_CAUSES = "(further causes)"
OTHER_USERS = "(other)"
OTHER_REASONS = "(other reasons)"


@dataclass
class PartTally:
    """What a run of consecutive entries adds to a diagnosis; dicts keep first-seen order."""

    total: int = 0
    tally: dict[tuple[str | None, str, str, str | None], int] = field(default_factory=dict)
    day_tally: dict[tuple[dt.date, str], int] = field(default_factory=dict)
    hour_counts: list[int] = field(default_factory=lambda: [0] * 24)
    by_kind: dict[str, int] = field(default_factory=dict)
    groups: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    examples: dict[tuple[Any, ...], list[Order]] = field(default_factory=dict)
    rejected_count: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    reasons: dict[str, RejectionGroup] = field(default_factory=dict)
    reason_lines: dict[str, list[LineOrder]] = field(default_factory=dict)
    sample: list[dict[str, Any]] = field(default_factory=list)
    first_entry: dt.datetime | None = None
    last_entry: dt.datetime | None = None
    last_log_ok: dt.datetime | None = None
    first_time: dt.datetime | None = None  # the first entry's time in log order
    last_time: dt.datetime | None = None  # the last entry's time in log order
    gaps: list[tuple[float, str, str]] = field(default_factory=list)
    lookalike_entries: int = 0
    lookalikes: dict[str, tuple[Lookalike, int]] = field(default_factory=dict)


def _orders(part: int, group: RejectionGroup) -> list[LineOrder]:
    """Where each of ``group``'s first lines is, and its log."""
    logs: list[str | None] = [*group.logs] or [None] * len(group.lines)
    return [(part, line, log) for line, log in zip(group.lines, logs, strict=True)]


def unbounded(diagnosis: Diagnosis) -> Diagnosis:
    """``diagnosis`` without the bounds that depend on the whole log's order (see above)."""
    diagnosis.max_users = diagnosis.max_groups = sys.maxsize
    diagnosis.rejections.max_groups = sys.maxsize
    return diagnosis


def take(diagnosis: Diagnosis, part: int, first_time: dt.datetime | None) -> PartTally:
    """What the (unbounded) ``diagnosis`` of part number ``part`` counted."""
    d = diagnosis
    return PartTally(
        total=d.total,
        tally=d._tally,
        day_tally=d._day_tally,
        hour_counts=d._hour_counts,
        by_kind=dict(d.by_kind),
        groups=d.groups,
        examples={key: [(part, e["line"]) for e in g["examples"]] for key, g in d.groups.items()},
        rejected_count=d.rejected_count,
        rejected=d.rejected,
        reasons=d.rejections.groups,
        reason_lines={r: _orders(part, g) for r, g in d.rejections.groups.items()},
        sample=d.sample,
        first_entry=d.first_entry,
        last_entry=d.last_entry,
        last_log_ok=d.last_log_ok,
        first_time=first_time,
        last_time=d._previous,
        gaps=d._gaps,
        lookalike_entries=d.lookalike_entries,
        lookalikes=d.lookalikes,
    )


def _add(into: dict[Any, int], more: dict[Any, int]) -> None:
    for key, n in more.items():
        into[key] = into.get(key, 0) + n


def _earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return b if a is None else a if b is None else max(a, b)


def merge(a: PartTally, b: PartTally, stale_after: dt.timedelta) -> PartTally:
    """The tally of ``a``'s entries followed by ``b``'s (``a`` is updated and returned)."""
    a.total += b.total
    _add(a.tally, b.tally)
    _add(a.day_tally, b.day_tally)
    a.hour_counts = [x + y for x, y in zip(a.hour_counts, b.hour_counts, strict=True)]
    _add(a.by_kind, b.by_kind)
    for key, group in b.groups.items():
        mine = a.groups.get(key)
        if mine is None:
            a.groups[key] = group
            a.examples[key] = b.examples[key]
            continue
        mine["count"] += group["count"]
        room = EXAMPLES_PER_GROUP - len(mine["examples"])
        if room > 0:
            mine["examples"] += group["examples"][:room]
            a.examples[key] += b.examples[key][:room]
    a.rejected_count += b.rejected_count
    a.rejected += b.rejected[: MAX_REJECTED_KEPT - len(a.rejected)]
    for reason, rgroup in b.reasons.items():
        known = a.reasons.get(reason)
        if known is None:
            a.reasons[reason] = rgroup
            a.reason_lines[reason] = b.reason_lines[reason]
            continue
        known.count += rgroup.count
        room = FIRST_LINES - len(known.lines)
        if room > 0:
            known.lines += rgroup.lines[:room]
            known.logs += rgroup.logs[:room]
            a.reason_lines[reason] += b.reason_lines[reason][:room]
    a.sample += b.sample[: SAMPLE_ENTRIES - len(a.sample)]
    a.first_entry = _earliest(a.first_entry, b.first_entry)
    a.last_entry = _latest(a.last_entry, b.last_entry)
    a.last_log_ok = _latest(a.last_log_ok, b.last_log_ok)
    gaps = a.gaps + b.gaps
    cut = (a.last_time, b.first_time)  # the gap across the cut between the parts
    if cut[0] is not None and cut[1] is not None and cut[1] - cut[0] > stale_after:
        seconds = (cut[1] - cut[0]).total_seconds()
        gaps.append((seconds, cut[0].isoformat(), cut[1].isoformat()))
    a.gaps = heapq.nlargest(MAX_GAP_CANDIDATES, gaps)
    a.first_time = a.first_time if a.first_time is not None else b.first_time
    a.last_time = b.last_time if b.last_time is not None else a.last_time
    a.lookalike_entries += b.lookalike_entries
    for domain, (hit, n) in b.lookalikes.items():
        _, m = a.lookalikes.get(domain, (hit, 0))
        a.lookalikes[domain] = (hit, m + n)
    return a


def put(diagnosis: Diagnosis, t: PartTally) -> None:
    """Make the (fresh) ``diagnosis`` hold the whole log's tally ``t``, with its bounds
    applied in the log's order as one process applies them entry by entry."""
    d = diagnosis
    kept: set[str] = set()
    for user, _, _, _ in t.tally:
        if user is not None and user not in kept and len(kept) < d.max_users:
            kept.add(user)
    tally: Counter[tuple[str | None, str, str, str | None]] = Counter()
    for (user, code, status, outcome), n in t.tally.items():
        if user is not None and user not in kept:
            user = OTHER_USERS
        key = (user, code, status, outcome)
        tally[key] = tally.get(key, 0) + n
    d._tally, d._users, d._summed = tally, kept, None
    d._day_tally, d._hour_counts = Counter(t.day_tally), t.hour_counts
    d.total = t.total
    d.by_kind.clear()
    d.by_kind.update(t.by_kind)
    d.groups = _bounded_groups(t, d.max_groups)
    d.rejected_count, d.rejected = t.rejected_count, t.rejected
    d.rejections.count = t.rejected_count
    d.rejections.groups = _bounded_reasons(t, d.rejections.max_groups)
    d.sample = t.sample
    d.first_entry, d.last_entry, d.last_log_ok = t.first_entry, t.last_entry, t.last_log_ok
    d._previous, d._gaps = t.last_time, t.gaps
    d.lookalike_entries, d.lookalikes = t.lookalike_entries, t.lookalikes


def _bounded_groups(t: PartTally, bound: int) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Mismatch groups as one process keeps them: a group first seen once ``bound`` groups
    exist joins its kind's ``(further causes)`` group, whose examples are the earliest."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    orders: dict[tuple[Any, ...], list[Order]] = {}
    for key, group in t.groups.items():
        if len(groups) < bound:
            groups[key], orders[key] = group, t.examples[key]
            continue
        further = (key[0], key[1], key[2], (FURTHER_CAUSES,))
        known = groups.get(further)
        if known is None:
            groups[further] = {**group, "causes": [FURTHER_CAUSES]}
            orders[further] = t.examples[key]
            continue
        known["count"] += group["count"]
        both = sorted(
            zip(
                orders[further] + t.examples[key],
                known["examples"] + group["examples"],
                strict=True,
            ),
            key=lambda pair: pair[0],
        )[:EXAMPLES_PER_GROUP]
        orders[further] = [order for order, _ in both]
        known["examples"] = [example for _, example in both]
    return groups


def _bounded_reasons(t: PartTally, bound: int) -> dict[str, RejectionGroup]:
    """Rejection reasons as one process keeps them (see :func:`_bounded_groups`)."""
    reasons: dict[str, RejectionGroup] = {}
    orders: dict[str, list[LineOrder]] = {}
    for reason, group in t.reasons.items():
        if len(reasons) < bound:
            reasons[reason], orders[reason] = group, t.reason_lines[reason]
            continue
        known = reasons.get(OTHER_REASONS)
        if known is None:
            reasons[OTHER_REASONS] = RejectionGroup(
                OTHER_REASONS,
                group.count,
                group.lines,
                group.example,
                group.example_reason,
                group.logs,
            )
            orders[OTHER_REASONS] = t.reason_lines[reason]
            continue
        known.count += group.count
        both = sorted(orders[OTHER_REASONS] + t.reason_lines[reason])[:FIRST_LINES]
        orders[OTHER_REASONS] = both
        known.lines = [line for _, line, _ in both]
        known.logs = [log for _, _, log in both if log is not None]
    return reasons
