"""Judging emails: derive facts, let durable_rules decide, explain the decision."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.rulepack import Rule, RulePack
from whynolog.engine.decide.templates import RuleTemplates
from whynolog.engine.decide.verdict import UNDECIDED, TraceStep, Verdict, VerdictWarning
from whynolog.engine.facts.derive import FactDeriver, duplicate_key
from whynolog.engine.facts.phrases import stated
from whynolog.engine.read.config import Config
from whynolog.engine.read.emails import Email


class Judge:
    """Judges emails in order against one configuration and rule pack.

    Emails are judged in order because duplicates arise that way: a later
    copy of an email that logged is a duplicate. ``history`` holds the
    duplicate keys of emails that logged before this run (from an admin log).
    """

    def __init__(
        self,
        config: Config,
        pack: RulePack,
        engine: RuleEngine | None = None,
        history: Iterable[tuple[Any, ...]] = (),
    ) -> None:
        self.config = config
        self.pack = pack
        self.engine = engine or RuleEngine.shared(pack)
        self.deriver = FactDeriver(config)
        self.logged: set[tuple[Any, ...]] = set(history)
        self.templates = RuleTemplates.of(pack)

    def judge(self, email: Email, index: int = 0, explain: bool = True) -> Verdict:
        """The verdict for ``email``; with ``explain`` also the verified fix."""
        key = duplicate_key(email)
        derived = self.deriver.derive(email, duplicate=key is not None and key in self.logged)
        fired = self.engine.matches(derived.vector)
        rule = self.pack.rule(fired[0]) if fired else None
        outcome = rule.outcome if rule else UNDECIDED
        if key is not None and outcome in self.pack.logged_codes:
            self.logged.add(key)
        warnings = tuple(
            VerdictWarning("LOOKALIKE_DOMAIN", found.message)
            for found in self.deriver.lookalikes(email)
        )
        if rule is None:
            return Verdict(
                index,
                email,
                outcome,
                None,
                ("no rule of the pack matched these facts",),
                "Add a catch-all rule (when: {}) to the rule pack.",
                facts=derived.vector,
                warnings=warnings,
            )
        context = self.templates.context(derived.vector, derived.details)
        reasons = tuple(self.templates.lines(rule, "explain", context))
        remedy = " ".join(self.templates.lines(rule, "remedy", context))
        fix = None
        target = self.pack.logged_code
        if explain and target is not None and outcome not in self.pack.logged_codes:
            # The fix search's modules load with the first email that needs one, not at start.
            from whynolog.engine.decide.remedies import find_fix

            fix = find_fix(
                self.deriver,
                self.engine,
                email,
                derived.vector["duplicate"],
                target,
                derived=derived,
            )
        return Verdict(
            index=index,
            email=email,
            outcome=outcome,
            rule=rule.id,
            reasons=reasons,
            remedy=remedy,
            also_matched=fired[1:],
            trace=trace(rule, derived.vector, derived.details),
            facts=derived.vector,
            fix=fix,
            warnings=warnings,
        )

    def judge_all(self, emails: Iterable[Email], explain: bool = True) -> Iterator[Verdict]:
        """Verdicts for ``emails`` in order."""
        for index, email in enumerate(emails):
            yield self.judge(email, index, explain)


def trace(
    rule: Rule, vector: dict[str, Any], details: dict[str, Any] | None = None
) -> tuple[TraceStep, ...]:
    """Each condition of ``rule`` with the fact's value and whether it held, also in plain
    words naming whom the fact concerns."""
    return tuple(
        TraceStep(
            c.describe(),
            c.fact,
            vector.get(c.fact),
            c.holds(vector),
            c.plain(),
            stated(c.fact, vector.get(c.fact), details),
        )
        for c in rule.conditions
    )
