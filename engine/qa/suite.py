"""QA test suites: cases with expected outcomes, JUnit XML and rule coverage.

A suite (``whynolog test``) names a configuration and a rule pack (paths
relative to the suite file) and lists cases: an email, inline or from a
file, and the outcome it must get. Everything is loaded and checked before
any case runs, so a broken suite is reported whole, with positions; then
every case runs, whatever fails. Rule coverage says which rules of the pack
decided at least one case: a rule no case exercises is a rule no test
protects.
"""

from __future__ import annotations

import difflib
import os
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whynolog.engine.base.errors import InputError, InputErrors, Position
from whynolog.engine.base.schemas import validate
from whynolog.engine.base.yamlio import load_yaml, position_of
from whynolog.engine.decide.rulepack import RulePack, load_rule_pack, shipped_rules_path
from whynolog.engine.read.config import Config, load_config
from whynolog.engine.read.emails import Email


@dataclass(frozen=True)
class Case:
    """One test case; with several emails they are judged in order and the last is checked."""

    name: str
    emails: tuple[Email, ...]
    expect: str
    reason_contains: str | None = None
    position: Position = field(default=Position("<suite>"), compare=False)


@dataclass(frozen=True)
class Suite:
    """A loaded suite: its cases and the configuration and pack it names (resolved paths)."""

    path: str
    name: str
    cases: tuple[Case, ...]
    config: tuple[str, Position] | None = None  # the path it names, and where it says so
    rules: tuple[str, Position] | None = None


def load_suite(path: str) -> Suite:
    """Read and check a suite file, its email files included; report every problem at once."""
    from whynolog.engine.read.emails import email_from_mapping, load_emails

    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(
            Position(path, getattr(data, "line", 1), getattr(data, "col", 1)),
            "a test suite is a mapping with 'cases:'",
        )
    validate(data, "suite", path)
    base = Path(path).parent
    errors: list[InputError] = []
    refs: dict[str, tuple[str, Position] | None] = {}
    for key in ("config", "rules"):
        refs[key] = None
        if data.get(key):
            target = os.path.normpath(base / data[key])
            refs[key] = (target, position_of(data, [key], path))
    cases: list[Case] = []
    names: dict[str, Position] = {}
    for i, raw in enumerate(data["cases"]):
        where = position_of(data, ["cases", i], path)
        if raw["name"] in names:
            errors.append(
                InputError(
                    position_of(data, ["cases", i, "name"], path),
                    f"duplicate case name {raw['name']!r} (first at {names[raw['name']]})",
                )
            )
        names.setdefault(raw["name"], where)
        try:
            if "email" in raw:
                emails: tuple[Email, ...] = (
                    email_from_mapping(raw["email"], path, ["cases", i, "email"]),
                )
            else:
                emails = tuple(load_emails(str(base / raw["email_file"])))
                if not emails:
                    raise InputError(
                        position_of(data, ["cases", i, "email_file"], path),
                        f"email_file: {raw['email_file']} holds no email",
                    )
        except InputErrors as exc:
            errors.extend(exc.errors)
            continue
        except InputError as exc:
            if exc.position.line == 0:  # the file itself is missing: say which case names it
                exc = InputError(
                    position_of(data, ["cases", i, "email_file"], path),
                    f"email_file: {exc.message}: {exc.position.path}",
                )
            errors.append(exc)
            continue
        cases.append(Case(raw["name"], emails, raw["expect"], raw.get("reason_contains"), where))
    if errors:
        raise InputErrors(errors)
    return Suite(
        path=path,
        name=data.get("name") or Path(path).stem,
        cases=tuple(cases),
        config=refs["config"],
        rules=refs["rules"],
    )


# --- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseResult:
    """What one case expected and what the engine concluded."""

    name: str
    position: Position
    expect: str
    outcome: str
    rule: str | None
    reasons: tuple[str, ...]
    remedy: str
    reason_contains: str | None
    problems: tuple[str, ...]  # why it failed; empty when it passed
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.position.path,
            "line": self.position.line,
            "passed": self.passed,
            "expect": self.expect,
            "outcome": self.outcome,
            "rule": self.rule,
            "reasons": list(self.reasons),
            "remedy": self.remedy,
            "reason_contains": self.reason_contains,
            "problems": list(self.problems),
            "seconds": round(self.seconds, 6),
        }


@dataclass(frozen=True)
class Coverage:
    """Which rules of one pack decided at least one case."""

    pack: str
    path: str
    rules: tuple[str, ...]  # every rule id, in priority order
    decided: tuple[tuple[str, int], ...]  # (rule id, cases it decided), rules order

    @property
    def covered(self) -> list[str]:
        return [r for r, n in self.decided if n]

    @property
    def never(self) -> list[str]:
        return [r for r, n in self.decided if not n]

    @property
    def percent(self) -> float:
        return 100.0 * len(self.covered) / len(self.rules) if self.rules else 100.0

    def merged(self, other: Coverage) -> Coverage:
        """This coverage plus another run of the same pack."""
        counts = dict(other.decided)
        return Coverage(
            self.pack,
            self.path,
            self.rules,
            tuple((r, n + counts.get(r, 0)) for r, n in self.decided),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "path": self.path,
            "rules": len(self.rules),
            "covered": self.covered,
            "never": self.never,
            "decided": dict(self.decided),
            "percent": round(self.percent, 1),
        }


@dataclass(frozen=True)
class SuiteResult:
    """Every case of one suite, run against one configuration and pack."""

    path: str
    name: str
    config: str
    pack: str
    cases: tuple[CaseResult, ...]
    coverage: Coverage
    seconds: float = 0.0

    @property
    def failures(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "name": self.name,
            "config": self.config,
            "pack": self.pack,
            "total": len(self.cases),
            "passed": len(self.cases) - len(self.failures),
            "failed": len(self.failures),
            "cases": [c.to_dict() for c in self.cases],
            "coverage": self.coverage.to_dict(),
            "seconds": round(self.seconds, 6),
        }


@dataclass(frozen=True)
class RunResult:
    """A whole ``whynolog test`` run: its suites and the coverage of each pack used."""

    suites: tuple[SuiteResult, ...]
    coverage: tuple[Coverage, ...]  # one per pack, summed over the suites using it
    min_coverage: float | None = None

    @property
    def total(self) -> int:
        return sum(len(s.cases) for s in self.suites)

    @property
    def failed(self) -> int:
        return sum(len(s.failures) for s in self.suites)

    @property
    def low_coverage(self) -> list[Coverage]:
        """Packs whose coverage is below ``min_coverage``."""
        if self.min_coverage is None:
            return []
        return [c for c in self.coverage if c.percent + 1e-9 < self.min_coverage]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.low_coverage

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "total": self.total,
            "passed": self.total - self.failed,
            "failed": self.failed,
            "suites": [s.to_dict() for s in self.suites],
            "coverage": [c.to_dict() for c in self.coverage],
            "min_coverage": self.min_coverage,
            "low_coverage": [c.pack for c in self.low_coverage],
        }


# --- running ------------------------------------------------------------------------


def _named(ref: tuple[str, Position] | None, key: str) -> str | None:
    """The path a suite names, checked to exist (a broken reference points at the suite)."""
    if ref is None:
        return None
    target, where = ref
    if not Path(target).exists():
        raise InputError(where, f"{key}: no such file or folder: {target}")
    return target


def _check_expected(suite: Suite, pack: RulePack) -> None:
    """A case expecting a code the pack cannot give is a typo, not a failing case."""
    errors = []
    for case in suite.cases:
        if case.expect not in pack.codes:
            close = difflib.get_close_matches(case.expect, pack.codes, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            errors.append(
                InputError(
                    case.position,
                    f"case {case.name!r} expects {case.expect!r}, which is not an outcome "
                    f"code of rule pack {pack.name}{hint}",
                )
            )
    if errors:
        raise InputErrors(errors)


class Runner:
    """Runs suites, loading each configuration and compiling each pack once."""

    def __init__(
        self, config: str | None = None, rules: str | None = None, default_config: str | None = None
    ) -> None:
        """``config``/``rules`` override what suites name; ``default_config`` fills a gap."""
        self.config = config
        self.rules = rules
        self.default_config = default_config
        self._configs: dict[str, Config] = {}
        self._packs: dict[str, tuple[RulePack, Any]] = {}

    def _config_for(self, suite: Suite) -> Config:
        path = self.config or _named(suite.config, "config") or self.default_config
        if path is None:
            raise InputError(
                Position(suite.path, 1, 1),
                "the suite names no configuration: add 'config: FILE' to it or pass --config FILE",
            )
        if path not in self._configs:
            self._configs[path] = load_config(path)
        return self._configs[path]

    def _pack_for(self, suite: Suite) -> tuple[RulePack, Any]:
        from whynolog.engine.decide.inference import RuleEngine

        path = self.rules or _named(suite.rules, "rules")
        key = str(Path(path or shipped_rules_path()).resolve())
        if key not in self._packs:
            pack = load_rule_pack(path)
            self._packs[key] = (pack, RuleEngine(pack))
        return self._packs[key]

    def run_suite(self, suite: Suite) -> SuiteResult:
        """Run every case of ``suite`` (a failing case never stops the others)."""
        from whynolog.engine.decide.judge import Judge

        config = self._config_for(suite)
        pack, engine = self._pack_for(suite)
        _check_expected(suite, pack)
        decided = dict.fromkeys((r.id for r in pack.rules), 0)
        results = []
        started = time.perf_counter()
        for case in suite.cases:
            begin = time.perf_counter()
            judge = Judge(config, pack, engine=engine)  # fresh: no duplicates across cases
            verdict = list(judge.judge_all(case.emails, explain=False))[-1]
            if verdict.rule is not None:
                decided[verdict.rule] += 1
            problems = []
            if verdict.outcome != case.expect:
                rule = f" (rule {verdict.rule})" if verdict.rule else ""
                problems.append(f"expected {case.expect}, got {verdict.outcome}{rule}")
            text = "\n".join(verdict.reasons)
            if case.reason_contains is not None and case.reason_contains not in text:
                problems.append(f"the reasons do not contain {case.reason_contains!r}")
            results.append(
                CaseResult(
                    case.name,
                    case.position,
                    case.expect,
                    verdict.outcome,
                    verdict.rule,
                    verdict.reasons,
                    verdict.remedy,
                    case.reason_contains,
                    tuple(problems),
                    time.perf_counter() - begin,
                )
            )
        where = str(Path(pack.path).resolve())
        coverage = Coverage(pack.name, where, tuple(decided), tuple(decided.items()))
        return SuiteResult(
            suite.path,
            suite.name,
            config.path,
            pack.name,
            tuple(results),
            coverage,
            time.perf_counter() - started,
        )

    def run(self, suites: list[Suite], min_coverage: float | None = None) -> RunResult:
        """Run every suite; coverage is summed per pack."""
        results = [self.run_suite(s) for s in suites]
        by_pack: dict[Any, Coverage] = {}
        for result in results:
            key = (result.coverage.pack, result.coverage.rules)  # same pack, wherever it lies
            by_pack[key] = (
                by_pack[key].merged(result.coverage) if key in by_pack else result.coverage
            )
        return RunResult(tuple(results), tuple(by_pack.values()), min_coverage)


def run_suites(
    paths: list[str],
    config: str | None = None,
    rules: str | None = None,
    default_config: str | None = None,
    min_coverage: float | None = None,
) -> RunResult:
    """Load every suite (reporting all their problems together), then run them all."""
    suites: list[Suite] = []
    errors: list[InputError] = []
    for path in paths:
        try:
            suites.append(load_suite(path))
        except InputErrors as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise InputErrors(errors)
    return Runner(config, rules, default_config).run(suites, min_coverage)


# --- JUnit XML ----------------------------------------------------------------------

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(value: Any) -> str:
    """Text XML 1.0 can carry (email text may hold control characters)."""
    return _NOT_XML.sub("\ufffd", str(value))


def failure_details(case: CaseResult) -> str:
    """The engine's explanation of a failed case, for humans and JUnit."""
    lines = [*case.problems, f"deciding rule: {case.rule or '(none)'}", "reasons:"]
    lines += [f"  - {r}" for r in case.reasons]
    if case.remedy:
        lines.append(f"remedy: {case.remedy}")
    return "\n".join(lines)


def junit_xml(run: RunResult) -> str:
    """The run as JUnit XML: one testcase per case; coverage below the minimum fails too."""
    gates = len(run.coverage) if run.min_coverage is not None else 0
    root = ET.Element(
        "testsuites",
        name="whynolog",
        tests=str(run.total + gates),
        failures=str(run.failed + len(run.low_coverage)),
        errors="0",
        time=f"{sum(s.seconds for s in run.suites):.6f}",
    )
    for suite in run.suites:
        node = ET.SubElement(
            root,
            "testsuite",
            name=_x(suite.name),
            tests=str(len(suite.cases)),
            failures=str(len(suite.failures)),
            errors="0",
            skipped="0",
            time=f"{suite.seconds:.6f}",
            file=_x(suite.path),
        )
        props = ET.SubElement(node, "properties")
        for key, value in (
            ("config", suite.config),
            ("rules", suite.coverage.path),
            ("pack", suite.pack),
            ("rule_coverage", f"{suite.coverage.percent:.1f}"),
        ):
            ET.SubElement(props, "property", name=key, value=_x(value))
        for case in suite.cases:
            test = ET.SubElement(
                node,
                "testcase",
                classname=_x(suite.name),
                name=_x(case.name),
                file=_x(case.position.path),
                line=str(case.position.line),
                time=f"{case.seconds:.6f}",
            )
            if not case.passed:
                failure = ET.SubElement(
                    test,
                    "failure",
                    message=_x("; ".join(case.problems)),
                    type="wrong-outcome" if case.outcome != case.expect else "wrong-reason",
                )
                failure.text = _x(failure_details(case))
    if run.min_coverage is not None:
        node = ET.SubElement(
            root,
            "testsuite",
            name="rule coverage",
            tests=str(len(run.coverage)),
            failures=str(len(run.low_coverage)),
            errors="0",
            skipped="0",
            time="0",
        )
        for cov in run.coverage:
            test = ET.SubElement(
                node,
                "testcase",
                classname="rule coverage",
                name=_x(f"pack {cov.pack}: at least {run.min_coverage:g}% of rules decide a case"),
                time="0",
            )
            if cov in run.low_coverage:
                failure = ET.SubElement(
                    test,
                    "failure",
                    type="low-coverage",
                    message=_x(
                        f"{cov.percent:.1f}% < {run.min_coverage:g}%: "
                        f"never decided: {', '.join(cov.never)}"
                    ),
                )
                failure.text = _x(
                    f"covered: {', '.join(cov.covered)}\nnever decided: {', '.join(cov.never)}"
                )
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
