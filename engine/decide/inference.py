"""Decisions by durable_rules: each rule pack becomes one durable_rules ruleset.

A fact vector is asserted into the pack's ruleset; every rule whose
conditions hold fires, in priority order, and the first to fire decides.
The fact is retracted at once and one session per pack is reused, so no
state accumulates (durable_rules holds at most 1,024 live sessions).
Because rules test only the vector, the matched rules are memoised per
distinct vector, and the memo of a pack can be kept in the load cache
(:meth:`RuleEngine.remember`) for the next run with the same rules.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from typing import Any

from whynolog.engine.base.cache import remember, remembered
from whynolog.engine.decide.rulepack import ALWAYS_FACT, RulePack

_SESSION = "whynolog"
MAX_REMEMBERED = 100_000  # decisions kept between runs, at most
_names = itertools.count(1)
_lock = threading.Lock()
_host: Any = None
_routes: dict[str, Callable[[str], None]] = {}


def _get_host() -> Any:
    """The process-wide durable_rules host (created on first use)."""
    global _host
    if _host is None:
        from durable import engine

        class Host(engine.Host):  # type: ignore[misc]
            """Resolves each rule's action to the engine that registered it."""

            def get_action(self, action_name: str) -> Callable[[Any], None]:
                prefix, _, rule_id = action_name.partition("|")
                route = _routes[prefix]
                return lambda _context: route(rule_id)

        _host = Host()
    return _host


def _not_handled() -> type[BaseException]:
    """durable_rules' exception for a fact that no rule matched."""
    from durable import engine

    return engine.MessageNotHandledException  # type: ignore[no-any-return]


class RuleEngine:
    """One rule pack compiled into durable_rules, answering "which rules match?"."""

    def __init__(self, pack: RulePack, memoise: bool = True, kept: bool = False) -> None:
        """``kept``: start from the decisions :meth:`remember` kept for the same rules
        (worth it for bulk work such as a diagnosis, not for a few emails)."""
        self.pack = pack
        self.memoise = memoise
        self.ruleset = f"whynolog-pack-{next(_names)}"  # names are process-global
        self._fired: list[str] = []
        # What the rules are to durable_rules (whatever the ruleset is called here): the key
        # of the decisions kept between runs, for an engine that keeps them.
        self._rules = (
            json.dumps(pack.to_durable("|"), sort_keys=True).encode() if memoise and kept else None
        )
        self._cache: dict[tuple[Any, ...], tuple[str, ...]] = (
            (remembered("decisions", self._rules) or {}) if self._rules is not None else {}
        )
        self._kept = len(self._cache)
        self.evaluations = 0  # how many vectors durable_rules judged (not cache hits)
        with _lock:
            host = _get_host()
            _routes[self.ruleset] = self._fired.append
            host.set_rulesets({self.ruleset: pack.to_durable(f"{self.ruleset}|")})

    def remember(self) -> None:
        """Keep the memo for the next run with the same rules (an engine made with ``kept``,
        when the memo grew and is not huge)."""
        if self._rules is not None and self._kept < len(self._cache) <= MAX_REMEMBERED:
            remember("decisions", self._rules, self._cache)
            self._kept = len(self._cache)

    def matches(self, vector: dict[str, Any]) -> tuple[str, ...]:
        """Ids of every rule whose conditions hold, deciding rule first."""
        key = tuple(vector.items())  # facts come in one order; another order only misses
        if self.memoise:
            hit = self._cache.get(key)
            if hit is not None:
                return hit
        fact = dict(vector)
        fact[ALWAYS_FACT] = True
        fact["sid"] = _SESSION
        with _lock:
            self._fired.clear()
            host = _get_host()
            try:
                host.assert_fact(self.ruleset, fact)
            except _not_handled():  # no rule matched: nothing was kept to retract
                fired: tuple[str, ...] = ()
            else:
                try:
                    fired = tuple(self._fired)
                finally:
                    host.retract_fact(self.ruleset, fact)
            self._fired.clear()
        self.evaluations += 1
        if self.memoise:
            self._cache[key] = fired
        return fired

    def decide(self, vector: dict[str, Any]) -> str | None:
        """The deciding rule's id, or None when no rule matches."""
        fired = self.matches(vector)
        return fired[0] if fired else None
