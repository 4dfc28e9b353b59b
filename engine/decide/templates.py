"""A rule pack's ``explain``/``remedy`` templates, compiled once per pack.

Every judge of the same pack (a CLI run, each web request, each worker) shares
the compiled templates; a template is compiled the first time a rule decides,
so a run that explains one email compiles only that rule's two.
"""

from __future__ import annotations

import threading
from typing import Any

from whynolog.engine.base.errors import InputError
from whynolog.engine.base.perobject import PerObject
from whynolog.engine.decide.rulepack import Rule, RulePack, template_environment

_SHARED: PerObject[RulePack, RuleTemplates] = PerObject()
_lock = threading.Lock()


class RuleTemplates:
    """The compiled templates of one rule pack, rendered over an email's facts."""

    def __init__(self) -> None:
        self._env: Any = None  # made on first use: a diagnosis may never render
        self._globals: dict[str, Any] = {}
        self._compiled: dict[tuple[str, str], Any] = {}

    def _environment(self) -> Any:
        if self._env is None:
            env = template_environment()
            self._globals = dict(env.globals)  # range, namespace, …: merged once, not per render
            self._env = env
        return self._env

    @classmethod
    def of(cls, pack: RulePack) -> RuleTemplates:
        """The templates of ``pack``, shared by every judge of it."""
        with _lock:
            return _SHARED.get(pack, lambda _: cls())

    def context(self, vector: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
        """What templates see: the facts, their details, ``facts`` and Jinja's globals."""
        self._environment()
        return {**self._globals, **vector, **details, "facts": vector}

    def lines(self, rule: Rule, which: str, context: dict[str, Any]) -> list[str]:
        """The non-blank lines of ``rule``'s ``which`` template rendered over ``context``."""
        template = self._compiled.get((rule.id, which))
        if template is None:
            from whynolog.engine.base.templatecache import from_source  # imports Jinja

            template = self._compiled[(rule.id, which)] = from_source(
                self._environment(), "rule-pack", getattr(rule, which)
            )
        try:
            # Template.render() without copying the context twice and walking the globals'
            # ChainMap: ``context`` already holds the globals and is only read.
            env = self._env
            ctx = env.context_class(
                env, context, template.name, template.blocks, globals=self._globals
            )
            text = env.concat(template.root_render_func(ctx))
        except Exception as exc:  # a user's template: any failure is theirs to fix
            raise InputError(
                rule.position,
                f"rule {rule.id!r}: {which}: template failed: {type(exc).__name__}: {exc}",
            ) from None
        return [line.strip() for line in text.splitlines() if line.strip()]
