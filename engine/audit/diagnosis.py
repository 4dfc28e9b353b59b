"""The diagnosis of an admin log: health, predicted against logged, mismatches.

Logs run to hundreds of thousands of entries, so a :class:`Diagnosis` keeps
aggregates, not entries: counts by outcome, day and user, the matrix of
predicted against logged, mismatch groups with a few example lines each, and a bounded
sample. Each entry's row is handed back as it is predicted, for callers that
stream it out. Memory depends on the number of days, users and distinct
causes, never on the number of entries.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

from whynolog.engine.audit.counts import (
    Counts,
    DayKey,
    TallyKey,
    codes_seen,
    days_shown,
    matrix_order,
    ordered,
    predicted_codes,
    sum_tallies,
)
from whynolog.engine.audit.health import (
    DEFAULT_STALE_AFTER,
    MAX_GAP_CANDIDATES,
    Gap,
    health_report,
    keep_gap,
)
from whynolog.engine.audit.mismatches import (
    EXAMPLES_PER_GROUP,
    MAX_GROUPS,
    Groups,
    count_mismatch,
    ordered_groups,
)
from whynolog.engine.audit.prediction import Prediction, Predictor
from whynolog.engine.audit.redaction import Redactor
from whynolog.engine.audit.rhythm import Rhythm, learn
from whynolog.engine.audit.rows import Rows, utc_midnight
from whynolog.engine.decide.rulepack import RulePack, load_rule_pack
from whynolog.engine.facts.directory import Directory, owner_in
from whynolog.engine.read.addresses import normalise
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry
from whynolog.engine.read.config import Config
from whynolog.engine.read.lookalikes import Lookalike
from whynolog.engine.read.rejections import Rejections

__all__ = [  # what other modules import from here (tally's bounds among them)
    "EXAMPLES_PER_GROUP",
    "MAX_GAP_CANDIDATES",
    "MAX_REJECTED_KEPT",
    "SAMPLE_ENTRIES",
    "Diagnosis",
    "Redactor",
    "outcome_meaning",
]

UTC = dt.timezone.utc
MAX_USERS = 10_000
"""Distinct users counted by name; further ones are counted as ``(other)``."""
MAX_REJECTED_KEPT = 1_000
"""Rejected entries kept for the summary (all are counted, and streamed to JSON)."""
BATCH = 32
"""Entries read, predicted and counted together. Small, so that a batch's entries, rows and
texts are still in the core's cache when the next step reads them: 32 rather than 256 misses
the cache a quarter less often (simulated 1 MiB cache) for 2% more instructions."""
RowForm = Literal["dict", "json", "none"]
SAMPLE_ENTRIES = 100
"""Entries kept for reports of small logs."""
# Columns of a batch of entries and predictions, read in C (``map``) rather than per entry.
_TIME, _CODE = operator.itemgetter(1), operator.itemgetter(3)
_STATUS, _OUTCOME = operator.attrgetter("status"), operator.attrgetter("outcome")
_HOUR = operator.attrgetter("hour")
_DISAGREES: Callable[[str], bool] = "disagree".__eq__
_is_none: Callable[[object], bool] = functools.partial(operator.is_, None)


def outcome_meaning(code: str, pack: RulePack | None = None) -> dict[str, str]:
    """What an outcome code means and what usually helps, in plain words: as the rule pack
    (default: the shipped one) declares it."""
    outcome = (pack or load_rule_pack()).outcome(code)
    return {"code": code, "meaning": outcome.meaning, "remedy": outcome.remedy}


class Diagnosis:
    """Aggregates a log's entries and their predictions in bounded memory.

    Feed entries in log order with :meth:`feed` (or :meth:`add` and
    :meth:`reject`); :meth:`aggregates` and :meth:`summary` give the results.
    """

    def __init__(
        self,
        config: Config,
        as_of: dt.datetime | None = None,
        stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
        redactor: Redactor | None = None,
        pack: RulePack | None = None,
        rhythm: Rhythm | None = None,
    ) -> None:
        """``pack`` says which codes mean the email logged (default: the shipped pack);
        ``rhythm`` is the log's busy hours (default: learned from the log)."""
        self.config = config
        self.logged_codes = (pack or load_rule_pack()).logged_codes
        self.as_of = (as_of or dt.datetime.now(UTC)).astimezone(UTC)
        self.stale_after = stale_after
        self.redactor = redactor
        self.directory = Directory.of(config)
        self._domains = self.directory.domains  # probed an address: a plain attribute
        self.max_users = MAX_USERS  # bounds a distributed run lifts in its parts (audit.tally)
        self.max_groups = MAX_GROUPS
        self.total = 0
        # Entries counted by (user, logged, status, predicted) and by (day, logged): every
        # per-outcome, per-user and per-day figure is a sum over these.
        self._tally: Counter[TallyKey] = Counter()  # Counters: a batch is counted in C
        self._day_tally: Counter[DayKey] = Counter()
        self._users: set[str] = set()
        self._summed: tuple[int, Counts] | None = None
        self._rows = Rows(redactor)
        self.by_kind: Counter[str] = Counter()
        self.groups: Groups = {}
        self.rejected_count = 0
        self.rejected: list[dict[str, Any]] = []
        self.rejections = Rejections()
        self.sample: list[dict[str, Any]] = []
        self.first_entry: dt.datetime | None = None
        self.last_entry: dt.datetime | None = None
        self.last_log_ok: dt.datetime | None = None
        self._previous: dt.datetime | None = None
        self._gaps: list[Gap] = []  # a min-heap of the longest gaps
        self.given_rhythm = rhythm
        self._hour_counts = [0] * 24  # entries by hour of day, to learn the log's rhythm
        self.lookalike_entries = 0  # entries with a LOOKALIKE_DOMAIN warning
        self.lookalikes: dict[
            str, tuple[Lookalike, int]
        ] = {}  # outside domain → (finding, entries)

    # --- feeding -------------------------------------------------------------------

    def feed(
        self,
        items: Iterable[LogEntry | RejectedEntry],
        predictor: Predictor,
        rows: RowForm = "dict",
    ) -> Iterator[tuple[str, Any]]:
        """Predict and count each item; yield ``("entry", row)`` or ``("rejected", row)``.

        An entry's row is a dict (``rows="dict"``, see :meth:`row`), its JSON
        text (``"json"``, see :meth:`row_json`) or ``None`` (``"none"``:
        only the counts are wanted). Rejected rows are dicts.
        """
        return itertools.chain.from_iterable(self.feed_batches(items, predictor, rows))

    def feed_batches(
        self,
        items: Iterable[LogEntry | RejectedEntry],
        predictor: Predictor,
        rows: RowForm = "dict",
    ) -> Iterator[list[tuple[str, Any]]]:
        """:meth:`feed`, a list of rows at a time.

        Reading, predicting and counting a batch each in turn is about a quarter
        faster than doing all three entry by entry (the interpreter's caches stay warm).
        """
        it = iter(items)
        while batch := list(itertools.islice(it, BATCH)):
            yield self._count(batch, predictor.predict_batch(batch), rows)

    def feed_predicted(
        self, pairs: Iterable[tuple[LogEntry | RejectedEntry, Any]], rows: RowForm = "dict"
    ) -> Iterator[tuple[str, Any]]:
        """Count items predicted elsewhere (``None`` for rejected ones), as :meth:`feed`."""
        return itertools.chain.from_iterable(self.feed_predicted_batches(pairs, rows))

    def feed_predicted_batches(
        self, pairs: Iterable[tuple[LogEntry | RejectedEntry, Any]], rows: RowForm = "dict"
    ) -> Iterator[list[tuple[str, Any]]]:
        """:meth:`feed_predicted`, a list of rows at a time."""
        it = iter(pairs)
        while batch := list(itertools.islice(it, BATCH)):
            items, predictions = zip(*batch, strict=True)
            yield self._count(items, predictions, rows)

    def _count(
        self,
        items: Sequence[LogEntry | RejectedEntry],
        predictions: Sequence[Prediction | None],
        rows: RowForm,
    ) -> list[tuple[str, Any]]:
        """Count a batch of items and their predictions (``None`` for a rejected item);
        their rows, in order."""
        if not any(map(_is_none, predictions)):  # the usual batch: entries only
            return self._count_entries(items, predictions, rows)  # type: ignore[arg-type]
        out: list[tuple[str, Any]] = []
        start = 0
        for end in [*itertools.compress(itertools.count(), map(_is_none, predictions))]:
            out += self._count_entries(items[start:end], predictions[start:end], rows)  # type: ignore[arg-type]
            out.append(("rejected", self.reject(items[end])))  # type: ignore[arg-type]
            start = end + 1
        return out + self._count_entries(items[start:], predictions[start:], rows)  # type: ignore[arg-type]

    def _count_entries(
        self, entries: Sequence[LogEntry], predictions: Sequence[Prediction], rows: RowForm
    ) -> list[tuple[str, Any]]:
        """Count a run of entries, column by column; their rows.

        Passes over a batch's columns (``map``, ``Counter.update``) and shortcuts for the
        usual batch (one day, one hour, no new domain): about a tenth less CPU than a loop
        an entry on a long log.
        """
        if not entries:
            return []
        self.total += len(entries)
        times = list(map(_TIME, entries))
        codes = list(map(_CODE, entries))
        statuses = list(map(_STATUS, predictions))
        users = self._users_of(entries)
        self._bound_users(users)
        self._count_lookalikes(entries)
        self._tally.update(zip(users, codes, statuses, map(_OUTCOME, predictions), strict=True))
        earliest, latest = min(times), max(times)
        midnight = utc_midnight(times, earliest, latest)
        self._count_days(times, codes, midnight, earliest, latest)
        self._count_times(times, codes, earliest, latest)
        self._count_shown(entries, predictions, statuses)
        if rows == "json":
            texts = self._rows.json(entries, predictions, times, midnight)
            return list(zip(itertools.repeat("entry"), texts))
        if rows == "dict":
            return [
                ("entry", self._rows.row(*pair)) for pair in zip(entries, predictions, strict=True)
            ]
        return [("entry", None)] * len(entries)

    def _bound_users(self, users: list[str | None]) -> None:
        """Remember the batch's new users; past :attr:`max_users`, name them ``(other)``."""
        new = set(users).difference(self._users)
        new.discard(None)
        if not new:  # the usual batch: users seen before
            return
        known = self._users
        for i, user in enumerate(users):
            if user is not None and user not in known:
                if len(known) >= self.max_users:
                    users[i] = "(other)"
                else:
                    known.add(user)

    def _count_days(
        self,
        times: list[dt.datetime],
        codes: list[str],
        midnight: dt.datetime | None,
        earliest: dt.datetime,
        latest: dt.datetime,
    ) -> None:
        """Entries by (day, logged code) and by hour of the day."""
        if midnight is None:  # a batch across midnight (or not in whole UTC seconds)
            self._day_tally.update(zip(map(dt.datetime.date, times), codes, strict=True))
        else:  # the usual batch: one day, so its codes are counted
            day = midnight.date()
            for code, n in Counter(codes).items():
                self._day_tally[(day, code)] += n
        if midnight is not None and earliest.hour == latest.hour:  # within one hour
            self._hour_counts[earliest.hour] += len(times)
        else:
            for hour, n in Counter(map(_HOUR, times)).items():
                self._hour_counts[hour] += n

    def _count_times(
        self,
        times: list[dt.datetime],
        codes: list[str],
        earliest: dt.datetime,
        latest: dt.datetime,
    ) -> None:
        """The first and last entries, the last that logged, and the longest gaps."""
        stale_after, previous = self.stale_after, self._previous
        if previous is None:
            self.first_entry, self.last_entry = earliest, latest
        else:
            if latest > self.last_entry:  # type: ignore[operator]
                self.last_entry = latest
            if earliest < self.first_entry:  # type: ignore[operator]
                self.first_entry = earliest
        # no gap between consecutive entries can be longer than the batch's span
        if latest - earliest > stale_after or (
            previous is not None and times[0] - previous > stale_after
        ):
            for when in times:
                if previous is not None and when - previous > stale_after:
                    keep_gap(self._gaps, previous, when)
                previous = when
        self._previous = times[-1]
        logged = list(itertools.compress(times, map(self.logged_codes.__contains__, codes)))
        if logged and (self.last_log_ok is None or max(logged) > self.last_log_ok):
            self.last_log_ok = max(logged)

    def _count_shown(
        self, entries: Sequence[LogEntry], predictions: Sequence[Prediction], statuses: list[str]
    ) -> None:
        """Count the mismatches in their groups; keep the first entries as the sample."""
        sample, room = self.sample, SAMPLE_ENTRIES - len(self.sample)
        # the mismatches found in C: a batch holds a few at most
        shown: Iterable[int] = itertools.compress(itertools.count(), map(_DISAGREES, statuses))
        if room > 0:
            shown = sorted({*range(min(room, len(entries))), *shown})
        for i in shown:
            prediction = predictions[i]
            row = self._rows.row(entries[i], prediction)
            if statuses[i] == "disagree":
                count_mismatch(
                    self.groups, self.by_kind, row, prediction.cause_kind, self.max_groups
                )
            if len(sample) < SAMPLE_ENTRIES:
                sample.append(row)

    def add(self, entry: LogEntry, prediction: Prediction) -> None:
        """Count one entry."""
        self._count([entry], [prediction], "none")

    def _count_lookalikes(self, entries: Sequence[LogEntry]) -> None:
        """Count the entries where a party's domain imitates the organisation's (a warning):
        each entry once, for its first such party (From, then To, then Cc)."""
        for _, _, _, _, sender, to, cc, _, _, _, _ in entries:
            hit = None if sender is None else self._lookalike(sender)
            if hit is None and to:
                for address in to:
                    hit = self._lookalike(address)
                    if hit is not None:
                        break
            if hit is None and cc:
                for address in cc:
                    hit = self._lookalike(address)
                    if hit is not None:
                        break
            if hit is not None:
                self.lookalike_entries += 1
                _, count = self.lookalikes.get(hit.domain, (hit, 0))
                self.lookalikes[hit.domain] = (hit, count + 1)

    def _lookalike(self, address: str) -> Lookalike | None:
        """The look-alike finding of ``address``'s domain, or None: the directory's facts of
        the domain (remembered: the deriver has just asked them of the same entries)."""
        domain = address[address.rfind("@") + 1 :]  # rpartition("@")[2], one string made
        known = self._domains.get(domain)
        return (self.directory.domain_facts(domain) if known is None else known)[2]

    def reject(self, rejected: RejectedEntry) -> dict[str, Any]:
        """Count one entry that could not be parsed; its row for JSON output."""
        self.rejected_count += 1
        row = self._rows.rejected(rejected)
        if len(self.rejected) < MAX_REJECTED_KEPT:
            self.rejected.append(row)
        self.rejections.add(
            RejectedEntry(row["line"], row["reason"], row["excerpt"], row.get("log"))
        )
        return row

    # --- the counts --------------------------------------------------------------------

    def _counts(self) -> Counts:
        """Every count, summed from the tallies once per number of entries counted."""
        if self._summed is None or self._summed[0] != self.total:
            self._summed = (self.total, sum_tallies(self._tally, self._day_tally))
        return self._summed[1]

    @property
    def status(self) -> Counter[str]:
        """Entries by status (every status present)."""
        return self._counts().status

    @property
    def by_outcome(self) -> Counter[str]:
        """Entries by logged code."""
        return self._counts().by_outcome

    @property
    def matrix(self) -> Counter[tuple[str, str]]:
        """Entries by (predicted, logged)."""
        return self._counts().matrix

    @property
    def by_user(self) -> dict[str, Counter[str]]:
        """Logged codes by the user an entry concerns."""
        return self._counts().by_user

    @property
    def by_day(self) -> dict[str, Counter[str]]:
        """Logged codes by day (UTC), days in order."""
        return self._counts().by_day

    def _users_of(self, entries: Sequence[LogEntry]) -> list[str | None]:
        """The user each entry concerns, by account name where the configuration knows it.

        One loop a batch with its look-ups in local names, rather than a call an entry.
        """
        owners, redactor = self.directory.owners, self.redactor
        users: list[str | None] = []
        for _, _, _, _, sender, to, cc, _, user, _, _ in entries:
            if user:
                address = normalise(user) or user.strip().lower()
                owner = owner_in(owners, address)
                if owner is None:
                    users.append(redactor.address(address) if redactor else user.strip())
                    continue
            else:
                owner = None if sender is None else owner_in(owners, sender)
                if owner is None:
                    for address in (to or ()) + (cc or ()):
                        owner = owner_in(owners, address)
                        if owner is not None and owner.active:
                            break
                    else:
                        users.append(None)
                        continue
            users.append(redactor.name(owner.name) if redactor else owner.name)
        return users

    # --- results -------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """Are any emails logging: the last entries, the alerts, past gaps in the log."""
        address = self.config.alert_address
        if address and self.redactor:
            address = self.redactor.address(address)
        return health_report(
            self.config,
            self.as_of,
            self.stale_after,
            self.rhythm,
            self.first_entry,
            self.last_entry,
            self.last_log_ok,
            self._gaps,
            address,
        )

    @property
    def rhythm(self) -> Rhythm:
        """The busy hours health is judged by: given, or learned from the entries read."""
        if self.given_rhythm is not None:
            return self.given_rhythm
        dates = {day for day, _ in self._day_tally}
        return learn(self._hour_counts, dates, self.first_entry, self.last_entry)

    def aggregates(self) -> dict[str, Any]:
        """Every count of the diagnosis (the JSON report without its entry rows)."""
        codes = codes_seen(self._counts(), self.logged_codes)
        groups = ordered_groups(self.groups)
        return {
            "total": self.total,
            "agree": self.status["agree"],
            "disagree": self.status["disagree"],
            "undetermined": self.status["undetermined"],
            "rejected_count": self.rejected_count,
            "rejected_groups": self.rejections.to_list(),
            "health": self.health(),
            "warnings": {"LOOKALIKE_DOMAIN": self.lookalike_entries},
            "lookalikes": self._lookalike_rows(),
            "by_outcome": {c: self.by_outcome[c] for c in codes if self.by_outcome[c]},
            "by_day": {day: ordered(self.by_day[day], codes) for day in sorted(self.by_day)},
            "by_user": {
                user: ordered(counts, codes)
                for user, counts in sorted(
                    self.by_user.items(), key=lambda item: (-sum(item[1].values()), item[0])
                )
            },
            "matrix": [
                {"predicted": p, "logged": logged, "count": n}
                for (p, logged), n in sorted(
                    self.matrix.items(), key=lambda item: matrix_order(item, codes)
                )
            ],
            "mismatches": {"by_kind": dict(self.by_kind.most_common()), "groups": groups},
        }

    def _lookalike_rows(self) -> list[dict[str, Any]]:
        """The look-alike domains seen, most entries first (only counted when redacting)."""
        if self.redactor:
            return []
        found = sorted(self.lookalikes.values(), key=lambda item: (-item[1], item[0].domain))
        return [
            {
                "code": "LOOKALIKE_DOMAIN",
                "domain": hit.domain,
                "imitates": hit.imitates,
                "message": hit.message,
                "entries": n,
            }
            for hit, n in found
        ]

    def summary(self) -> dict[str, Any]:
        """Aggregates plus what reports show of the entries: the sample and rejected rows."""
        out = self.aggregates()
        out["codes"] = codes_seen(self._counts(), self.logged_codes)
        out["predicted_codes"] = predicted_codes(self._counts(), out["codes"])
        grid: dict[str, dict[str, int]] = {}
        for (predicted, logged), n in self.matrix.items():
            grid.setdefault(predicted, {})[logged] = n
        out["grid"] = grid
        out["days"] = days_shown(self.by_day, self.as_of)
        out["day_totals"] = {
            day: sum(self.by_day[day].values()) if day in self.by_day else 0 for day in out["days"]
        }
        out["rejected"] = list(self.rejected)
        out["rejected_shown"] = len(self.rejected)
        out["sample"] = list(self.sample) if self.total <= SAMPLE_ENTRIES else []
        return out
