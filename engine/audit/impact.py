"""The impact of a change: which emails of a corpus change outcome, and why.

The corpus is judged twice, in order, by an old and a new setup (a
configuration and a rule pack each); both packs are compiled side by side
into their own durable_rules rulesets. For every email whose outcome
changed, the reason is worked out from the two verdicts: which facts
changed (a configuration edit), whether the old deciding rule stopped
matching or was removed, or whether another rule now comes first (a
priority change).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whynolog.engine.base.errors import InputError, Position
from whynolog.engine.decide.rulepack import RulePack
from whynolog.engine.decide.setup import Setup
from whynolog.engine.decide.verdict import Verdict
from whynolog.engine.facts.derive import FACTS
from whynolog.engine.facts.phrases import stated
from whynolog.engine.read.emails import Email

EMAIL_SUFFIXES = (".yaml", ".yml", ".json", ".eml", ".mbox", ".mbx")
CORPUS_KINDS = ("auto", "emails", "log")


@dataclass(frozen=True)
class Corpus:
    """Emails to compare on, and the log entries that could not become emails."""

    path: str
    kind: str  # emails | log
    emails: tuple[Email, ...]
    skipped: tuple[tuple[Position, str], ...] = ()


def corpus_kind(path: str) -> str:
    """``emails`` for a folder or an email file, else ``log`` (text, CSV, JSON Lines)."""
    target = Path(path)
    if target.is_dir() or target.suffix.lower() in EMAIL_SUFFIXES:
        return "emails"
    return "log"


def load_corpus(
    path: str, kind: str = "auto", known_codes: Collection[str] | None = None
) -> Corpus:
    """Read a corpus: an emails file, a folder of ``.eml``, or an admin log's entries.

    Log entries become emails when they recorded a sender and a recipient;
    the others are listed as skipped, never dropped silently. ``known_codes``:
    the outcome codes a log may hold (those of the rule packs compared).
    """
    if kind not in CORPUS_KINDS:
        raise ValueError(f"unknown corpus kind {kind!r}")
    if not Path(path).exists():
        raise InputError(path, "no such file or folder")
    if kind == "auto":
        kind = corpus_kind(path)
    if kind == "emails":
        from whynolog.engine.read.emails import load_emails

        return Corpus(path, kind, tuple(load_emails(path)))
    from whynolog.engine.read.adminlog import RejectedEntry, read_log

    emails: list[Email] = []
    skipped: list[tuple[Position, str]] = []
    for entry in read_log(path, None, known_codes):
        where = Position(path, entry.line, 1)
        if isinstance(entry, RejectedEntry):
            skipped.append((where, entry.reason))
        elif not entry.sender or not (entry.to or entry.cc):
            skipped.append((where, "participants not recorded"))
        else:
            emails.append(
                Email(
                    sender=entry.sender,
                    to=entry.to or (),
                    cc=entry.cc or (),
                    subject=entry.subject,
                    message_id=entry.message_id,
                    sender_display=entry.sender,
                    source=where,
                )
            )
    return Corpus(path, kind, tuple(emails), tuple(skipped))


@dataclass(frozen=True)
class Change:
    """One email judged differently by the old and the new setup."""

    index: int
    subject: str
    source: str
    old: str
    new: str
    old_rule: str | None
    new_rule: str | None
    reason: str  # why it changed
    reasons: tuple[str, ...]  # the new verdict's explanation
    old_reasons: tuple[str, ...] = ()
    remedy: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "subject": self.subject,
            "source": self.source,
            "old": self.old,
            "new": self.new,
            "old_rule": self.old_rule,
            "new_rule": self.new_rule,
            "reason": self.reason,
            "reasons": list(self.reasons),
            "old_reasons": list(self.old_reasons),
            "remedy": self.remedy,
        }


@dataclass(frozen=True)
class Impact:
    """What changed between two setups over one corpus."""

    total: int
    changed: tuple[Change, ...]  # the outcome changed
    rule_changed: tuple[Change, ...]  # same outcome, another deciding rule
    matrix: dict[str, dict[str, int]] = field(default_factory=dict)  # old -> new -> count
    outcomes: tuple[str, ...] = ()  # codes in the matrix, in rule order
    old: str = ""
    new: str = ""
    corpus: str = ""
    skipped: tuple[tuple[Position, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "changed": [c.to_dict() for c in self.changed],
            "rule_changed": [c.to_dict() for c in self.rule_changed],
            "matrix": {o: dict(n) for o, n in self.matrix.items()},
            "outcomes": list(self.outcomes),
            "old": self.old,
            "new": self.new,
            "corpus": self.corpus,
            "skipped": [{"file": p.path, "line": p.line, "reason": r} for p, r in self.skipped],
        }


Judged = tuple[str, str, "Change | None"]
"""One email's old outcome, new outcome, and what changed (None when nothing did)."""


def compare(
    emails: Sequence[Email],
    old: Setup,
    new: Setup,
    corpus: str = "",
    skipped: tuple[tuple[Position, str], ...] = (),
    jobs: int = 1,
) -> Impact:
    """Judge ``emails`` in order with both setups and collect what changed.

    With ``jobs`` > 1 a large corpus is judged by that many worker processes,
    with the same result.
    """
    if jobs > 1:
        from whynolog.engine.audit.parallel import judge_corpus

        results: Iterable[Judged] = judge_corpus(emails, old, new, jobs)
    else:
        results = judge_all(emails, old, new)
    pairs: Counter[tuple[str, str]] = Counter()
    changed: list[Change] = []
    rule_changed: list[Change] = []
    total = 0
    for before, after, change in results:
        total += 1
        pairs[(before, after)] += 1
        if change is not None:
            (changed if before != after else rule_changed).append(change)
    order = [*old.pack.outcomes, *new.pack.outcomes, *sorted({o for p in pairs for o in p})]
    seen = {o for p in pairs for o in p}
    outcomes = tuple(o for o in dict.fromkeys(order) if o in seen)
    matrix: dict[str, dict[str, int]] = {}
    for a in outcomes:
        row = {b: pairs[(a, b)] for b in outcomes if pairs[(a, b)]}
        if row:
            matrix[a] = row
    return Impact(
        total,
        tuple(changed),
        tuple(rule_changed),
        matrix,
        outcomes,
        old.label,
        new.label,
        corpus,
        skipped,
    )


class PairJudge:
    """The old and the new setup's judges, judging emails in order."""

    def __init__(self, old: Setup, new: Setup) -> None:
        from whynolog.engine.decide.judge import Judge

        self.old, self.new = old, new
        self.old_judge = Judge(old.config, old.pack)
        self.new_judge = Judge(new.config, new.pack)

    def judge(self, index: int, email: Email) -> Judged:
        """Both outcomes of one email, and the change when the outcome or the rule differs."""
        before = self.old_judge.judge(email, index, explain=False)
        after = self.new_judge.judge(email, index, explain=False)
        change = None
        if before.outcome != after.outcome or before.rule != after.rule:
            change = Change(
                index=index,
                subject=email.subject,
                source=str(email.source),
                old=before.outcome,
                new=after.outcome,
                old_rule=before.rule,
                new_rule=after.rule,
                reason=why_changed(
                    before,
                    after,
                    self.old.pack,
                    self.new.pack,
                    self.new_judge.deriver.derive(email).details,
                ),
                reasons=after.reasons,
                old_reasons=before.reasons,
                remedy=after.remedy,
            )
        return before.outcome, after.outcome, change


def judge_all(emails: Iterable[Email], old: Setup, new: Setup) -> Iterator[Judged]:
    """Every email of the corpus judged by both setups, in order."""
    judges = PairJudge(old, new)
    for index, email in enumerate(emails):
        yield judges.judge(index, email)


def why_changed(
    before: Verdict,
    after: Verdict,
    old: RulePack,
    new: RulePack,
    details: dict[str, Any] | None = None,
) -> str:
    """Why the new setup decides differently, in plain words: what is now true of the email
    (naming whom it concerns, from the new ``details``), and what became of the rule."""
    parts = []
    tested = {
        c.fact
        for pack, rule_id in ((old, before.rule), (new, after.rule), (new, before.rule))
        if rule_id and rule_id in {r.id for r in pack.rules}
        for c in pack.rule(rule_id).conditions
    }
    changed = [k for k, v in after.facts.items() if before.facts.get(k) != v]
    shown = [k for k in changed if k in tested] or changed
    if shown:
        parts.append(
            "now "
            + "; and ".join(
                f"{stated(k, after.facts[k], details)} (before: {FACTS[k].says(before.facts[k])})"
                for k in shown
                if k in before.facts
            )
        )
    old_ids = {r.id for r in old.rules}
    new_ids = {r.id for r in new.rules}
    if before.rule and before.rule != after.rule:
        if before.rule not in new_ids:
            parts.append(f"rule {before.rule} is not in the new pack")
        elif before.rule in after.also_matched and after.rule is not None:
            first, other = new.rule(after.rule), new.rule(before.rule)
            was = ""
            if after.rule in old_ids and old.rule(after.rule).priority != first.priority:
                was = f", was {old.rule(after.rule).priority}"
            parts.append(
                f"rule {first.id} (priority {first.priority}{was}) now comes before "
                f"{other.id} (priority {other.priority})"
            )
        else:
            failed = [
                c.plain()
                for c in new.rule(before.rule).conditions
                if not c.holds(after.facts) and c.fact not in shown
            ]
            needs = f" (it needs: {'; '.join(failed)})" if failed else ""
            parts.append(f"so rule {before.rule} no longer applies{needs}")
    elif before.rule and before.rule == after.rule:
        parts.append(f"rule {after.rule} now gives {after.outcome} (was {before.outcome})")
    if before.rule is None:
        parts.append("no rule of the old pack applied")
    if after.rule and after.rule not in old_ids:
        parts.append(f"rule {after.rule} is new")
    if after.rule is None:
        parts.append("no rule of the new pack applies")
    return "; ".join(parts)
