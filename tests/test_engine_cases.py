"""Engine behaviour from YAML fixtures (tests/fixtures/cases/*.yaml), one test per case.

Each case judges its emails in order against the file's configuration and
the shipped rule pack, then checks the last verdict. ``pytest -k NAME``
finds a case by its name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest

from whynolog.engine.base.yamlio import load_yaml
from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.read.config import load_config
from whynolog.engine.read.emails import email_from_mapping

CASES = Path(__file__).parent / "fixtures" / "cases"
_KEYS = {"name", "emails", "expect", "rule", "reasons", "facts", "fix", "also_matched"}


class Case(NamedTuple):
    file: Path
    config: Path
    name: str
    emails: list[Any]
    expect: str
    spec: dict[str, Any]


def _cases() -> list[Case]:
    found = []
    for file in sorted(CASES.glob("*.yaml")):
        data = load_yaml(file)
        if not isinstance(data, dict) or "cases" not in data:
            continue
        for raw in data["cases"]:
            unknown = set(raw) - _KEYS
            assert not unknown, f"{file.name}: {raw.get('name')}: unknown keys {unknown}"
            found.append(
                Case(file, CASES / data["config"], raw["name"], raw["emails"], raw["expect"], raw)
            )
    return found


@pytest.fixture(scope="module")
def pack():
    return load_rule_pack()


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.name)
def test_case(case: Case, pack) -> None:
    judge = Judge(load_config(str(case.config)), pack)
    emails = [email_from_mapping(e, str(case.file)) for e in case.emails]
    verdicts = list(judge.judge_all(emails))
    last = verdicts[-1]
    assert last.outcome == case.expect, last.reasons
    if "rule" in case.spec:
        assert last.rule == case.spec["rule"]
    text = "\n".join(last.reasons)
    for needle in case.spec.get("reasons", []):
        assert needle in text, f"{needle!r} not in reasons:\n{text}"
    for fact, value in case.spec.get("facts", {}).items():
        assert last.facts[fact] == value, fact
    if "also_matched" in case.spec:
        assert list(last.also_matched) == case.spec["also_matched"]
    if "fix" in case.spec:
        wanted = case.spec["fix"]
        if not wanted:
            assert last.fix is None
        else:
            assert last.fix is not None, "expected a verified fix"
            assert len(last.fix.changes) == len(wanted), last.fix.changes
            for needle in wanted:
                assert any(needle in c for c in last.fix.changes), last.fix.changes
            assert last.fix.outcome == "LOG_OK"
    # The trace of the deciding rule always holds: the engine and the trace agree.
    assert all(step.held for step in last.trace)
