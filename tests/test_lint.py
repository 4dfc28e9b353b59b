"""``lint``: every finding from a fixture (tests/fixtures/lint/cases.yaml), with its position."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.decide.rulepack import load_rule_pack, shipped_rules_path
from whynolog.engine.qa.lint import CODES, Problem, analyse_pack, lint, lint_config, lint_rules

LINT = Path(__file__).parent / "fixtures" / "lint"
_KEYS = {"name", "config", "rules", "expect", "messages"}


class LintCase(NamedTuple):
    name: str
    target: Path
    kind: str  # config | rules
    expect: list[str]  # code@line:col
    messages: list[str]


def _cases() -> list[LintCase]:
    data = yaml.safe_load((LINT / "cases.yaml").read_text(encoding="utf-8"))
    cases = []
    for raw in data["cases"]:
        unknown = set(raw) - _KEYS
        assert not unknown, f"{raw.get('name')}: unknown keys {unknown}"
        kind = "config" if "config" in raw else "rules"
        cases.append(
            LintCase(raw["name"], LINT / raw[kind], kind, raw["expect"], raw.get("messages", []))
        )
    return cases


def _run(case: LintCase) -> list[Problem]:
    found = lint_config(str(case.target)) if case.kind == "config" else lint_rules(case.target)
    return sorted(found, key=lambda f: f.sort_key)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.name)
def test_lint_case(case: LintCase) -> None:
    findings = _run(case)
    got = [f"{f.code}@{f.position.line}:{f.position.col}" for f in findings]
    assert sorted(got) == sorted(case.expect), "\n".join(map(str, findings))
    text = "\n".join(f.message for f in findings)
    for needle in case.messages:
        assert needle in text, f"{needle!r} not in:\n{text}"
    for finding in findings:
        assert Path(finding.position.path).is_file()
        assert finding.severity in ("error", "warning")
        assert str(finding).endswith(f": {finding.severity}: {finding.message} [{finding.code}]")


def test_every_documented_code_has_a_fixture() -> None:
    documented = set(CODES)
    covered = {e.split("@")[0] for c in _cases() for e in c.expect}
    assert documented - covered == {"analysis-too-large"}  # tested on its own below
    assert covered <= documented


def test_shipped_pack_and_starter_configuration_are_clean() -> None:
    starter = Path(__file__).parents[1] / "cli" / "starter" / "org.yaml"
    assert lint(str(starter), None) == []


def _shipped() -> list[dict[str, Any]]:
    return yaml.safe_load((shipped_rules_path() / "default.yaml").read_text("utf-8"))["rules"]


def _write_pack(tmp_path: Path, rules: list[dict[str, Any]]) -> Path:
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
    return path


def test_a_rule_shadowed_by_two_rules_together(tmp_path: Path) -> None:
    rule = {"outcome": "NOLOG_CONTENT", "explain": "x", "remedy": "y"}
    rules = [
        {"id": "outbound", "priority": 1, "when": {"direction": "outbound"}, **rule},
        {
            "id": "inbound-copy",
            "priority": 2,
            "when": {"direction": "inbound", "duplicate": True},
            **rule,
        },
        {"id": "copy", "priority": 3, "when": {"duplicate": True}, **rule},  # line 17
        {"id": "rest", "priority": 4, "when": {}, **rule},
    ]
    [finding] = lint_rules(_write_pack(tmp_path, rules))
    assert finding.code == "rule-shadowed"
    assert (finding.position.line, finding.position.col) == (17, 3)
    assert finding.message == (
        "rule 'copy' can never decide: whenever it matches, one of "
        "rules 'outbound' (priority 1) or 'inbound-copy' (priority 2) "
        "matches first"
    )


def test_moving_the_catch_all_first_shadows_everything(tmp_path: Path) -> None:
    rules = _shipped()
    rules[-1]["priority"] = 1
    codes = {(f.code, f.message.split("'")[1]) for f in lint_rules(_write_pack(tmp_path, rules))}
    expected = {("rule-shadowed", r["id"]) for r in rules[:-1]}
    assert codes == expected


def test_analysis_of_a_loaded_pack_names_the_undecided_facts(tmp_path: Path) -> None:
    rules = [r for r in _shipped() if r["id"] != "log-ok"]
    findings = analyse_pack(load_rule_pack(_write_pack(tmp_path, rules)))
    assert [f.code for f in findings] == ["no-catch-all"]
    assert "credentials_valid=true" in findings[0].message


def test_a_pack_too_large_to_enumerate_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import whynolog.engine.qa.lint.interplay as module

    monkeypatch.setattr(module, "MAX_VECTORS", 100)
    [finding] = analyse_pack(load_rule_pack())
    assert finding.code == "analysis-too-large"
    assert finding.severity == "warning"
    assert finding.message.startswith("256 combinations of fact values")


def test_bad_time_is_reported_with_regex_problems(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    config.write_text(
        "organization: {name: A}\nintegration: {last_verified: yesterday}\n"
        "content_filters:\n  - {name: f, regex: '(?=x)'}\n",
        encoding="utf-8",
    )
    got = [(f.code, f.position.line, f.position.col) for f in lint_config(str(config))]
    assert got == [("schema", 2, 30), ("regex-unsupported", 4, 23)]


def test_findings_are_plain_data() -> None:
    case = next(c for c in _cases() if c.name == "unknown-fact")
    [finding] = _run(case)
    data = finding.to_dict()
    assert data == {
        "path": str(case.target),
        "line": 5,
        "column": 7,
        "severity": "error",
        "message": finding.message,
        "code": "unknown-fact",
    }
    assert json.loads(json.dumps(data)) == data


# --- CLI ------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_clean_configuration_prints_a_summary(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    starter = Path(__file__).parents[1] / "cli" / "starter" / "org.yaml"
    result = runner.invoke(app, ["lint", "--config", str(starter)])
    assert result.exit_code == 0, result.output
    assert result.output == f"No problems in {starter} and the shipped rule pack.\n"
    assert len(result.output.splitlines()) == 1
    quiet = runner.invoke(app, ["lint", "--config", str(starter), "-q"])
    assert (quiet.exit_code, quiet.output) == (0, "")


def test_cli_without_a_configuration_exits_2_naming_the_paths_tried(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WHYNOLOG_CONFIG", raising=False)
    result = runner.invoke(app, ["lint"])
    assert result.exit_code == 2
    assert "no configuration found" in result.output
    assert str(tmp_path / "org.yaml") in result.output
    assert "Traceback" not in result.output


def test_cli_reports_every_problem_of_a_file_with_several_at_once() -> None:
    config, rules = LINT / "config-several.yaml", LINT / "rules-several.yaml"
    result = runner.invoke(app, ["lint", "-c", str(config), "-r", str(rules)])
    assert result.exit_code == 1
    *lines, summary = result.output.splitlines()
    assert len(lines) == 15
    positions = [tuple(int(n) for n in line.split(":")[1:3]) for line in lines[:9]]
    assert positions == sorted(positions)  # in file order
    assert any("[regex-unsupported]" in line for line in lines)  # not hidden by the schema
    assert any("unknown name 'sendr' (did you mean 'sender'?)" in line for line in lines)
    assert summary == f"10 errors, 5 warnings in {config} and rule pack {rules}."


def _region(result: dict[str, Any]) -> tuple[int, ...]:
    return tuple(result["locations"][0]["physicalLocation"]["region"].values())


def test_cli_sarif() -> None:
    result = runner.invoke(app, ["lint", "-c", str(LINT / "config-regex.yaml"), "-f", "sarif"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["version"] == "2.1.0"
    [run] = data["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert [
        (rules[r["ruleIndex"]], r["ruleId"], r["level"], *_region(r)) for r in run["results"]
    ] == [
        ("regex-unsupported", "regex-unsupported", "error", 6, 13),
        ("bad-regex", "bad-regex", "error", 8, 13),
        ("regex-unsupported", "regex-unsupported", "error", 10, 13),
    ]


def test_cli_findings_exit_1_with_positions() -> None:
    result = runner.invoke(
        app,
        [
            "lint",
            "--config",
            str(LINT / "config-mistakes.yaml"),
            "--rules",
            str(LINT / "rules-logic.yaml"),
        ],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert (
        f"{LINT / 'config-mistakes.yaml'}:16:28: error: alice@acme.com is also an address "
        f"of user 'Alice' (line 6); an address belongs to one user "
        f"[address-on-two-users]" in lines
    )
    assert any(
        line.startswith(f"{LINT / 'rules-logic.yaml'}:10:5: error: ")
        and line.endswith("[rule-shadowed]")
        for line in lines
    )
    assert len(lines) == 13  # the problems and a summary
    assert lines[-1] == "5 errors, 7 warnings in " + (
        f"{LINT / 'config-mistakes.yaml'} and rule pack {LINT / 'rules-logic.yaml'}."
    )


def test_cli_warnings_only_exit_0(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    config.write_text(
        "organization: {name: A, internal_domains: [a.com]}\n"
        "users:\n  - name: U\n    emails: [u@a.com]\n"
        "    ignore: [x@b.com, x@b.com]\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["lint", "--config", str(config)])
    assert result.exit_code == 0
    assert result.output.startswith(
        f"{config}:5:23: warning: ignore entry 'x@b.com' of 'U' repeats "
        f"'x@b.com' (line 5) [duplicate-ignore]\n1 warning in "
    )


def test_cli_json() -> None:
    result = runner.invoke(app, ["lint", "-c", str(LINT / "config-regex.yaml"), "-f", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert (data["errors"], data["warnings"]) == (3, 0)
    assert [(f["code"], f["line"], f["column"]) for f in data["problems"]] == [
        ("regex-unsupported", 6, 13),
        ("bad-regex", 8, 13),
        ("regex-unsupported", 10, 13),
    ]


def test_cli_missing_file_is_an_input_error() -> None:
    result = runner.invoke(app, ["lint", "--config", "no-such-org.yaml"])
    assert result.exit_code == 2
    assert "no-such-org.yaml: no such file" in result.output
    assert "Traceback" not in result.output
