"""Decisions by durable_rules: each distinct rule pack becomes one durable_rules ruleset.

A fact vector is asserted into the pack's ruleset; every rule whose
conditions hold fires, in priority order, and the first to fire decides.
The fact is retracted at once and one session per ruleset is reused, so no
state accumulates (durable_rules holds at most 1,024 live sessions).
Because rules test only the vector, the matched rules are memoised per
distinct vector, and the memo of a pack can be kept in the load cache
(:meth:`RuleEngine.remember`) for the next run with the same rules.

Lifecycle: the durable_rules host is process-wide, and a ruleset registered
in it stays until it is deleted. Engines of the same rules share one
ruleset (:class:`CompiledRules`), which is deleted from the host when the
last engine using it is gone, so a process that loads thousands of packs
stays flat. A lock serialises the host, so engines are safe to share between
threads. Engines live in the process that built them: they are never pickled
(send the pack and configuration, and build them there).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import weakref
from collections.abc import Callable
from typing import Any, NoReturn

from whynolog.engine.base.cache import remember, remembered
from whynolog.engine.base.perobject import PerObject
from whynolog.engine.decide.rulepack import ALWAYS_FACT, RulePack

_SESSION = "whynolog"
_HANDLED = "(every fact)"
"""A rule of no pack (not a valid rule id) that matches every fact: durable_rules' state of a
session that was asserted a fact no rule handled crashes the process when it is deleted."""
MAX_REMEMBERED = 100_000  # decisions kept between runs, at most
MAX_MEMO = 200_000  # decisions an engine memoises; emptied when full (a long-lived server)
_names = itertools.count(1)
_lock = threading.RLock()  # re-entrant: a ruleset may be released by the collector mid-call
_host: Any = None
_routes: dict[str, Callable[[str], None]] = {}
_compiled: weakref.WeakValueDictionary[bytes, CompiledRules] = weakref.WeakValueDictionary()
_shared: weakref.WeakValueDictionary[bytes, RuleEngine] = weakref.WeakValueDictionary()


def _get_host() -> Any:
    """The process-wide durable_rules host (created on first use)."""
    global _host
    if _host is None:
        from durable import engine

        class Host(engine.Host):  # type: ignore[misc]
            """Resolves each rule's action to the ruleset that registered it."""

            def get_action(self, action_name: str) -> Callable[[Any], None]:
                prefix, _, rule_id = action_name.partition("|")
                route = _routes[prefix]
                return lambda _context: route(rule_id)

            def _run(self) -> None:
                """No dispatch threads: facts are asserted and retracted synchronously, and
                no timers or queued events are used (the threads would also walk rulesets
                while they are deleted)."""

        _host = Host()
    return _host


_keys: PerObject[RulePack, bytes] = PerObject()  # a server asks at every request (0.7 ms each)


def rules_key(pack: RulePack) -> bytes:
    """What the rules are to durable_rules, whatever the ruleset is called: equal for packs
    that decide alike."""
    return _keys.get(pack, lambda p: json.dumps(p.to_durable("|"), sort_keys=True).encode())


def _release(name: str) -> None:
    """Delete a ruleset from the host and free its memory in durable_rules."""
    import durable_rules_engine

    with _lock:
        host = _host
        ruleset = host._ruleset_directory.pop(name, None)
        _routes.pop(name, None)
        if ruleset is not None:
            host._ruleset_list.remove(ruleset)
            # The one session's state first: deleting the ruleset does not free it (an
            # error when the ruleset never judged: there is no state).
            with contextlib.suppress(durable_rules_engine.error):
                durable_rules_engine.delete_state(ruleset._handle, _SESSION)
            durable_rules_engine.delete_ruleset(ruleset._handle)


def live_rulesets() -> int:
    """How many rulesets the host holds (for tests and benchmarks of the lifecycle)."""
    return 0 if _host is None else len(_host._ruleset_directory)


class CompiledRules:
    """One pack's rules registered in the durable_rules host, until no engine uses them."""

    def __init__(self, pack: RulePack, key: bytes) -> None:
        self.key = key
        self.name = f"whynolog-pack-{next(_names)}"  # names are process-global
        self.fired: list[str] = []
        with _lock:
            host = _get_host()
            _routes[self.name] = self.fired.append
            ruleset = pack.to_durable(f"{self.name}|")
            ruleset[_HANDLED] = {
                "all": [{"m": {"$and": [{ALWAYS_FACT: True}]}}],
                "pri": len(ruleset),  # fires after every rule of the pack
                "run": f"{self.name}|{_HANDLED}",
            }
            host.set_rulesets({self.name: ruleset})
        release = weakref.finalize(self, _release, self.name)
        release.atexit = False  # the whole host goes at exit

    @classmethod
    def of(cls, pack: RulePack, key: bytes | None = None) -> CompiledRules:
        """The compiled rules of ``pack``, shared with every live engine of the same rules."""
        key = rules_key(pack) if key is None else key
        with _lock:
            found = _compiled.get(key)
            if found is None:
                found = _compiled[key] = cls(pack, key)
            return found

    def matches(self, vector: dict[str, Any]) -> tuple[str, ...]:
        """Ids of every rule whose conditions hold for ``vector``, deciding rule first."""
        fact = dict(vector)
        fact[ALWAYS_FACT] = True
        fact["sid"] = _SESSION
        fired = self.fired
        with _lock:
            fired.clear()
            host = _host
            host.assert_fact(self.name, fact)  # always handled: _HANDLED matches it
            try:
                found = tuple(rule for rule in fired if rule != _HANDLED)
            finally:
                host.retract_fact(self.name, fact)
            fired.clear()
        return found


class RuleEngine:
    """One rule pack in durable_rules, answering "which rules match?"."""

    def __init__(self, pack: RulePack, memoise: bool = True, kept: bool = False) -> None:
        """``kept``: start from the decisions :meth:`remember` kept for the same rules
        (worth it for bulk work such as a diagnosis, not for a few emails)."""
        self.pack = pack
        self.memoise = memoise
        key = rules_key(pack)
        self.compiled = CompiledRules.of(pack, key)
        self.ruleset = self.compiled.name
        # The key of the decisions kept between runs, for an engine that keeps them.
        self._rules = key if memoise and kept else None
        self._cache: dict[tuple[Any, ...], tuple[str, ...]] = (
            (remembered("decisions", self._rules) or {}) if self._rules is not None else {}
        )
        self._kept = len(self._cache)
        self.evaluations = 0  # how many vectors durable_rules judged (not cache hits)

    @classmethod
    def shared(cls, pack: RulePack) -> RuleEngine:
        """A memoising engine for ``pack``, shared by every judge of the same rules while one
        uses it (what a server judging request after request wants)."""
        key = rules_key(pack)
        with _lock:
            found = _shared.get(key)
            if found is None:
                found = _shared[key] = cls(pack)
            return found

    def __reduce__(self) -> NoReturn:
        raise TypeError(
            "a RuleEngine belongs to the process that built it: send the rule pack and build "
            "the engine there"
        )

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
        fired = self.compiled.matches(vector)
        self.evaluations += 1
        if self.memoise:
            if len(self._cache) >= MAX_MEMO:
                self._cache.clear()  # bounded memory however many distinct vectors come
                self._kept = 0
            self._cache[key] = fired
        return fired

    def decide(self, vector: dict[str, Any]) -> str | None:
        """The deciding rule's id, or None when no rule matches."""
        fired = self.matches(vector)
        return fired[0] if fired else None
