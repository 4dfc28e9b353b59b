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
import hashlib
import heapq
import hmac
import itertools
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from whynolog.engine.audit.prediction import Prediction, Predictor
from whynolog.engine.audit.rhythm import Rhythm, learn
from whynolog.engine.base.yamlio import dump_json_line
from whynolog.engine.decide.rulepack import RulePack, load_rule_pack
from whynolog.engine.facts.directory import Directory
from whynolog.engine.read.addresses import normalise
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry
from whynolog.engine.read.config import Config
from whynolog.engine.read.lookalikes import Lookalike
from whynolog.engine.read.rejections import Rejections

UTC = dt.timezone.utc
DEFAULT_STALE_AFTER = dt.timedelta(hours=24)
NO_RECENT_LOGGING = "NO_RECENT_LOGGING"
CREDENTIALS_INVALID = "CREDENTIALS_INVALID"
STATUSES = ("agree", "disagree", "undetermined")
UNDETERMINED = "undetermined"  # the matrix row of entries with several possible outcomes

MAX_GROUPS = 2_000
"""Distinct mismatch groups itemised; further ones are counted together."""
EXAMPLES_PER_GROUP = 5
MAX_USERS = 10_000
"""Distinct users counted by name; further ones are counted as ``(other)``."""
MAX_REJECTED_KEPT = 1_000
"""Rejected entries kept for the summary (all are counted, and streamed to JSON)."""
BATCH = 256
"""Entries read, predicted and counted together (memory: a batch of entries)."""
RowForm = Literal["dict", "json", "none"]
MAX_TAILS = 4_096
"""JSON texts of predictions remembered for :meth:`Diagnosis.row_json`."""
SAMPLE_ENTRIES = 100
"""Entries kept for reports of small logs."""
MAX_GAPS = 5
MAX_GAP_CANDIDATES = 4096
"""Gaps kept while reading: the log's rhythm, known only at the end, picks those shown."""
MAX_LOOKALIKE_MEMO = 65_536
"""Addresses whose look-alike answer is remembered (then forgotten at once: bounded memory)."""
_UNSEEN: Any = object()
MAX_DAYS_SHOWN = 400
"""Reports show at most the last MAX_DAYS_SHOWN days day by day."""
MAX_DAYS_AFTER = 60
"""Days without entries before ``as_of`` are shown when there are at most this many."""

_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(w|d|h|m|s)\s*", re.IGNORECASE)
_UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_SPLIT = re.compile(r"""([\s<>,;:"'()\[\]{}]+)""")
_ADDRESS_EDGES = ".!?*`|/\\"
_json_string: Any = json.encoder.encode_basestring  # type: ignore[attr-defined]
"""A string as JSON text, as ``dump_json_line`` writes it (no ASCII escapes)."""


def outcome_meaning(code: str, pack: RulePack | None = None) -> dict[str, str]:
    """What an outcome code means and what usually helps, in plain words: as the rule pack
    (default: the shipped one) declares it."""
    outcome = (pack or load_rule_pack()).outcome(code)
    return {"code": code, "meaning": outcome.meaning, "remedy": outcome.remedy}


def parse_duration(text: str) -> dt.timedelta:
    """``24h``, ``3d``, ``90m``, ``1w``, ``1d12h`` as a duration; ``ValueError`` otherwise."""
    total, pos, stripped = 0.0, 0, text.strip()
    while pos < len(stripped):
        match = _DURATION.match(stripped, pos)
        if match is None:
            break
        total += float(match[1]) * _UNIT[match[2].lower()]
        pos = match.end()
    if not stripped or pos != len(stripped):
        raise ValueError(f"bad duration {text!r}: expected e.g. 24h, 3d, 90m or 1d12h")
    if total <= 0:
        raise ValueError(f"bad duration {text!r}: must be longer than zero")
    return dt.timedelta(seconds=total)


def describe_duration(delta: dt.timedelta) -> str:
    """A duration in words a person reads at a glance: ``3 d 4 h``, ``5 h 12 min``."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else f"{seconds} s"


_SUBJECT_KEYS = frozenset({"subject", "query", "excerpt"})  # excerpts quote subject lines


class Redactor:
    """Stable pseudonyms for addresses and user names, from a keyed hash.

    The same address always gets the same pseudonym under one key, so a
    redacted report still shows that two entries concern the same person. The
    key is random unless given: without the key, a pseudonym cannot be turned
    back into an address by hashing candidate addresses.
    """

    def __init__(
        self, key: bytes | None = None, names: Iterable[str] = (), subjects: bool = False
    ) -> None:
        """``subjects``: replace whole subjects too (they may name people or deals)."""
        self.key = key if key is not None else secrets.token_bytes(32)
        self.subjects = subjects
        self._cache: dict[str, str] = {}
        wanted = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
        self._names: Any = None
        if wanted:
            import re2

            pattern = "|".join(re2.escape(n) for n in wanted)
            self._names = re2.compile(rf"(?i)\b(?:{pattern})\b")

    def _digest(self, kind: str, value: str) -> str:
        mac = hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:10]

    def address(self, address: str) -> str:
        """``alice@acme.com`` → ``user-1a2b3c4d5e@redacted.invalid``."""
        key = address.strip().lower()
        found = self._cache.get(key)
        if found is None:
            found = f"user-{self._digest('address', key)}@redacted.invalid"
            self._cache[key] = found
        return found

    def name(self, name: str) -> str:
        """A person's name → ``person-1a2b3c4d5e``."""
        return f"person-{self._digest('name', name.strip().lower())}"

    def text(self, text: str) -> str:
        """Free text with every address-like word and every known user name replaced."""
        if "@" in text:
            parts = _SPLIT.split(text)
            for i in range(0, len(parts), 2):  # even items are words, odd ones separators
                word = parts[i]
                if "@" in word:
                    parts[i] = self._word(word)
            text = "".join(parts)
        if self._names is not None:
            text = self._names.sub(lambda m: self.name(m.group(0)), text)
        return text

    def subject(self, subject: str) -> str:
        """A subject: its addresses and names replaced, or all of it with ``subjects``."""
        if self.subjects and subject:
            return f"subject-{self._digest('subject', subject.strip())}"
        return self.text(subject)

    def scrub(self, value: Any) -> Any:
        """Plain data (dicts, lists, strings) with every string passed through :meth:`text`,
        and subjects (the values of ``subject`` and ``query``) through :meth:`subject`."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                k: self.subject(v) if k in _SUBJECT_KEYS and isinstance(v, str) else self.scrub(v)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.scrub(v) for v in value]
        return value

    def _word(self, word: str) -> str:
        core = word.strip(_ADDRESS_EDGES)
        local, _, domain = core.rpartition("@")
        if not local or "." not in domain.strip("."):
            return word
        start = word.index(core)
        return word[:start] + self.address(core) + word[start + len(core) :]


@dataclass(frozen=True)
class Alert:
    """A health finding that needs someone to act."""

    code: str
    message: str
    threshold: str = ""  # the limit that was passed, when the alert has one

    def to_dict(self) -> dict[str, str]:
        data = {"code": self.code, "message": self.message}
        if self.threshold:
            data["threshold"] = self.threshold
        return data


def health_alerts(
    config: Config,
    last_entry: dt.datetime | None,
    last_log_ok: dt.datetime | None,
    as_of: dt.datetime,
    stale_after: dt.timedelta,
    alert_address: str | None = None,
    rhythm: Rhythm | None = None,
) -> list[Alert]:
    """ "Are ANY emails logging?": the alerts for a log whose last entries are these.

    ``alert_address`` is the address to name (default: the configuration's),
    so that a redacted report can name a pseudonym.
    """
    address = alert_address if alert_address is not None else config.alert_address
    reminders = (
        f"The integration sends a reminder about a bad password daily to "
        f"{address}: check that mailbox."
        if address
        else "No alert address is configured (integration.alert_address), so nobody "
        "gets the integration's daily reminders about a bad password: set one."
    )
    alerts: list[Alert] = []
    rhythm = rhythm or Rhythm()
    threshold = describe_duration(stale_after)
    if not rhythm.always:
        threshold += f" of the log's busy hours ({rhythm.describe()})"
    stale = last_log_ok is None or rhythm.busy_time(last_log_ok, as_of) > stale_after
    if stale:
        if last_log_ok is None:
            since = (
                "No entry of this log logged."
                if last_entry is not None
                else "The log has no entries at all."
            )
        else:
            since = (
                f"No email has logged since {_when(last_log_ok)}, "
                f"{describe_duration(as_of - last_log_ok)} before {_when(as_of)} "
                f"(threshold {threshold})."
            )
        if last_entry is not None and rhythm.busy_time(last_entry, as_of) > stale_after:
            since += (
                f" No entry at all has been written since {_when(last_entry)}: "
                "nothing is being processed."
            )
        alerts.append(
            Alert(
                NO_RECENT_LOGGING,
                (
                    f"{since} The admin password+token that drives the integration is probably "
                    f"bad (changed or expired): check it and enter it again in the integration's "
                    f"settings. {reminders}"
                ),
                threshold,
            )
        )
    if not config.credentials_valid:
        alerts.append(
            Alert(
                CREDENTIALS_INVALID,
                (
                    f"The configuration says the integration's admin password+token is invalid "
                    f"(integration.credentials: invalid in {config.path}): no email is processed "
                    f"and no admin-log entry is written until it is entered again. {reminders}"
                ),
            )
        )
    return alerts


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


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
        self.max_users = MAX_USERS  # bounds a distributed run lifts in its parts (audit.tally)
        self.max_groups = MAX_GROUPS
        self.total = 0
        # Entries counted by (user, logged, status, predicted) and by (day, logged): every
        # per-outcome, per-user and per-day figure is a sum over these.
        self._tally: dict[tuple[str | None, str, str, str], int] = {}
        self._day_tally: dict[tuple[dt.date, str], int] = {}
        self._users: set[str] = set()
        self._summed: tuple[int, dict[str, Any]] | None = None
        self._tails: dict[tuple[int, str], tuple[Prediction, str]] = {}
        self._hours: dict[int, str] = {}  # for iso_time
        self.by_kind: Counter[str] = Counter()
        self.groups: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.rejected_count = 0
        self.rejected: list[dict[str, Any]] = []
        self.rejections = Rejections()
        self.sample: list[dict[str, Any]] = []
        self.first_entry: dt.datetime | None = None
        self.last_entry: dt.datetime | None = None
        self.last_log_ok: dt.datetime | None = None
        self._previous: dt.datetime | None = None
        self._gaps: list[tuple[float, str, str]] = []  # a min-heap of the longest gaps
        self.given_rhythm = rhythm
        self._hour_counts = [0] * 24  # entries by hour of day, to learn the log's rhythm
        self.lookalike_entries = 0  # entries with a LOOKALIKE_DOMAIN warning
        self.lookalikes: dict[
            str, tuple[Lookalike, int]
        ] = {}  # outside domain → (finding, entries)
        self._lookalike_of: dict[str, Lookalike | None] = {}  # by address: logs repeat people

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
        predict = predictor.predict
        while batch := list(itertools.islice(it, BATCH)):
            predictions = [
                None if isinstance(item, RejectedEntry) else predict(item) for item in batch
            ]
            yield self._count(zip(batch, predictions, strict=True), rows)

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
            yield self._count(batch, rows)

    def _count(
        self, pairs: Iterable[tuple[LogEntry | RejectedEntry, Any]], rows: RowForm
    ) -> list[tuple[str, Any]]:
        add = self.add
        row = {"dict": self.row, "json": self.row_json, "none": _no_row}[rows]
        out: list[tuple[str, Any]] = []
        for item, prediction in pairs:
            if prediction is None:  # a rejected entry
                out.append(("rejected", self.reject(item)))  # type: ignore[arg-type]
            else:
                add(item, prediction)  # type: ignore[arg-type]
                out.append(("entry", row(item, prediction)))  # type: ignore[arg-type]
        return out

    def add(self, entry: LogEntry, prediction: Prediction) -> None:
        """Count one entry."""
        self.total += 1
        _, when, _, code, sender, to, cc, _, _, _ = entry
        if sender is not None or to or cc:
            self._count_lookalikes(sender, to, cc)
        user = self._user_of(entry)
        if user is not None and user not in self._users:
            if len(self._users) >= self.max_users:
                user = "(other)"
            else:
                self._users.add(user)
        status = prediction.status
        key = (user, code, status, prediction.outcome)
        tally = self._tally
        tally[key] = tally.get(key, 0) + 1
        day = (when.date(), code)
        tally = self._day_tally
        tally[day] = tally.get(day, 0) + 1
        self._hour_counts[when.hour] += 1
        # The first and last entries, the last that logged, and the longest gaps.
        previous, self._previous = self._previous, when
        if previous is None:
            self.first_entry = self.last_entry = when
        else:
            if when > self.last_entry:  # type: ignore[operator]
                self.last_entry = when
            elif when < self.first_entry:  # type: ignore[operator]
                self.first_entry = when
            if when - previous > self.stale_after:
                self._gap(previous, when)
        if code in self.logged_codes and (self.last_log_ok is None or when > self.last_log_ok):
            self.last_log_ok = when
        if status == "disagree" or len(self.sample) < SAMPLE_ENTRIES:
            row = self.row(entry, prediction)
            if status == "disagree":
                self._mismatch(row, prediction)
            if len(self.sample) < SAMPLE_ENTRIES:
                self.sample.append(row)

    def _count_lookalikes(
        self, sender: str | None, to: tuple[str, ...] | None, cc: tuple[str, ...] | None
    ) -> None:
        """Count the entry once if a party's domain imitates the organisation's (a warning)."""
        known = self._lookalike_of
        found: Lookalike | None = None
        for address in (sender, *(to or ()), *(cc or ())):
            if address is None:
                continue
            hit = known.get(address, _UNSEEN)
            if hit is _UNSEEN:
                if len(known) >= MAX_LOOKALIKE_MEMO:
                    known.clear()  # bounded memory on long logs
                hit = known[address] = self.directory.lookalikes.of(address.rpartition("@")[2])
            if hit is not None:
                found = hit  # type: ignore[assignment]
                break
        if found is not None:
            self.lookalike_entries += 1
            _, count = self.lookalikes.get(found.domain, (found, 0))
            self.lookalikes[found.domain] = (found, count + 1)

    def reject(self, rejected: RejectedEntry) -> dict[str, Any]:
        """Count one entry that could not be parsed; its row for JSON output."""
        self.rejected_count += 1
        row = {
            "line": rejected.line,
            "reason": self._text(rejected.reason),
            "excerpt": "(hidden: it may hold the subject)"
            if self.redactor and self.redactor.subjects
            else self._text(rejected.excerpt),
        }
        if len(self.rejected) < MAX_REJECTED_KEPT:
            self.rejected.append(row)
        self.rejections.add(RejectedEntry(row["line"], row["reason"], row["excerpt"]))
        return row

    def _text(self, text: str) -> str:
        return self.redactor.text(text) if self.redactor else text

    def row(self, entry: LogEntry, prediction: Prediction) -> dict[str, Any]:
        """An entry's row in the JSON report (redacted when asked)."""
        return {
            "line": entry.line,
            "time": entry.time.isoformat(),
            "subject": self.redactor.subject(entry.subject) if self.redactor else entry.subject,
            **self._verdict(entry.outcome, prediction),
        }

    def row_json(self, entry: LogEntry, prediction: Prediction) -> str:
        """``dump_json_line(row(entry, prediction))``, built from a remembered JSON text
        of the part the entry shares with every entry of the same prediction."""
        line, when, subject, logged, _, _, _, _, _, _ = entry
        key = (id(prediction), logged)
        cached = self._tails.get(key)
        if cached is None or cached[0] is not prediction:
            if len(self._tails) >= MAX_TAILS:
                self._tails.clear()
            cached = (prediction, "," + dump_json_line(self._verdict(logged, prediction))[1:])
            self._tails[key] = cached
        if self.redactor is not None:
            subject = self.redactor.subject(subject)
        return (
            f'{{"line":{line},"time":"{iso_time(when, self._hours)}","subject":'
            f"{_json_string(subject)}{cached[1]}"
        )

    def _verdict(self, logged: str, prediction: Prediction) -> dict[str, Any]:
        return {
            "logged": logged,
            "predicted": prediction.outcome if prediction.outcome is not None else UNDETERMINED,
            "status": prediction.status,
            "possible": list(prediction.possible),
            "rule": prediction.rule,
            "causes": [self._text(c) for c in prediction.causes],
            "cause_kind": prediction.cause_kind,
        }

    # --- the counts --------------------------------------------------------------------

    def _counts(self) -> dict[str, Any]:
        """Every count, summed from the tallies once per number of entries counted."""
        if self._summed is not None and self._summed[0] == self.total:
            return self._summed[1]
        status: Counter[str] = Counter({s: 0 for s in STATUSES})
        by_outcome: Counter[str] = Counter()
        matrix: Counter[tuple[str, str]] = Counter()
        by_user: dict[str, Counter[str]] = {}
        for (user, code, state, outcome), n in self._tally.items():
            status[state] += n
            by_outcome[code] += n
            matrix[(outcome if outcome is not None else UNDETERMINED, code)] += n
            if user is not None:
                by_user.setdefault(user, Counter())[code] += n
        by_day: dict[str, Counter[str]] = {}
        for (day, code), n in sorted(self._day_tally.items()):
            by_day.setdefault(day.isoformat(), Counter())[code] += n
        counts = {
            "status": status,
            "by_outcome": by_outcome,
            "matrix": matrix,
            "by_user": by_user,
            "by_day": by_day,
        }
        self._summed = (self.total, counts)
        return counts

    @property
    def status(self) -> Counter[str]:
        """Entries by status (every status present)."""
        return self._counts()["status"]  # type: ignore[no-any-return]

    @property
    def by_outcome(self) -> Counter[str]:
        """Entries by logged code."""
        return self._counts()["by_outcome"]  # type: ignore[no-any-return]

    @property
    def matrix(self) -> Counter[tuple[str, str]]:
        """Entries by (predicted, logged)."""
        return self._counts()["matrix"]  # type: ignore[no-any-return]

    @property
    def by_user(self) -> dict[str, Counter[str]]:
        """Logged codes by the user an entry concerns."""
        return self._counts()["by_user"]  # type: ignore[no-any-return]

    @property
    def by_day(self) -> dict[str, Counter[str]]:
        """Logged codes by day (UTC), days in order."""
        return self._counts()["by_day"]  # type: ignore[no-any-return]

    def _user_of(self, entry: LogEntry) -> str | None:
        """The user an entry concerns, by account name where the configuration knows it."""
        owner_of = self.directory.owner
        _, _, _, _, sender, to, cc, _, user, _ = entry
        if user:
            address = normalise(user) or user.strip().lower()
            owner = owner_of(address)
            if owner is not None:
                return self._name(owner.name)
            return self.redactor.address(address) if self.redactor else user.strip()
        owner = owner_of(sender)
        if owner is None:
            for address in (to or ()) + (cc or ()):
                owner = owner_of(address)
                if owner is not None and owner.active:
                    break
            else:
                return None
        return self.redactor.name(owner.name) if self.redactor else owner.name

    def _name(self, name: str) -> str:
        return self.redactor.name(name) if self.redactor else name

    def _gap(self, previous: dt.datetime, when: dt.datetime) -> None:
        """Keep a gap between two entries if it is among the longest."""
        gap = ((when - previous).total_seconds(), previous.isoformat(), when.isoformat())
        if len(self._gaps) < MAX_GAP_CANDIDATES:
            heapq.heappush(self._gaps, gap)
        else:
            heapq.heappushpop(self._gaps, gap)

    def _mismatch(self, row: dict[str, Any], prediction: Prediction) -> None:
        kind = prediction.cause_kind or "unknown"
        self.by_kind[kind] += 1
        key: tuple[Any, ...] = (kind, row["logged"], row["predicted"], tuple(row["causes"]))
        group = self.groups.get(key)
        if group is None:
            if len(self.groups) >= self.max_groups:
                key = (kind, row["logged"], row["predicted"], ("(further causes)",))
                group = self.groups.get(key)
            if group is None:
                group = {
                    "kind": kind,
                    "logged": row["logged"],
                    "predicted": row["predicted"],
                    "possible": row["possible"],
                    "causes": list(key[3]),
                    "count": 0,
                    "examples": [],
                }
                self.groups[key] = group
        group["count"] += 1
        if len(group["examples"]) < EXAMPLES_PER_GROUP:
            group["examples"].append(
                {"line": row["line"], "time": row["time"], "subject": row["subject"]}
            )

    # --- results -------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """Are any emails logging: the last entries, the alerts, past gaps in the log."""
        address = self.config.alert_address
        if address and self.redactor:
            address = self.redactor.address(address)
        rhythm = self.rhythm
        alerts = health_alerts(
            self.config,
            self.last_entry,
            self.last_log_ok,
            self.as_of,
            self.stale_after,
            address,
            rhythm,
        )
        # A gap counts only for the busy time it covers: a quiet weekend is no outage.
        busy_gaps = []
        for seconds, start, end in self._gaps:
            busy = rhythm.busy_time(
                dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)
            )
            if busy > self.stale_after:
                busy_gaps.append((busy, seconds, start, end))
        busy_gaps.sort(reverse=True)
        gaps = [
            {
                "start": start,
                "end": end,
                "hours": round(seconds / 3600, 1),
                "duration": describe_duration(dt.timedelta(seconds=seconds)),
                "busy_hours": round(busy.total_seconds() / 3600, 1),
            }
            for busy, seconds, start, end in busy_gaps[:MAX_GAPS]
        ]

        def iso(moment: dt.datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        def age(moment: dt.datetime | None) -> str | None:
            if moment is None:
                return None
            words = describe_duration(self.as_of - moment)
            return f"{words} ago" if moment <= self.as_of else f"{words} after --as-of"

        return {
            "as_of": self.as_of.isoformat(),
            "stale_after": describe_duration(self.stale_after),
            "stale_after_hours": round(self.stale_after.total_seconds() / 3600, 2),
            "rhythm": rhythm.describe(),
            "first_entry": iso(self.first_entry),
            "last_entry": iso(self.last_entry),
            "last_entry_age": age(self.last_entry),
            "last_log_ok": iso(self.last_log_ok),
            "last_log_ok_age": age(self.last_log_ok),
            "alerts": [a.to_dict() for a in alerts],
            "gaps": gaps,
        }

    @property
    def rhythm(self) -> Rhythm:
        """The busy hours health is judged by: given, or learned from the entries read."""
        if self.given_rhythm is not None:
            return self.given_rhythm
        dates = {day for day, _ in self._day_tally}
        return learn(self._hour_counts, dates, self.first_entry, self.last_entry)

    def aggregates(self) -> dict[str, Any]:
        """Every count of the diagnosis (the JSON report without its entry rows)."""
        codes = self._codes()
        groups = sorted(self.groups.values(), key=lambda g: (-g["count"], g["examples"][0]["line"]))
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
            "by_day": {day: _ordered(self.by_day[day], codes) for day in sorted(self.by_day)},
            "by_user": {
                user: _ordered(counts, codes)
                for user, counts in sorted(
                    self.by_user.items(), key=lambda item: (-sum(item[1].values()), item[0])
                )
            },
            "matrix": [
                {"predicted": p, "logged": logged, "count": n}
                for (p, logged), n in sorted(
                    self.matrix.items(), key=lambda item: _matrix_order(item, codes)
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
        out["codes"] = self._codes()
        out["predicted_codes"] = self._predicted_codes(out["codes"])
        grid: dict[str, dict[str, int]] = {}
        for (predicted, logged), n in self.matrix.items():
            grid.setdefault(predicted, {})[logged] = n
        out["grid"] = grid
        out["days"] = self._days()
        out["day_totals"] = {
            day: sum(self.by_day[day].values()) if day in self.by_day else 0 for day in out["days"]
        }
        out["rejected"] = list(self.rejected)
        out["rejected_shown"] = len(self.rejected)
        out["sample"] = list(self.sample) if self.total <= SAMPLE_ENTRIES else []
        return out

    def _days(self) -> list[str]:
        """Every day from the first entry to the last, or to ``as_of`` when that is near.

        Days without entries are included: a stopped integration shows as empty days.
        """
        if not self.by_day:
            return []
        first = dt.date.fromisoformat(min(self.by_day))
        last = dt.date.fromisoformat(max(self.by_day))
        as_of = self.as_of.date()
        if last <= as_of and (as_of - last).days <= MAX_DAYS_AFTER:
            last = as_of
        first = max(first, last - dt.timedelta(days=MAX_DAYS_SHOWN - 1))
        return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]

    def _codes(self) -> list[str]:
        """Outcome codes seen, those that mean the email logged first, then alphabetically."""
        seen = set(self.by_outcome) | {p for p, _ in self.matrix if p != UNDETERMINED}
        return sorted(seen, key=lambda c: (c not in self.logged_codes, c))

    def _predicted_codes(self, codes: list[str]) -> list[str]:
        rows = [c for c in codes if any(p == c for p, _ in self.matrix)]
        if any(p == UNDETERMINED for p, _ in self.matrix):
            rows.append(UNDETERMINED)
        return rows


_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}+00:00" for m in range(60) for s in range(60))


def iso_time(when: dt.datetime, hours: dict[int, str]) -> str:
    """``when.isoformat()``, about twice as fast for whole seconds in UTC (log times).

    ``hours`` remembers each hour's text (``2026-11-20T14:``) between calls.
    """
    if when.tzinfo is not UTC or when.microsecond:
        return when.isoformat()
    hour, second = divmod(int(when.timestamp()), 3600)
    prefix = hours.get(hour)
    if prefix is None:
        if len(hours) >= 100_000:
            hours.clear()
        prefix = hours[hour] = when.isoformat()[:14]
    return prefix + _MINUTES_SECONDS[second]


def _no_row(entry: LogEntry, prediction: Prediction) -> None:
    """The row of an entry when only the counts are wanted."""


def _ordered(counts: Counter[str], codes: list[str]) -> dict[str, int]:
    return {c: counts[c] for c in codes if counts[c]}


def _matrix_order(item: tuple[tuple[str, str], int], codes: list[str]) -> tuple[int, int]:
    (predicted, logged), _ = item
    rank = {c: i for i, c in enumerate(codes)}
    return rank.get(predicted, len(codes)), rank.get(logged, len(codes))
