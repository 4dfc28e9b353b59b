"""Verdicts: the outcome of one email, which rule decided, and why (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from whynolog.engine.read.domains import canonical_forms
from whynolog.engine.read.emails import Email

if TYPE_CHECKING:  # the fix search's: loaded by the first search, not at start
    from whynolog.engine.facts.overlay import Edit

UNDECIDED = "UNDECIDED"  # no rule of the pack matched (a pack without a catch-all)


class TraceStep(NamedTuple):  # a record: a dataclass costs every start 0.7 ms to make
    """One condition of the deciding rule, the fact's value, and whether it held."""

    condition: str
    fact: str
    value: Any
    held: bool
    phrase: str = ""  # the condition in plain words
    here: str = ""  # the fact's value in plain words, naming whom it concerns

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "fact": self.fact,
            "value": self.value,
            "held": self.held,
            "phrase": self.phrase,
            "here": self.here,
        }


@dataclass(frozen=True)
class Fix:
    """The smallest configuration change the engine verified makes the email log."""

    changes: tuple[str, ...]
    outcome: str
    rule: str | None
    edits: tuple[Edit, ...] = field(default=(), compare=False)
    """The changes as data: ``apply_edits(config, edits)`` is the fixed configuration."""

    def to_dict(self) -> dict[str, Any]:
        return {"changes": list(self.changes), "outcome": self.outcome, "rule": self.rule}


class VerdictWarning(NamedTuple):  # a record: a dataclass costs every start 0.7 ms to make
    """Something the admin should know that changes no outcome (``LOOKALIKE_DOMAIN``)."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    """What the engine concluded for one email."""

    index: int
    email: Email
    outcome: str
    rule: str | None
    reasons: tuple[str, ...]
    remedy: str
    also_matched: tuple[str, ...] = ()
    trace: tuple[TraceStep, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    fix: Fix | None = None
    warnings: tuple[VerdictWarning, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        email = self.email
        canonical = canonical_forms((email.sender, *email.to, *email.cc, *email.bcc))
        return {
            "index": self.index,
            "subject": self.email.subject,
            "outcome": self.outcome,
            "rule": self.rule,
            "reasons": list(self.reasons),
            "remedy": self.remedy,
            "fix": self.fix.to_dict() if self.fix else None,
            "warnings": [w.to_dict() for w in self.warnings],
            "also_matched": list(self.also_matched),
            "trace": [s.to_dict() for s in self.trace],
            "facts": dict(self.facts),
            "email": self.email.to_dict(),
            **({"canonical": canonical} if canonical else {}),  # how IDNs compared
        }
