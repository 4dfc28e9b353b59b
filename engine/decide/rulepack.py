"""Rule packs: YAML rules validated when loaded and compiled for durable_rules.

A rule tests derived facts (see :mod:`whynolog.engine.facts.derive`)::

    - id: sender-not-user
      priority: 40
      when: {direction: outbound, sender_is_active_user: false}
      outcome: NOLOG_SENDER_NOT_USER
      explain: "{{ sender }} is not an address of an active user"
      remedy: "Attach {{ sender }} to a user"

A condition is ``fact: value`` (equality) or ``fact: {op: value, ...}`` with
ops ``is``, ``not``, ``lt``, ``lte``, ``gt``, ``gte``, ``in``; every
condition of a rule must hold. ``explain``/``remedy`` are Jinja templates
rendered in a sandbox over the facts and their details.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, NamedTuple

from whynolog.engine.base.errors import InputError, InputErrors, Position
from whynolog.engine.base.schemas import validate
from whynolog.engine.base.yamlio import load_yaml, position_of, read_bytes
from whynolog.engine.facts.derive import FACTS

OPERATORS = ("is", "not", "lt", "lte", "gt", "gte", "in")
_SYMBOL = {"is": "is", "not": "is not", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "in": "in"}
_WORDS = {"lt": "fewer than", "lte": "at most", "gt": "more than", "gte": "at least"}
_DURABLE_OP = {"not": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
ALWAYS_FACT = "always"  # present in every fact vector; an empty ``when`` tests it


def shipped_rules_path() -> Path:
    """The folder holding the shipped rule pack."""
    from whynolog import rules

    # Beside its package's __init__: importlib.resources would load zipfile on every start.
    return Path(rules.__file__).parent


@dataclass(frozen=True)
class Condition:
    """One test of one fact."""

    fact: str
    op: str
    value: Any
    position: Position = field(default=Position("<rules>"), compare=False)

    def holds(self, vector: dict[str, Any]) -> bool:
        """Whether the test holds for ``vector`` (used to trace, never to decide)."""
        actual = vector.get(self.fact)
        if self.op == "is":
            return bool(actual == self.value and type(actual) is type(self.value))
        if self.op == "not":
            return not (actual == self.value and type(actual) is type(self.value))
        if self.op == "in":
            return any(actual == v and type(actual) is type(v) for v in self.value)
        if not isinstance(actual, int) or isinstance(actual, bool):
            return False
        tests: dict[str, bool] = {
            "lt": actual < self.value,
            "lte": actual <= self.value,
            "gt": actual > self.value,
            "gte": actual >= self.value,
        }
        return tests[self.op]

    def plain(self) -> str:
        """The condition in plain words, for admins: ``the sender is not an active user``,
        ``external recipients: more than 3``."""
        spec = FACTS[self.fact]
        if self.op == "is":
            return spec.says(self.value)
        if self.op == "in":
            return " or ".join(spec.says(v) for v in self.value)
        if self.op == "not":
            if spec.type == "int":
                return f"{spec.noun}: not {self.value}"
            return " or ".join(spec.says(v) for v in spec.values if v != self.value)
        if spec.type == "int" and (self.op, self.value) in (("gt", 0), ("gte", 1)):
            return spec.phrases[3]  # "a content filter matches"
        return f"{spec.noun}: {_WORDS[self.op]} {self.value}"

    def describe(self) -> str:
        """``direction is outbound``, ``external_recipients > 0``."""
        value = self.value
        shown = "[" + ", ".join(_show(v) for v in value) + "]" if self.op == "in" else _show(value)
        return f"{self.fact} {_SYMBOL[self.op]} {shown}"

    def to_durable(self) -> dict[str, Any]:
        """The condition in durable_rules' JSON ruleset language."""
        if self.op == "is":
            return {self.fact: self.value}
        if self.op == "in":
            return {"$or": [{self.fact: v} for v in self.value]}
        return {_DURABLE_OP[self.op]: {self.fact: self.value}}


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Outcome(NamedTuple):  # a record: a dataclass costs every start 0.7 ms to make
    """What an outcome code means: declared by the pack, never by the code reading it."""

    code: str
    meaning: str
    remedy: str = ""
    logged: bool = False  # the email reached the CRM (its later copies are duplicates)
    in_log: bool = True  # the integration writes an admin-log entry with this code

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "meaning": self.meaning,
            "remedy": self.remedy,
            "logged": self.logged,
            "in_log": self.in_log,
        }


@dataclass(frozen=True)
class Rule:
    """One decision rule of a pack."""

    id: str
    outcome: str
    priority: int
    conditions: tuple[Condition, ...]
    explain: str
    remedy: str
    description: str = ""
    order: int = 0  # position in the pack, breaking priority ties
    position: Position = field(default=Position("<rules>"), compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "outcome": self.outcome,
            "priority": self.priority,
            "when": [c.describe() for c in self.conditions],
            "description": self.description,
        }


@dataclass(frozen=True)
class RulePack:
    """An ordered set of rules; ``rules`` is sorted by (priority, order in the pack)."""

    name: str
    rules: tuple[Rule, ...]
    path: str
    declared: tuple[Outcome, ...] = ()  # the pack's ``outcomes:`` (else the shipped pack's)
    origin: str = field(default="", compare=False)  # how it was found (locate_rule_pack)

    @property
    def label(self) -> str:
        """The pack's name and where it came from, as reports name it."""
        return f"{self.name} ({self.origin})" if self.origin else self.name

    def rule(self, rule_id: str) -> Rule:
        """The rule called ``rule_id``."""
        return self._by_id[rule_id]

    @cached_property
    def _by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @property
    def outcomes(self) -> list[str]:
        """Every outcome code some rule can give, in rule order, without repeats."""
        return list(dict.fromkeys(r.outcome for r in self.rules))

    @cached_property
    def _meanings(self) -> dict[str, Outcome]:
        """Every code of the pack: the declared ones, then those only rules name."""
        found = {o.code: o for o in self.declared}
        for code in self.outcomes:
            if code not in found:
                rules = [r for r in self.rules if r.outcome == code]
                described = " ".join(r.description for r in rules if r.description)
                found[code] = Outcome(
                    code,
                    described or f"Given by rule {', '.join(r.id for r in rules)}.",
                    "See the rule's remedy.",
                )
        return found

    def outcome(self, code: str) -> Outcome:
        """What ``code`` means; a code foreign to the pack says so."""
        known = self._meanings.get(code)
        if known is not None:
            return known
        return Outcome(
            code,
            "A code that no rule of this rule pack gives: the live integration has rules "
            "this pack lacks.",
            "Add a rule for it to the rule pack.",
        )

    @cached_property
    def codes(self) -> tuple[str, ...]:
        """Every code of the pack, declared ones first."""
        return tuple(self._meanings)

    @cached_property
    def log_codes(self) -> frozenset[str]:
        """The codes an admin-log entry may end with (what the log reader accepts)."""
        return frozenset(c for c, o in self._meanings.items() if o.in_log)

    @cached_property
    def logged_codes(self) -> frozenset[str]:
        """The codes that mean the email logged (a later copy of it is a duplicate)."""
        return frozenset(c for c, o in self._meanings.items() if o.logged)

    @cached_property
    def logged_code(self) -> str | None:
        """The code a fix aims at: the first code that means the email logged."""
        return next((c for c in self.codes if c in self.logged_codes), None)

    def suggest(self, code: str) -> str | None:
        """The pack's log code nearest to a mistyped ``code``, if any is near."""
        close = difflib.get_close_matches(code, sorted(self.log_codes), n=1, cutoff=0.7)
        return close[0] if close else None

    def to_durable(self, action_prefix: str) -> dict[str, Any]:
        """The pack as one durable_rules ruleset definition.

        Rules fire in ``rules`` order: durable_rules' ``pri`` is the rank, so a
        priority tie is broken by the order rules appear in the pack.
        """
        ruleset: dict[str, Any] = {}
        for rank, rule in enumerate(self.rules):
            tests = [c.to_durable() for c in rule.conditions] or [{ALWAYS_FACT: True}]
            ruleset[rule.id] = {
                "all": [{"m": {"$and": tests}}],
                "pri": rank,
                "run": f"{action_prefix}{rule.id}",
            }
        return ruleset


def _pack_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise InputError(str(path), "no rule files (*.yaml) in this folder", "unreadable")
        return files
    if not path.exists():
        raise InputError(str(path), "no such file or folder", "unreadable")
    return [path]


def locate_rule_pack(
    option: str | Path | None, environ: Mapping[str, str], cwd: Path
) -> tuple[Path | None, str]:
    """Which pack to use, and how it was found: the option, else ``$WHYNOLOG_RULES``, else a
    ``rules/`` folder with rule files in ``cwd`` (a starter kit's own pack), else the shipped
    pack (None)."""
    if option is not None:
        return Path(option), f"from --rules {option}"
    if environ.get("WHYNOLOG_RULES"):
        return Path(environ["WHYNOLOG_RULES"]), f"from $WHYNOLOG_RULES={environ['WHYNOLOG_RULES']}"
    local = cwd / "rules"
    if local.is_dir() and any(local.glob("*.y*ml")):
        return Path("rules"), "from ./rules/"
    return None, "shipped with whynolog"


def load_rule_pack(path: str | Path | None = None) -> RulePack:
    """Load a rule pack from a YAML file or a folder of them (default: the shipped pack).

    Everything is checked here, before any email is judged: the schema, fact
    names, duplicate ids and the Jinja templates' syntax. A pack that loaded
    cleanly is remembered by the hash of its files (:mod:`whynolog.engine.base.cache`).
    """
    from whynolog.engine.base.cache import cached

    root = shipped_rules_path() if path is None else Path(path)
    files = _pack_files(root)
    raw = b"".join(str(f).encode() + b"\0" + read_bytes(f) + b"\0" for f in files)
    pack = cached("rules", raw, lambda: _load_files(root, files))
    if not pack.declared and path is not None:
        # A pack that declares no codes speaks of the shipped pack's codes.
        pack = dataclasses.replace(pack, declared=load_rule_pack().declared)
    return pack


def _load_files(root: Path, files: list[Path]) -> RulePack:
    errors: list[InputError] = []
    rules: list[Rule] = []
    names: list[str] = []
    seen: dict[str, Position] = {}
    declared: dict[str, Outcome] = {}
    used: list[tuple[str, Position, str]] = []  # (code, where, rule id) of each rule
    env = template_environment()
    for file_path in files:
        file = str(file_path)
        try:
            data = load_yaml(file)
        except InputError as exc:  # the pack's other files are still worth checking
            errors.append(exc)
            continue
        if not isinstance(data, dict):
            errors.append(
                InputError(
                    Position(file, 1, 1), "a rule pack file is a mapping with 'rules:'", "schema"
                )
            )
            continue
        broken: dict[int, set[str]] = {}  # rule index -> its keys with schema errors
        try:
            validate(data, "rules", file)
        except InputErrors as exc:
            # Everything that parsed is still checked: one run reports every problem.
            errors.extend(exc.errors)
            for error in exc.errors:
                where = error.where
                if len(where) >= 2 and where[0] == "rules" and isinstance(where[1], int):
                    broken.setdefault(where[1], set()).add(str(where[2]) if len(where) > 2 else "")
        if isinstance(data.get("name"), str) and data["name"]:
            names.append(data["name"])
        if not any(e.where[:1] == ("outcomes",) for e in errors if e.position.path == file):
            _declare(data, file, declared, errors)
        raw_rules = data.get("rules")
        for i, raw in enumerate(raw_rules if isinstance(raw_rules, list) else []):
            if not isinstance(raw, dict):
                continue
            bad = broken.get(i, set())
            rule_id = raw.get("id") if "id" not in bad and isinstance(raw.get("id"), str) else None
            label = rule_id or f"#{i + 1}"
            pos = position_of(data, ["rules", i], file)
            if rule_id is not None and rule_id in seen:
                errors.append(
                    InputError(
                        position_of(data, ["rules", i, "id"], file),
                        f"duplicate rule id {rule_id!r} (first defined at {seen[rule_id]})",
                        "duplicate-rule-id",
                    )
                )
                continue
            if rule_id is not None:
                seen[rule_id] = pos
            conditions = _conditions(data, i, file, errors) if "when" not in bad else []
            if "outcome" not in bad and isinstance(raw.get("outcome"), str):
                at = position_of(data, ["rules", i, "outcome"], file)
                used.append((raw["outcome"], at, label))
            for key in ("explain", "remedy"):
                if key not in bad and isinstance(raw.get(key), str):
                    errors.extend(_template_problems(env, raw[key], label, key, data, i, file))
            if not bad:
                rules.append(
                    Rule(
                        id=raw["id"],
                        outcome=raw["outcome"],
                        priority=raw["priority"],
                        conditions=tuple(conditions),
                        explain=raw["explain"],
                        remedy=raw["remedy"],
                        description=raw.get("description", ""),
                        order=len(rules),
                        position=pos,
                    )
                )
    if declared:
        for code, at, rule_id in used:
            if code not in declared:
                close = difflib.get_close_matches(code, list(declared), n=1, cutoff=0.7)
                hint = f" (did you mean {close[0]}?)" if close else ""
                errors.append(
                    InputError(
                        at,
                        f"rule {rule_id!r}: outcome {code!r} is not declared under "
                        f"'outcomes:'{hint}",
                        "undeclared-outcome",
                    )
                )
    if errors:
        errors.sort(key=lambda e: (e.position.path, e.position.line, e.position.col))
        raise InputErrors(errors)
    if not rules:
        raise InputError(str(root), "the rule pack has no rules", "schema")
    rules.sort(key=lambda r: (r.priority, r.order))
    name = " + ".join(names) if names else root.stem
    return RulePack(
        name=name, rules=tuple(rules), path=str(root), declared=tuple(declared.values())
    )


def _declare(data: Any, file: str, declared: dict[str, Outcome], errors: list[InputError]) -> None:
    """Add the ``outcomes:`` of one pack file to ``declared`` (a code is declared once)."""
    for i, raw in enumerate(data.get("outcomes") or ()):
        code = raw["code"]
        if code in declared:
            errors.append(
                InputError(
                    position_of(data, ["outcomes", i, "code"], file),
                    f"outcome {code!r} is declared twice",
                    "duplicate-outcome",
                )
            )
            continue
        declared[code] = Outcome(
            code,
            raw["meaning"].strip(),
            (raw.get("remedy") or "").strip(),
            raw["logged"],
            raw.get("in_log", True),
        )


def _template_problems(
    env: Any, text: str, label: str, key: str, data: Any, index: int, file: str
) -> list[InputError]:
    """A template's syntax errors, and names it uses that no email provides (a typo would
    otherwise render as an error while judging)."""
    from jinja2 import TemplateSyntaxError, meta

    line = position_of(data, ["rules", index, key], file).line
    try:
        tree = env.parse(text)
    except TemplateSyntaxError as exc:
        return [
            InputError(
                Position(file, line + (exc.lineno or 1) - 1, 1),
                f"rule {label!r}: {key}: template error: {exc.message}",
                "bad-template",
            )
        ]
    known = template_names()
    problems = []
    for name in sorted(meta.find_undeclared_variables(tree) - known - set(env.globals)):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        offset = next((n for n, text_line in enumerate(text.splitlines()) if name in text_line), 0)
        problems.append(
            InputError(
                Position(file, line + offset, 1),
                f"rule {label!r}: {key}: unknown name {name!r}{hint}",
                "unknown-template-name",
            )
        )
    return problems


@cache
def template_names() -> frozenset[str]:
    """The names a rule template may use: every fact, every detail, and ``facts``.

    Read off an empty email's derivation, so it can never drift from what judging provides.
    """
    from whynolog.engine.facts.derive import FactDeriver
    from whynolog.engine.read.config import Config
    from whynolog.engine.read.emails import Email

    derived = FactDeriver(Config(name="")).derive(Email(sender=None))
    return frozenset({*derived.vector, *derived.details, "facts"})


def _conditions(data: Any, index: int, file: str, errors: list[InputError]) -> list[Condition]:
    """The conditions of rule ``index``, type-checked against the facts' types."""
    when = data["rules"][index].get("when") or {}
    conditions: list[Condition] = []
    for fact, test in when.items():
        spec = FACTS[fact]
        pos = position_of(data, ["rules", index, "when", fact], file)
        tests = test.items() if isinstance(test, dict) else [("is", test)]
        for op, value in tests:
            problem = _type_problem(spec.type, spec.values, op, value)
            if problem:
                rule = data["rules"][index].get("id")
                errors.append(InputError(pos, f"rule {rule!r}: {fact}: {problem}", "bad-condition"))
                continue
            conditions.append(Condition(fact, op, tuple(value) if op == "in" else value, pos))
    return conditions


def _type_problem(kind: str, values: tuple[Any, ...], op: str, value: Any) -> str | None:
    """Why ``op value`` cannot test a fact of type ``kind``, or None."""
    items = value if op == "in" else [value]
    if op in ("lt", "lte", "gt", "gte") and kind != "int":
        return f"'{op}' compares numbers, but this fact is {kind}"
    for item in items:
        if kind == "int" and (isinstance(item, bool) or not isinstance(item, int)):
            return f"expected a whole number, got {item!r}"
        if kind == "bool" and not isinstance(item, bool):
            return f"expected true or false, got {item!r}"
        if kind == "enum" and item not in values:
            return f"expected one of {', '.join(values)}, got {item!r}"
    return None


def template_environment() -> Any:
    """The sandboxed Jinja environment rule templates render in (plain text out)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=StrictUndefined,  # a misspelt name fails loudly, never renders as a blank
    )
    env.filters["names"] = lambda items, key="user": ", ".join(
        dict.fromkeys(str(i[key]) for i in items)
    )
    env.filters["join_and"] = _join_and
    return env


def _join_and(items: Any) -> str:
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def fact_domains(pack: RulePack) -> dict[str, tuple[Any, ...]]:
    """For each fact, the values worth trying to cover every rule's behaviour.

    Integers get each constant a rule compares with, its neighbours and 0.
    Used to enumerate possible fact vectors (undetermined log entries, lint).
    """
    domains: dict[str, tuple[Any, ...]] = {}
    for name, spec in FACTS.items():
        if spec.type != "int":
            domains[name] = spec.values
            continue
        points = {0, 1, 2}
        for rule in pack.rules:
            for c in rule.conditions:
                if c.fact == name:
                    for v in c.value if c.op == "in" else (c.value,):
                        points.update({v - 1, v, v + 1})
        domains[name] = tuple(sorted(p for p in points if p >= 0))
    return domains


def product_of(domains: dict[str, tuple[Any, ...]]) -> Any:
    """Every combination of the given fact values, as dicts."""
    names = list(domains)
    for combo in itertools.product(*(domains[n] for n in names)):
        yield dict(zip(names, combo, strict=True))
