"""Predicted against logged: what the configuration says an admin-log entry should show.

Admin logs often record only the time and subject. The facts the log does
not record are *unknown*, and the prediction is the set of outcomes the
engine gives over every consistent value of them:

- unknown participants (no From, or no To/Cc) leave several outcomes
  possible: an entry whose logged code is among them is ``undetermined``;
- the body and Message-ID-less copies are never recorded: they can explain a
  logged ``NOLOG_CONTENT`` or ``NOLOG_DUPLICATE`` (``undetermined``) but do
  not make every other entry uncertain;
- a logged code that no consistent value allows is ``disagree``, and the
  engine is asked which facts would have to differ to give it (a
  configuration that differs from the live one), or, when no change of the
  facts gives it, that the live rules differ from this pack.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mypy_extensions import mypyc_attr

from whynolog.engine.audit.outcomes import Changes, Getter, OutcomeSearch
from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.rulepack import RulePack
from whynolog.engine.decide.verdict import Verdict
from whynolog.engine.facts.derive import (
    DATE,
    FACTS,
    MESSAGE_ID,
    RECIPIENTS,
    SENDER,
    unknown_facts,
)
from whynolog.engine.facts.phrases import change
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry
from whynolog.engine.read.config import Config
from whynolog.engine.read.emails import Email

_UNKNOWN = {  # (sender, recipients, Message-ID not recorded) → the facts the entry cannot tell
    (sender, recipients, message_id): unknown_facts(
        frozenset(
            {DATE}  # an entry's time is when the email was processed, not the email's date
            | ({SENDER} if sender else set())
            | ({RECIPIENTS} if recipients else set())
            | ({MESSAGE_ID} if message_id else set())
        )
    )
    for sender, recipients, message_id in itertools.product((False, True), repeat=3)
}
MAX_MEMO = 16_384  # remembered predictions; the memo is emptied when full (flat memory)

MAX_NAMED = 4_096  # causes said in words for an entry's people, remembered


@mypyc_attr(native_class=False)  # a plain dataclass: pickled, replaced
@dataclass(frozen=True)
class Prediction:
    """The configuration's view of one logged entry."""

    outcome: str | None
    possible: tuple[str, ...]
    rule: str | None
    status: str  # agree | disagree | undetermined
    causes: tuple[str, ...] = ()
    cause_kind: str | None = None  # configuration | rule-pack
    verdict: Verdict | None = None
    changes: tuple[Changes, ...] = field(default=(), compare=False)  # what ``causes`` say

    def to_dict(self) -> dict[str, Any]:
        return {
            "predicted": self.outcome if self.outcome is not None else "undetermined",
            "possible": list(self.possible),
            "rule": self.rule,
            "status": self.status,
            "causes": list(self.causes),
            "cause_kind": self.cause_kind,
            "verdict": self.verdict.to_dict() if self.verdict else None,
        }


class Predictor:
    """Predicts admin-log entries in log order against one configuration and pack."""

    def __init__(
        self, config: Config, pack: RulePack, engine: RuleEngine | None = None, memoise: bool = True
    ) -> None:
        self.config = config
        self.memoise = memoise
        self._predictions: dict[Any, Prediction] = {}
        self.pack = pack
        self.judge = Judge(config, pack, engine or RuleEngine(pack, memoise, kept=True))
        self.engine = self.judge.engine
        self.deriver = self.judge.deriver
        self._nobody = self.deriver.parties(None, ())
        self._nobody_values: dict[tuple[int, bool, bool], tuple[Any, ...]] = {}
        self.search = OutcomeSearch(pack, self.engine)
        self.body_filters = self.deriver.filters.may_hit_unknown_body()
        self.logged_ids: set[str] = set()
        self.logged_codes = pack.logged_codes
        self._named: dict[Any, tuple[str, ...]] = {}
        self._hits = self.deriver.filters.logged_memo  # subject → its filter hits
        # What an entry records → (the facts it cannot tell, the getter of its memo key's values):
        # one probe an entry for both.
        self._situations: dict[tuple[bool, bool, bool], tuple[frozenset[str], Getter]] = {
            flags: (unknown, self.search.value_getter(unknown))
            for flags, unknown in _UNKNOWN.items()
        }

    def email_of(self, entry: LogEntry) -> Email:
        """The email as far as the entry recorded it (the body is never recorded)."""
        return Email(
            sender=entry.sender,
            to=entry.to or (),
            cc=entry.cc or (),
            bcc=entry.bcc or (),
            subject=entry.subject,
            message_id=entry.message_id,
        )

    def predict(self, entry: LogEntry, explain: bool = False) -> Prediction:
        """The prediction for ``entry``; with ``explain`` also the engine's full verdict."""
        prediction = self.predict_batch((entry,), explain)[0]
        assert prediction is not None  # an entry, not a rejected one
        return prediction

    def predict_batch(
        self, items: Sequence[LogEntry | RejectedEntry], explain: bool = False
    ) -> list[Prediction | None]:
        """:meth:`predict` of each item in log order (``None`` for a rejected one).

        A prediction depends only on the known facts the rules test, what is
        unknown, whether a Message-ID was recorded and the logged code, so
        entries alike in those share one result. One loop with the predictor's
        state in local names: a call and its look-ups an entry were a tenth of a long log's
        predicting.
        """
        deriver = self.deriver
        parties_of, values_of = deriver.parties, deriver.values_of
        hits_of, situations, logged_ids = self._hits, self._situations, self.logged_ids
        memo, logged_codes = self._predictions, self.logged_codes
        remember = self.memoise and not explain
        out: list[Prediction | None] = []
        for item in items:
            if isinstance(item, RejectedEntry):
                out.append(None)
                continue
            _, _, subject, logged, sender, to, cc, message_id, _, bcc, _ = item
            mid = message_id.strip().lower() if message_id else None
            hits = hits_of.get(subject)  # the filters' own memo, without a call per entry
            if hits is None:
                hits = deriver.filters.logged_hits(subject)
            nobody = to is None and cc is None and bcc is None
            unknown, getter = situations[sender is None, nobody, mid is None]
            duplicate = mid in logged_ids
            if nobody and sender is None:  # a subject-only entry
                # its facts depend only on these three: remembered, not derived again (30%)
                facts = (len(hits), duplicate, mid is not None)
                values = self._nobody_values.get(facts)
                if values is None:
                    values = self._nobody_values[facts] = values_of(self._nobody, *facts, False)
            else:
                parties = parties_of(sender, to or (), cc or (), bcc or ())
                # has_date: never known from a log
                values = values_of(parties, len(hits), duplicate, mid is not None, False)
            if not remember:
                vector = dict(zip(FACTS, values, strict=True))
                prediction = self._predict(item, vector, unknown, mid, explain)
            else:
                key = (getter(values), unknown, mid is not None, logged)
                found = memo.get(key)
                if found is None:
                    vector = dict(zip(FACTS, values, strict=True))
                    prediction = self._predict(item, vector, unknown, mid, explain)
                    if len(memo) >= MAX_MEMO:
                        memo.clear()  # bounded memory on long logs
                    memo[key] = prediction
                else:
                    prediction = found
            if prediction.changes:
                prediction = self._name_causes(item, prediction, hits, mid)
            if mid is not None and logged in logged_codes:
                logged_ids.add(mid)
            out.append(prediction)
        return out

    def _name_causes(
        self, entry: LogEntry, prediction: Prediction, hits: tuple[int, ...], mid: str | None
    ) -> Prediction:
        """The prediction with its causes said for this entry's people, filters and day."""
        day = entry.time.date().isoformat()
        key = (prediction.changes, entry.sender, entry.to, entry.cc, hits, day)
        causes = self._named.get(key)
        if causes is None:
            details = self.deriver.derive(
                self.email_of(entry), duplicate=mid in self.logged_ids, hits=hits
            ).details
            causes = tuple(
                " and ".join(change(f, was, would, details, day) for f, was, would in changes)
                for changes in prediction.changes
            )
            if len(self._named) >= MAX_NAMED:
                self._named.clear()
            self._named[key] = causes
        return replace(prediction, causes=causes)

    def note(self, entry: LogEntry) -> None:
        """Count an entry that is not predicted: when it logged, its later copies are
        duplicates."""
        mid = entry.message_id
        if entry.outcome in self.logged_codes and mid and mid.strip():
            self.logged_ids.add(mid.strip().lower())

    def _predict(
        self,
        entry: LogEntry,
        vector: dict[str, Any],
        unknown: frozenset[str],
        mid: str | None,
        explain: bool,
    ) -> Prediction:
        search = self.search
        possible = search.outcomes(vector, unknown, ())
        hidden_variants = self._hidden_variants(vector, mid is not None)
        logged = entry.outcome
        if logged in possible:
            status = "agree" if len(possible) == 1 else "undetermined"
        elif hidden_variants and logged in search.outcomes(vector, unknown, hidden_variants):
            status = "undetermined"
            possible = (*possible, logged)
        else:
            status = "disagree"
        causes: tuple[Any, ...] = ()
        kind = None
        if status == "disagree":
            causes, kind = search.causes(vector, unknown, logged)
        changes: tuple[Changes, ...] = ()
        if kind == "configuration":
            changes, causes = causes, ()  # said in words per entry (see _name_causes)
        outcome = possible[0] if len(possible) == 1 else None
        rule = None
        blind = unknown & search.mentioned  # unknown facts that matter to the rules
        if outcome is not None and not blind:
            rule = self.engine.decide(vector)
        verdict = None
        if explain and not blind:
            self.judge.logged = {("message-id", m) for m in self.logged_ids}
            verdict = self.judge.judge(self.email_of(entry))
        return Prediction(outcome, possible, rule, status, causes, kind, verdict, changes)

    def _hidden_variants(
        self, vector: dict[str, Any], duplicate_known: bool
    ) -> tuple[tuple[str, Any], ...]:
        """Fact values the log can never show: a body-filter hit, a copy without Message-ID."""
        variants: list[tuple[str, Any]] = []
        if self.body_filters:
            variants.append(("content_filter_hits", vector["content_filter_hits"] + 1))
        if not duplicate_known and not vector["duplicate"]:
            variants.append(("duplicate", True))
        return tuple(variants)
