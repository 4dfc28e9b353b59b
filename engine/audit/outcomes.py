"""What the rule engine can give for an admin-log entry whose facts are only partly known:
the outcomes over every consistent value of the unknown facts, and which known facts would
have to differ for it to give the logged code.

Logs repeat the same known facts again and again, so both answers are remembered by the
known values the rules test (a log's distinct situations are few).
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator
from typing import Any

from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.rulepack import RulePack, fact_domains
from whynolog.engine.decide.verdict import UNDECIDED
from whynolog.engine.facts.derive import FACTS

_FACT_INDEX = {name: i for i, name in enumerate(FACTS)}
MAX_CAUSES = 4
Changes = tuple[tuple[str, Any, Any], ...]
"""Facts that would have to differ together: ``(fact, this configuration's value, needed)``."""
Getter = Callable[[Any], tuple[Any, ...]]

# Facts that cannot be combined freely: (facts involved, test on a full vector).
_Constraint = tuple[frozenset[str], Callable[[dict[str, Any]], bool]]
CONSTRAINTS: tuple[_Constraint, ...] = (
    (
        frozenset({"direction", "sender_internal"}),
        lambda v: (v["direction"] == "outbound") == v["sender_internal"],
    ),
    (
        frozenset({"direction", "sender_is_user"}),
        lambda v: not v["sender_is_user"] or v["direction"] == "outbound",
    ),
    (
        frozenset({"direction", "sender_is_active_user"}),
        lambda v: not v["sender_is_active_user"] or v["direction"] == "outbound",
    ),
    (
        frozenset({"sender_is_user", "sender_is_active_user"}),
        lambda v: not v["sender_is_active_user"] or v["sender_is_user"],
    ),
    (
        frozenset({"recipients", "external_recipients"}),
        lambda v: v["external_recipients"] <= v["recipients"],
    ),
    (  # users' addresses are internal: they are never external recipients
        frozenset(
            {"recipients", "external_recipients", "active_users_to_cc", "inactive_users_to_cc"}
        ),
        lambda v: (
            v["external_recipients"] + v["active_users_to_cc"] + v["inactive_users_to_cc"]
            <= v["recipients"]
        ),
    ),
    (
        frozenset({"direction", "all_parties_ignored", "active_users_to_cc"}),
        lambda v: (
            not (
                v["direction"] == "inbound"
                and v["active_users_to_cc"] == 0
                and v["all_parties_ignored"]
            )
        ),
    ),
    (
        frozenset({"direction", "all_parties_ignored", "external_recipients"}),
        lambda v: (
            not (
                v["direction"] == "outbound"
                and v["external_recipients"] == 0
                and v["all_parties_ignored"]
            )
        ),
    ),
    (
        frozenset({"direction", "all_parties_ignored", "sender_is_user"}),
        lambda v: (
            not (
                v["direction"] == "outbound"
                and not v["sender_is_user"]
                and v["all_parties_ignored"]
            )
        ),
    ),
    (
        frozenset({"external_parties", "ignored_parties"}),
        lambda v: v["ignored_parties"] <= v["external_parties"],
    ),
    (
        frozenset({"all_parties_ignored", "external_parties", "ignored_parties"}),
        lambda v: (
            v["all_parties_ignored"]
            == (v["external_parties"] > 0 and v["ignored_parties"] == v["external_parties"])
        ),
    ),
    (
        frozenset({"direction", "external_parties", "external_recipients"}),
        lambda v: v["direction"] == "inbound" or v["external_parties"] == v["external_recipients"],
    ),
    (
        frozenset({"direction", "external_parties"}),
        lambda v: v["direction"] == "outbound" or v["external_parties"] == 1,
    ),
)


class OutcomeSearch:
    """The outcomes one pack's engine gives over the unknown facts of a vector."""

    def __init__(self, pack: RulePack, engine: RuleEngine) -> None:
        self.pack = pack
        self.engine = engine
        self.mentioned = frozenset(c.fact for r in pack.rules for c in r.conditions)
        self.unmentioned = frozenset(FACTS) - self.mentioned
        self._tested = sorted(self.mentioned)
        self.domains = fact_domains(pack)
        self._getters: dict[frozenset[str], Getter] = {}
        self._value_getters: dict[frozenset[str], Getter] = {}
        self._outcomes: dict[Any, tuple[str, ...]] = {}
        self._causes: dict[Any, tuple[tuple[Any, ...], str | None]] = {}

    def vectors(self, vector: dict[str, Any], unknown: frozenset[str]) -> Iterator[dict[str, Any]]:
        """Every consistent completion of ``vector`` over the unknown facts the rules test."""
        free = sorted(unknown & self.mentioned)
        blind = unknown - self.mentioned  # unknown, and no rule looks at them
        checks = [test for facts, test in CONSTRAINTS if not facts & blind]
        for values in itertools.product(*(self.domains[f] for f in free)):
            candidate = dict(vector)
            candidate.update(zip(free, values, strict=True))
            if all(test(candidate) for test in checks):
                yield candidate

    def known_key(self, vector: dict[str, Any], unknown: frozenset[str]) -> tuple[Any, ...]:
        """The known values of the facts the rules test: with ``unknown``, all an outcome
        depends on."""
        getter = self._getters.get(unknown)
        if getter is None:
            getter = self._getters[unknown] = _getter([f for f in self._tested if f not in unknown])
        return getter(vector)

    def value_getter(self, unknown: frozenset[str]) -> Getter:
        """:meth:`known_key` for a vector given as its values in :data:`FACTS` order."""
        getter = self._value_getters.get(unknown)
        if getter is None:
            getter = self._value_getters[unknown] = _getter(
                [_FACT_INDEX[f] for f in self._tested if f not in unknown]
            )
        return getter

    def outcomes(
        self, vector: dict[str, Any], unknown: frozenset[str], hidden: tuple[tuple[str, Any], ...]
    ) -> tuple[str, ...]:
        """The outcomes the engine gives over the completions (and hidden variants)."""
        key = (self.known_key(vector, unknown), unknown, hidden)
        cached = self._outcomes.get(key)
        if cached is not None:
            return cached
        found: dict[str, None] = {}
        for candidate in self.vectors(vector, unknown):
            for variant in ((), *((h,) for h in hidden)):
                found.setdefault(self.outcome(dict(candidate, **dict(variant))), None)
        result = tuple(found)
        self._outcomes[key] = result
        return result

    def outcome(self, vector: dict[str, Any]) -> str:
        rule = self.engine.decide(vector)
        return self.pack.rule(rule).outcome if rule else UNDECIDED

    def causes(
        self, vector: dict[str, Any], unknown: frozenset[str], logged: str
    ) -> tuple[tuple[Any, ...], str | None]:
        """Which known facts would have to differ for the engine to give ``logged``:
        :data:`Changes` for the configuration, else a sentence about the rule pack."""
        key = (self.known_key(vector, unknown), unknown, logged)
        cached = self._causes.get(key)
        if cached is not None:
            return cached
        known = sorted((self.mentioned - unknown) & set(vector))
        found: list[Changes] = []
        for size in (1, 2):
            for facts in itertools.combinations(known, size):
                for values in itertools.product(*(self.domains[f] for f in facts)):
                    if any(vector[f] == v for f, v in zip(facts, values, strict=True)):
                        continue
                    changed = dict(vector, **dict(zip(facts, values, strict=True)))
                    # Facts no rule tests follow the changed ones: leave them free.
                    if logged in self.outcomes(changed, unknown | self.unmentioned, ()):
                        pairs = zip(facts, values, strict=True)
                        found.append(tuple((f, vector[f], v) for f, v in pairs))
                        break  # the first value that works is enough for these facts
                if len(found) >= MAX_CAUSES:
                    break
            if found:
                break
        result: tuple[tuple[Any, ...], str | None]
        if found:
            result = (tuple(found), "configuration")
        elif logged not in self.pack.outcomes:
            result = (
                (
                    f"no rule of pack {self.pack.name!r} gives {logged}: the live integration "
                    "runs rules this pack does not have",
                ),
                "rule-pack",
            )
        else:
            result = (
                (
                    f"no small change of the configuration makes pack {self.pack.name!r} give "
                    f"{logged}: the live integration's rules probably differ from this pack",
                ),
                "rule-pack",
            )
        self._causes[key] = result
        return result


def _getter(keys: list[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """A function picking ``keys`` out of a vector (dict or tuple), always as a tuple."""
    if not keys:
        return lambda _: ()
    if len(keys) == 1:
        key = keys[0]
        return lambda vector: (vector[key],)
    getter: Getter = operator.itemgetter(*keys)
    return getter
