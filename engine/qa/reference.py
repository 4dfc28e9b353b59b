"""The rule reference of a pack, with examples the engine itself found.

For each rule: its conditions, one fact vector for which it decides and one
for which it does not match, searched by running the pack over consistent
combinations of the facts its rules test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from whynolog.engine.audit.outcomes import CONSTRAINTS
from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.rulepack import RulePack, fact_domains, product_of
from whynolog.engine.facts.derive import FACTS


@dataclass(frozen=True)
class RuleDoc:
    """One rule as the reference shows it."""

    id: str
    priority: int
    outcome: str
    description: str
    conditions: tuple[str, ...]
    decides: dict[str, Any] | None  # facts for which this rule decides (None: never)
    misses: dict[str, Any] | None  # facts for which it does not match (None: always matches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "priority": self.priority,
            "outcome": self.outcome,
            "description": self.description,
            "conditions": list(self.conditions),
            "decides": self.decides,
            "misses": self.misses,
        }


def document(pack: RulePack, engine: RuleEngine | None = None) -> list[RuleDoc]:
    """The reference of every rule of ``pack``, in priority order."""
    engine = engine or RuleEngine(pack)
    tested = sorted({c.fact for r in pack.rules for c in r.conditions})
    domains = fact_domains(pack)
    base = {name: (spec.values[0] if spec.values else 0) for name, spec in FACTS.items()}
    checks = [test for facts, test in CONSTRAINTS if facts <= set(tested)]
    decides: dict[str, dict[str, Any]] = {}
    misses: dict[str, dict[str, Any]] = {}
    for combo in product_of({f: domains[f] for f in tested}):
        vector = {**base, **combo}
        if not all(test(vector) for test in checks):
            continue
        fired = engine.matches(vector)
        if fired:
            decides.setdefault(fired[0], combo)
        for rule in pack.rules:
            if rule.id not in fired:
                misses.setdefault(rule.id, combo)
        if len(decides) == len(pack.rules) and len(misses) == len(pack.rules):
            break
    return [
        RuleDoc(
            r.id,
            r.priority,
            r.outcome,
            r.description,
            tuple(c.describe() for c in r.conditions),
            _relevant(decides.get(r.id), r),
            _relevant(misses.get(r.id), r),
        )
        for r in pack.rules
    ]


def _relevant(vector: dict[str, Any] | None, rule: Any) -> dict[str, Any] | None:
    """The example's facts, the rule's own first (the rest still matter to earlier rules)."""
    if vector is None:
        return None
    own = [c.fact for c in rule.conditions]
    return {**{f: vector[f] for f in own}, **{f: v for f, v in vector.items() if f not in own}}
