"""Linting a configuration and a rule pack: what in them is wrong or pointless.

Every finding points at a file position and carries a stable code:

=========================  ========  ==============================================
code                       severity  meaning
=========================  ========  ==============================================
``yaml-syntax``            error     the file is not valid YAML (or not UTF-8 text)
``schema``                 error     unknown key, wrong type or missing field
``bad-regex``              error     a content filter's regex does not compile
``regex-unsupported``      error     the linear-time regex engine (RE2) cannot run
                                     the regex; the message names the feature
``user-without-addresses`` error     a user has no email address
``address-on-two-users``   error     one address belongs to two users
``ignore-internal``        warning   an ignore entry is an internal address or
                                     domain: ignore lists only apply to external
                                     parties, so it can never matter
``duplicate-ignore``       warning   an ignore entry repeats, or is covered by
                                     another entry of the same list
``filter-matches-empty``   error     a content filter matches the empty string, so
                                     it would block every email
``duplicate-rule-id``      error     two rules share an id
``unknown-fact``           error     a condition tests a fact that does not exist
``bad-condition``          error     a condition's value does not fit the fact's type
``bad-template``           error     an ``explain``/``remedy`` template does not parse
``rule-contradictory``     error     no combination of facts satisfies the rule
``rule-shadowed``          error     whenever the rule matches, a rule considered
                                     before it matches too: it never decides
``priority-tie``           warning   two rules at one priority can both match, so
                                     their order in the file decides
``no-catch-all``           warning   some combination of facts matches no rule
``analysis-too-large``     warning   too many fact combinations to check the rules'
                                     interplay exhaustively
=========================  ========  ==============================================

The rule checks run the pack itself: every combination of the values of the
facts its rules mention is asserted into durable_rules, and the rules that
fire show which rule decides where. Facts no rule mentions cannot change a
decision, so they are held at one value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whynolog.engine.base.errors import InputError, InputErrors, Position
from whynolog.engine.base.schemas import validate
from whynolog.engine.base.yamlio import PosDict, load_yaml, position_of
from whynolog.engine.decide.rulepack import (
    Condition,
    Rule,
    RulePack,
    fact_domains,
    load_rule_pack,
    product_of,
    shipped_rules_path,
)
from whynolog.engine.read.addresses import clean_domain, domain_covers
from whynolog.engine.read.config import config_from_data

ERROR, WARNING = "error", "warning"
MAX_VECTORS = 50_000
"""More fact combinations than this are not enumerated (about 0.2 ms each)."""


@dataclass(frozen=True)
class Finding:
    """One lint finding: where, how bad, what, and its stable code."""

    position: Position
    severity: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.position}: {self.severity}: {self.message} [{self.code}]"

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.position.path, self.position.line, self.position.col, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.position.path,
            "line": self.position.line,
            "col": self.position.col,
            "severity": self.severity,
            "message": self.message,
            "code": self.code,
        }


def lint(config_path: str | None, rules_path: str | Path | None) -> list[Finding]:
    """Every finding for a configuration (if given) and a rule pack, in file order."""
    findings = lint_config(config_path) if config_path is not None else []
    findings += lint_rules(rules_path)
    return sorted(dict.fromkeys(findings), key=lambda f: f.sort_key)


# --- loader errors ------------------------------------------------------------------

# The loaders report problems as InputErrors; their messages say which kind.
_CLASSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^(YAML syntax error|YAML error|YAML nested|not UTF-8|binary data)"),
        "yaml-syntax",
    ),
    (
        re.compile(r"^users\.\d+(\.emails: must not be empty|: 'emails' is required)"),
        "user-without-addresses",
    ),
    (re.compile(r"unknown fact "), "unknown-fact"),
    (re.compile(r"duplicate rule id "), "duplicate-rule-id"),
    (re.compile(r"^rule '[^']*': (explain|remedy): template error"), "bad-template"),
    (re.compile(r"^rule '[^']*': \w+: (expected |'\w+' compares)"), "bad-condition"),
)


def _from_error(error: InputError) -> Finding:
    for pattern, code in _CLASSES:
        if pattern.search(error.message):
            return Finding(error.position, ERROR, error.message, code)
    return Finding(error.position, ERROR, error.message, "schema")


def _errors_of(exc: InputError | InputErrors) -> list[InputError]:
    return exc.errors if isinstance(exc, InputErrors) else [exc]


def _is_unreadable(error: InputError) -> bool:
    """A file that is missing or cannot be read: an input error, not a finding."""
    return error.position.line == 0 and not error.message.startswith(
        ("YAML", "empty", "a rule pack", "the rule pack")
    )


def _findings(exc: InputError | InputErrors) -> list[Finding]:
    errors = _errors_of(exc)
    for error in errors:
        if _is_unreadable(error):
            raise error
    return [_from_error(e) for e in errors]


# --- configuration ------------------------------------------------------------------


def lint_config(path: str) -> list[Finding]:
    """Findings for one ``org.yaml``; a missing or unreadable file raises InputError."""
    try:
        data = load_yaml(path)
    except InputError as exc:
        return _findings(exc)
    if not isinstance(data, PosDict):
        where = Position(path, getattr(data, "line", 1), getattr(data, "col", 1))
        return [
            Finding(
                where, ERROR, "the configuration must be a mapping with 'organization:'", "schema"
            )
        ]
    try:
        validate(data, "config", path)
    except InputErrors as exc:
        return _findings(exc)
    findings = _regex_findings(data, path)
    try:
        # Filters were checked above; the directory needs only users and domains.
        config = config_from_data(_without_filters(data), path)
    except (InputError, InputErrors) as exc:
        return findings + _findings(exc)
    findings += _address_findings(data, path)
    findings += _ignore_findings(data, path, config)
    return findings


def _without_filters(data: PosDict) -> PosDict:
    """A copy of the configuration without content filters, positions kept."""
    copy = PosDict(data)
    copy.line, copy.col = data.line, data.col
    copy.positions, copy.key_positions = data.positions, data.key_positions
    copy["content_filters"] = []
    return copy


def _regex_findings(data: Any, path: str) -> list[Finding]:
    """Content filters whose regex RE2 cannot run, and filters that match everything."""
    from whynolog.engine.base.regex import check_regex

    findings = []
    for i, raw in enumerate(data.get("content_filters") or []):
        kind = "regex" if "regex" in raw else "contains"
        pattern = raw[kind]
        where = position_of(data, ["content_filters", i, kind], path)
        if kind == "regex":
            problem = check_regex(pattern)
            if problem:
                code = "bad-regex" if problem.startswith("invalid regex") else "regex-unsupported"
                findings.append(Finding(where, ERROR, f"filter {raw['name']!r}: {problem}", code))
                continue
        if _matches_empty(kind, pattern):
            findings.append(
                Finding(
                    where,
                    ERROR,
                    f"filter {raw['name']!r} matches the empty string, so it "
                    f"matches every email: nothing would log",
                    "filter-matches-empty",
                )
            )
    return findings


def _matches_empty(kind: str, pattern: str) -> bool:
    if kind == "contains":
        return pattern == ""
    import re2

    return re2.search(pattern, "") is not None


def _address_findings(data: Any, path: str) -> list[Finding]:
    """One address listed on two users."""
    owner: dict[str, tuple[int, str, Position]] = {}
    findings = []
    for i, user in enumerate(data.get("users") or []):
        for j, raw in enumerate(user["emails"]):
            address = raw.strip().lower()
            where = position_of(data, ["users", i, "emails", j], path)
            first = owner.setdefault(address, (i, user["name"], where))
            if first[0] != i:
                findings.append(
                    Finding(
                        where,
                        ERROR,
                        f"{address} is also an address of user {first[1]!r} "
                        f"(line {first[2].line}); an address belongs to one user",
                        "address-on-two-users",
                    )
                )
    return findings


def _ignore_findings(data: Any, path: str, config: Any) -> list[Finding]:
    """Ignore entries that can never matter, and entries that repeat."""
    from whynolog.engine.facts.directory import Directory

    directory = Directory(config)
    findings = []
    for i, user in enumerate(data.get("users") or []):
        seen: list[tuple[str, int]] = []
        for j, raw in enumerate(user.get("ignore") or []):
            entry = raw.strip().lower()
            where = position_of(data, ["users", i, "ignore", j], path)
            if entry.startswith("@"):
                domain = clean_domain(entry)
                internal = directory.internal_domain_of(f"x@{domain}")
                if internal:
                    findings.append(
                        Finding(
                            where,
                            WARNING,
                            f"ignore entry {raw!r} of {user['name']!r} is an internal "
                            f"domain (covered by {internal}); ignore lists only "
                            f"apply to external parties, so it never matters",
                            "ignore-internal",
                        )
                    )
            elif directory.is_internal(entry):
                why = (
                    f"an address of user {directory.owner(entry).name!r}"
                    if directory.owner(entry)
                    else "on an internal domain"
                )  # type: ignore[union-attr]
                findings.append(
                    Finding(
                        where,
                        WARNING,
                        f"ignore entry {raw!r} of {user['name']!r} is internal "
                        f"({why}); ignore lists only apply to external parties, "
                        f"so it never matters",
                        "ignore-internal",
                    )
                )
            cover = _covering(entry, seen)
            if cover is not None:
                other, line = cover
                what = "repeats" if other == entry else "is already covered by"
                findings.append(
                    Finding(
                        where,
                        WARNING,
                        f"ignore entry {raw!r} of {user['name']!r} {what} {other!r} (line {line})",
                        "duplicate-ignore",
                    )
                )
            seen.append((entry, where.line))
    return findings


def _covering(entry: str, seen: list[tuple[str, int]]) -> tuple[str, int] | None:
    """The earlier entry of the same list that already covers ``entry``, if any."""
    domain = clean_domain(entry.rpartition("@")[2])
    for other, line in seen:
        if other == entry:
            return other, line
        if other.startswith("@") and domain_covers(clean_domain(other), domain):
            return other, line
    return None


# --- rule pack ----------------------------------------------------------------------


def _rule_files(root: Path) -> list[Path]:
    if root.is_dir():
        return sorted([*root.glob("*.yaml"), *root.glob("*.yml")])
    return [root]


def lint_rules(path: str | Path | None) -> list[Finding]:
    """Findings for a rule pack (file or folder; None is the shipped pack)."""
    root = shipped_rules_path() if path is None else Path(path)
    if not root.exists():
        raise InputError(str(root), "no such file or folder")
    findings: list[Finding] = []
    broken: set[Path] = set()
    files = _rule_files(root)
    for file in files:
        try:
            load_yaml(file)
        except InputError as exc:
            findings += _findings(exc)
            broken.add(file)
    if broken:
        # The loader stops at a YAML error; the other files are still worth checking.
        for file in files:
            if file not in broken:
                findings += [
                    f for f in _load_findings(file) if not f.message.endswith("has no rules")
                ]
        return findings
    try:
        pack = load_rule_pack(None if path is None else root)
    except (InputError, InputErrors) as exc:
        return _findings(exc)
    return analyse_pack(pack)


def _load_findings(path: Path) -> list[Finding]:
    try:
        load_rule_pack(path)
    except (InputError, InputErrors) as exc:
        return _findings(exc)
    return []


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


def analyse_pack(pack: RulePack) -> list[Finding]:
    """Contradictory, shadowed and tied rules, and fact combinations no rule decides."""
    from whynolog.engine.decide.inference import RuleEngine

    domains = _domains(pack)
    size = 1
    for values in domains.values():
        size *= len(values)
    first = pack.rules[0].position if pack.rules else Position(pack.path)
    if size > MAX_VECTORS:
        return [
            Finding(
                first,
                WARNING,
                f"{size} combinations of fact values: too many to "
                f"check for shadowed, contradictory or tied rules "
                f"(limit {MAX_VECTORS})",
                "analysis-too-large",
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
    findings = []
    for rule in pack.rules:
        if rule.id not in matched:
            findings.append(_contradiction(rule, domains))
        elif rule.id not in decided:
            before = sorted(deciders[rule.id], key=rank.__getitem__)
            findings.append(
                Finding(
                    rule.position,
                    ERROR,
                    f"rule {rule.id!r} can never decide: whenever it matches, "
                    f"{_rules_phrase(before, pack)} matches first",
                    "rule-shadowed",
                )
            )
    by_priority: dict[int, list[Rule]] = defaultdict(list)
    for rule in pack.rules:
        by_priority[rule.priority].append(rule)
    for priority, rules in by_priority.items():
        for i, a in enumerate(rules):
            for b in rules[i + 1 :]:
                if (a.id, b.id) in together:
                    findings.append(
                        Finding(
                            b.position,
                            WARNING,
                            f"rules {a.id!r} and {b.id!r} both have priority {priority} and can "
                            f"both match; {a.id!r} decides only because it comes first in the "
                            f"pack",
                            "priority-tie",
                        )
                    )
    if undecided is not None:
        shown = ", ".join(f"{k}={_show(undecided[k])}" for k in domains if len(domains[k]) > 1)
        findings.append(
            Finding(
                Position(pack.path) if Path(pack.path).is_dir() else Position(pack.path, 1, 1),
                WARNING,
                f"no rule matches some emails (e.g. {shown}); they would get no "
                f"outcome: add a catch-all rule (when: {{}})",
                "no-catch-all",
            )
        )
    return findings


def _rules_phrase(ids: list[str], pack: RulePack) -> str:
    parts = [f"{i!r} (priority {pack.rule(i).priority})" for i in ids]
    if len(parts) == 1:
        return "rule " + parts[0]
    return "one of rules " + ", ".join(parts[:-1]) + " or " + parts[-1]


def _contradiction(rule: Rule, domains: dict[str, tuple[Any, ...]]) -> Finding:
    """Which fact's conditions of ``rule`` no value satisfies."""
    by_fact: dict[str, list[Condition]] = defaultdict(list)
    for c in rule.conditions:
        by_fact[c.fact].append(c)
    for fact, conditions in by_fact.items():
        if not any(all(c.holds({fact: v}) for c in conditions) for v in domains[fact]):
            tests = " and ".join(c.describe() for c in conditions)
            return Finding(
                conditions[0].position,
                ERROR,
                f"rule {rule.id!r} can never match: no value of {fact} satisfies {tests}",
                "rule-contradictory",
            )
    tests = " and ".join(c.describe() for c in rule.conditions)
    return Finding(
        rule.position,
        ERROR,
        f"rule {rule.id!r} can never match: no combination of facts satisfies {tests}",
        "rule-contradictory",
    )


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
