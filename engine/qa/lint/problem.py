"""A lint problem, and the codes problems carry (named where each is found)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from whynolog.engine.base.errors import InputError, Position

ERROR, WARNING = "error", "warning"

CODES: dict[str, tuple[str, str]] = {
    # code: (severity, meaning)
    "yaml-syntax": (ERROR, "the file is not valid YAML (or not UTF-8 text)"),
    "schema": (ERROR, "unknown key, wrong type or missing field"),
    "bad-regex": (ERROR, "a content filter's regex does not compile"),
    "regex-unsupported": (
        ERROR,
        "the linear-time regex engine (RE2) cannot run the regex; the message names the feature",
    ),
    "user-without-addresses": (ERROR, "a user has no email address"),
    "address-on-two-users": (ERROR, "one address (in any case) belongs to two users"),
    "duplicate-address": (WARNING, "a user lists the same address twice"),
    "duplicate-user": (WARNING, "two users have the same name"),
    "duplicate-filter": (WARNING, "two content filters have the same name"),
    "duplicate-domain": (
        WARNING,
        "an internal domain repeats, or is a subdomain of another internal domain",
    ),
    "ignore-internal": (
        WARNING,
        "an ignore entry is an internal address or domain: ignore lists only apply to "
        "external parties, so it can never matter",
    ),
    "duplicate-ignore": (
        WARNING,
        "an ignore entry repeats, or is covered by another entry of the same list",
    ),
    "idna": (ERROR, "a domain label is not valid IDNA 2008 (UTS 46), so it matches nothing"),
    "lookalike-domain": (
        WARNING,
        "an internal domain or ignore entry looks like another internal domain (Unicode "
        "confusables, or one edit away): a typo, or a look-alike domain",
    ),
    "filter-matches-empty": (
        ERROR,
        "a content filter matches the empty string, so it would block every email",
    ),
    "duplicate-rule-id": (ERROR, "two rules share an id"),
    "duplicate-outcome": (ERROR, "an outcome code is declared twice under 'outcomes:'"),
    "undeclared-outcome": (
        ERROR,
        "a rule gives an outcome code the pack's 'outcomes:' does not declare",
    ),
    "unknown-fact": (ERROR, "a condition tests a fact that does not exist"),
    "bad-condition": (ERROR, "a condition's value does not fit the fact's type"),
    "bad-template": (ERROR, "an explain/remedy template does not parse"),
    "unknown-template-name": (
        ERROR,
        "an explain/remedy template uses a name no email provides (with a did-you-mean)",
    ),
    "rule-contradictory": (ERROR, "no combination of facts satisfies the rule"),
    "rule-shadowed": (
        ERROR,
        "whenever the rule matches, a rule considered before it matches too: it never decides",
    ),
    "priority-tie": (
        WARNING,
        "two rules at one priority can both match, so their order in the file decides",
    ),
    "no-catch-all": (WARNING, "some combination of facts matches no rule"),
    "analysis-too-large": (
        WARNING,
        "too many fact combinations to check the rules' interplay exhaustively",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One lint problem: where (1-based; line 0 is the whole file), how bad, which, what."""

    path: str
    line: int
    column: int
    severity: str
    code: str
    message: str

    @classmethod
    def at(
        cls, position: Position, code: str, message: str, severity: str | None = None
    ) -> Problem:
        """A problem at ``position``; the severity defaults to the code's."""
        return cls(
            position.path,
            position.line,
            position.col,
            severity or CODES[code][0],
            code,
            message,
        )

    @classmethod
    def from_error(cls, error: InputError) -> Problem:
        """A loader's error as a problem; its code was named where it was found."""
        code = error.code if error.code in CODES else "schema"
        return cls.at(error.position, code, error.message, ERROR)

    @property
    def position(self) -> Position:
        return Position(self.path, self.line, self.column)

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)

    def __str__(self) -> str:
        return f"{self.position}: {self.severity}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }
