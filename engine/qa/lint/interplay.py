"""The rules' interplay, found by running the pack itself.

Every combination of the values of the facts the rules mention is asserted
into durable_rules, and the rules that fire show which rule decides where.
Facts no rule mentions cannot change a decision, so they are held at one value.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from whynolog.engine.base.errors import Position
from whynolog.engine.decide.rulepack import Condition, Rule, RulePack, fact_domains, product_of
from whynolog.engine.qa.lint.problem import Problem

MAX_VECTORS = 50_000
"""More fact combinations than this are not enumerated (about 0.2 ms each)."""


def _domains(pack: RulePack) -> dict[str, tuple[Any, ...]]:
    """The fact values to enumerate: every value of the facts the rules mention.

    Integers only need 0 and each constant a rule compares with and its
    neighbours; facts no rule mentions are held at one value.
    """
    mentioned = {c.fact for r in pack.rules for c in r.conditions}
    domains = {}
    for name, values in fact_domains(pack).items():
        if name not in mentioned:
            domains[name] = values[:1]
            continue
        constants = {
            v
            for r in pack.rules
            for c in r.conditions
            if c.fact == name
            for v in (c.value if c.op == "in" else (c.value,))
        }
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            values = tuple(v for v in values if v == 0 or any(abs(v - k) <= 1 for k in constants))
        domains[name] = values
    return domains


def analyse_pack(pack: RulePack) -> list[Problem]:
    """Contradictory, shadowed and tied rules, and fact combinations no rule decides."""
    from whynolog.engine.decide.inference import RuleEngine

    domains = _domains(pack)
    size = 1
    for values in domains.values():
        size *= len(values)
    first = pack.rules[0].position if pack.rules else Position(pack.path)
    if size > MAX_VECTORS:
        return [
            Problem.at(
                first,
                "analysis-too-large",
                f"{size} combinations of fact values: too many to "
                f"check for shadowed, contradictory or tied rules "
                f"(limit {MAX_VECTORS})",
            )
        ]
    engine = RuleEngine(pack, memoise=False)
    matched: set[str] = set()
    decided: set[str] = set()
    deciders: dict[str, set[str]] = defaultdict(set)  # rule -> who decided when it matched
    together: set[tuple[str, str]] = set()
    undecided: dict[str, Any] | None = None
    rank = {r.id: i for i, r in enumerate(pack.rules)}
    for vector in product_of(domains):
        fired = engine.matches(vector)
        if not fired:
            undecided = undecided or vector
            continue
        decided.add(fired[0])
        matched.update(fired)
        for rule_id in fired[1:]:
            deciders[rule_id].add(fired[0])
        for a in fired:
            for b in fired:
                if rank[a] < rank[b]:
                    together.add((a, b))
    problems = []
    for rule in pack.rules:
        if rule.id not in matched:
            problems.append(_contradiction(rule, domains))
        elif rule.id not in decided:
            before = sorted(deciders[rule.id], key=rank.__getitem__)
            problems.append(
                Problem.at(
                    rule.position,
                    "rule-shadowed",
                    f"rule {rule.id!r} can never decide: whenever it matches, "
                    f"{_rules_phrase(before, pack)} matches first",
                )
            )
    by_priority: dict[int, list[Rule]] = defaultdict(list)
    for rule in pack.rules:
        by_priority[rule.priority].append(rule)
    for priority, rules in by_priority.items():
        for i, earlier in enumerate(rules):
            for later in rules[i + 1 :]:
                if (earlier.id, later.id) in together:
                    problems.append(
                        Problem.at(
                            later.position,
                            "priority-tie",
                            f"rules {earlier.id!r} and {later.id!r} both have priority {priority} "
                            f"and can both match; {earlier.id!r} decides only because it comes "
                            f"first in the pack",
                        )
                    )
    if undecided is not None:
        shown = ", ".join(f"{k}={_show(undecided[k])}" for k in domains if len(domains[k]) > 1)
        problems.append(
            Problem.at(
                Position(pack.path) if Path(pack.path).is_dir() else Position(pack.path, 1, 1),
                "no-catch-all",
                f"no rule matches some emails (e.g. {shown}); they would get no "
                f"outcome: add a catch-all rule (when: {{}})",
            )
        )
    return problems


def _rules_phrase(ids: list[str], pack: RulePack) -> str:
    parts = [f"{i!r} (priority {pack.rule(i).priority})" for i in ids]
    if len(parts) == 1:
        return "rule " + parts[0]
    return "one of rules " + ", ".join(parts[:-1]) + " or " + parts[-1]


def _contradiction(rule: Rule, domains: dict[str, tuple[Any, ...]]) -> Problem:
    """Which fact's conditions of ``rule`` no value satisfies."""
    by_fact: dict[str, list[Condition]] = defaultdict(list)
    for c in rule.conditions:
        by_fact[c.fact].append(c)
    for fact, conditions in by_fact.items():
        if not any(all(c.holds({fact: v}) for c in conditions) for v in domains[fact]):
            tests = " and ".join(c.describe() for c in conditions)
            return Problem.at(
                conditions[0].position,
                "rule-contradictory",
                f"rule {rule.id!r} can never match: no value of {fact} satisfies {tests}",
            )
    tests = " and ".join(c.describe() for c in rule.conditions)
    return Problem.at(
        rule.position,
        "rule-contradictory",
        f"rule {rule.id!r} can never match: no combination of facts satisfies {tests}",
    )


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
