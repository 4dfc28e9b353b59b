"""``test``: suites with passing and failing cases, JUnit XML parsed back, rule coverage."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.base.errors import InputErrors
from whynolog.engine.decide.rulepack import shipped_rules_path
from whynolog.engine.qa.suite import junit_xml, load_suite, run_suites

SUITES = Path(__file__).parent / "fixtures" / "suites"
MIXED = str(SUITES / "mixed.yaml")
PASSING = str(SUITES / "passing.yaml")
NEVER = ["credentials-invalid", "no-users", "no-recips", "all-ignored"]
runner = CliRunner()


def test_every_case_runs_and_failures_say_why() -> None:
    run = run_suites([MIXED])
    [suite] = run.suites
    assert [(c.name, c.passed) for c in suite.cases] == [
        ("outbound logs", True),
        ("inactive sender", True),
        ("wrong expectation", False),
        ("wrong reason", False),
        ("copy of a logged email", True),
    ]
    wrong = suite.cases[2]
    assert wrong.problems == ("expected LOG_OK, got NOLOG_CONTENT (rule content-filter)",)
    assert wrong.rule == "content-filter"
    assert any('Content filter "out-of-office"' in r for r in wrong.reasons)
    assert (wrong.position.path, wrong.position.line) == (MIXED, 18)
    reason = suite.cases[3]
    assert reason.outcome == reason.expect == "NOLOG_SENDER_NOT_USER"
    assert reason.problems == ("the reasons do not contain 'Zoe Smith'",)
    assert (run.total, run.failed, run.ok) == (5, 2, False)


def test_rule_coverage() -> None:
    run = run_suites([MIXED])
    [coverage] = run.coverage
    assert coverage.covered == ["duplicate", "sender-not-user", "content-filter", "log-ok"]
    assert coverage.never == NEVER
    assert coverage.percent == 50.0
    assert dict(coverage.decided)["sender-not-user"] == 2
    # Suites on the same pack add up; the passing suite names the shipped pack by path.
    both = run_suites([MIXED, PASSING])
    assert len(both.coverage) == 1
    assert dict(both.coverage[0].decided)["log-ok"] == 2


@pytest.mark.parametrize(("minimum", "low"), [(37.5, False), (40, True)])
def test_min_coverage(minimum: float, low: bool) -> None:
    run = run_suites([PASSING], min_coverage=minimum)
    assert run.failed == 0
    assert run.coverage[0].percent == 37.5
    assert bool(run.low_coverage) is low
    assert run.ok is not low


def test_junit_parses_back() -> None:
    run = run_suites([MIXED], min_coverage=60)
    root = ET.fromstring(junit_xml(run))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("6", "3")
    suite, gate = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("mixed", "5", "2")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["rule_coverage"] == "50.0"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == [
        "outbound logs",
        "inactive sender",
        "wrong expectation",
        "wrong reason",
        "copy of a logged email",
    ]
    assert cases["outbound logs"].find("failure") is None
    failure = cases["wrong expectation"].find("failure")
    assert failure is not None
    assert failure.get("message") == "expected LOG_OK, got NOLOG_CONTENT (rule content-filter)"
    assert failure.get("type") == "wrong-outcome"
    assert "deciding rule: content-filter" in (failure.text or "")
    assert 'Content filter "out-of-office"' in (failure.text or "")
    assert cases["wrong reason"].find("failure").get("type") == "wrong-reason"  # type: ignore[union-attr]
    assert cases["wrong expectation"].get("line") == "18"
    [coverage_case] = gate.findall("testcase")
    low = coverage_case.find("failure")
    assert low is not None
    assert low.get("message") == "50.0% < 60%: never decided: " + ", ".join(NEVER)


def test_junit_escapes_hostile_text(tmp_path: Path) -> None:
    suite = tmp_path / "hostile.yaml"
    suite.write_text(
        f"config: {SUITES.parent / 'cases' / 'org.yaml'}\n"
        "cases:\n"
        "  - name: '<b>\"quoted\" & ]]> </testcase>'\n"
        "    email: {from: alice@acme.com, to: [bob@customer.com]}\n"
        "    expect: LOG_OK\n"
        '    reason_contains: "\\x07<script>&"\n',
        encoding="utf-8",
    )
    run = run_suites([str(suite)])
    root = ET.fromstring(junit_xml(run))
    case = root.find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == '<b>"quoted" & ]]> </testcase>'
    assert "<script>&" in (case.find("failure").get("message") or "")  # type: ignore[union-attr]


def test_broken_suite_reports_every_problem_with_its_position() -> None:
    with pytest.raises(InputErrors) as info:
        load_suite(str(SUITES / "broken.yaml"))
    got = [(e.position.line, e.position.col, e.message) for e in info.value.errors]
    path = SUITES / "broken.yaml"
    assert [(line, col) for line, col, _ in got] == [(3, 5), (5, 5), (10, 35), (12, 5), (15, 13)], (
        "\n".join(str(e) for e in info.value.errors)
    )
    text = "\n".join(m for _, _, m in got)
    assert "'expect' is required" in text
    assert "give exactly one of: email, email_file" in text
    assert "unknown key 'too' (did you mean 'to'?)" in text
    assert "unknown key 'reasons_contain' (did you mean 'reason_contains'?)" in text
    assert "'log_ok' is not well-formed" in text
    assert all(e.position.path == str(path) for e in info.value.errors)


def test_missing_email_file_and_duplicate_names() -> None:
    with pytest.raises(InputErrors) as info:
        load_suite(str(SUITES / "missing-file.yaml"))
    messages = [str(e) for e in info.value.errors]
    assert len(messages) == 2
    assert messages[0].startswith(f"{SUITES / 'missing-file.yaml'}:4:17: email_file: ")
    assert "nowhere.yaml" in messages[0]
    assert messages[1] == (
        f"{SUITES / 'missing-file.yaml'}:9:11: duplicate case name 'twice' "
        f"(first at {SUITES / 'missing-file.yaml'}:6:5)"
    )


# --- CLI ------------------------------------------------------------------------------


def test_cli_failures_exit_1_and_write_junit(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result = runner.invoke(app, ["test", MIXED, "--junit", str(junit)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    out = result.output
    assert "✗ wrong expectation" in out
    assert "expected LOG_OK, got NOLOG_CONTENT (rule content-filter)" in out
    assert "deciding rule: content-filter" in out
    assert "✓ outbound logs" in out
    assert (
        "rule coverage of pack default: 4/8 rules (50%) decided a case; never: " + ", ".join(NEVER)
        in out
    )
    assert out.rstrip().endswith("5 cases: 3 passed, 2 failed")
    assert len(ET.parse(junit).getroot().findall("testsuite/testcase")) == 5


def test_cli_passing_suite_and_coverage_gate() -> None:
    ok = runner.invoke(app, ["test", PASSING])
    assert ok.exit_code == 0, ok.output
    low = runner.invoke(app, ["test", PASSING, "--min-coverage", "50"])
    assert low.exit_code == 1
    assert "rule coverage below 50%: default" in low.output


def test_cli_json() -> None:
    result = runner.invoke(app, ["test", MIXED, PASSING, "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert (data["total"], data["passed"], data["failed"]) == (8, 6, 2)
    assert data["coverage"][0]["percent"] == 50.0
    assert [s["name"] for s in data["suites"]] == ["mixed", "passing"]


def test_cli_broken_suite_exits_2() -> None:
    result = runner.invoke(app, ["test", str(SUITES / "broken.yaml")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{SUITES / 'broken.yaml'}:3:5: cases.0: 'expect' is required" in result.output


def test_cli_rules_option_overrides_the_suite(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    text = (shipped_rules_path() / "default.yaml").read_text(encoding="utf-8")
    pack.write_text(text.replace("priority: 70", "priority: 30"), encoding="utf-8")
    result = runner.invoke(app, ["test", PASSING, "--rules", str(pack), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["suites"][0]["coverage"]["path"] == str(pack)


def test_starter_suite_passes(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path / "kit")]).exit_code == 0
    result = runner.invoke(app, ["test", str(tmp_path / "kit" / "suite.yaml")])
    assert result.exit_code == 0, result.output
    assert "8 cases: 8 passed, 0 failed" in result.output
