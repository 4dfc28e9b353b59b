"""``diff``: which emails change outcome, and why, when the rules or the configuration change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.audit.impact import Impact, Setup, compare, load_corpus
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.read.config import load_config
from whynolog.engine.read.emails import Email

DIFF = Path(__file__).parent / "fixtures" / "diff"
CONFIG = str(Path(__file__).parent / "fixtures" / "cases" / "org.yaml")
EDITED = str(DIFF / "org-edited.yaml")
REORDERED = str(DIFF / "reordered.yaml")
CORPUS = str(DIFF / "corpus.yaml")
LOG = str(DIFF / "admin.log")
runner = CliRunner()


def _impact(corpus: str, old: Setup, new: Setup) -> Impact:
    loaded = load_corpus(corpus)
    return compare(loaded.emails, old, new, corpus, loaded.skipped)


@pytest.fixture(scope="module")
def shipped() -> Setup:
    return Setup(load_config(CONFIG), load_rule_pack())


def test_reordering_two_rules(shipped: Setup) -> None:
    new = Setup(shipped.config, load_rule_pack(REORDERED))
    impact = _impact(CORPUS, shipped, new)
    assert impact.total == 10
    assert [(c.index, c.old, c.new, c.old_rule, c.new_rule) for c in impact.changed] == [
        (1, "NOLOG_SENDER_NOT_USER", "NOLOG_CONTENT", "sender-not-user", "content-filter"),
        (2, "NOLOG_SENDER_NOT_USER", "NOLOG_CONTENT", "sender-not-user", "content-filter"),
    ]
    assert impact.rule_changed == ()
    first = impact.changed[0]
    assert first.reason == (
        "rule content-filter (priority 30, was 70) now comes before sender-not-user (priority 40)"
    )
    assert first.reasons == (
        'Content filter "out-of-office" matched the subject (contains "Out Of Office").',
    )
    assert impact.matrix == {
        "NOLOG_SENDER_NOT_USER": {"NOLOG_SENDER_NOT_USER": 1, "NOLOG_CONTENT": 2},
        "NOLOG_NO_RECIPS": {"NOLOG_NO_RECIPS": 1},
        "NOLOG_CONTENT": {"NOLOG_CONTENT": 1},
        "NOLOG_ALL_IGNORED": {"NOLOG_ALL_IGNORED": 4},
        "LOG_OK": {"LOG_OK": 1},
    }


def test_editing_an_ignore_list(shipped: Setup) -> None:
    new = Setup(load_config(EDITED), shipped.pack)
    impact = _impact(CORPUS, shipped, new)
    assert [(c.index, c.subject, c.old, c.new) for c in impact.changed] == [
        (3, "Weekend", "NOLOG_ALL_IGNORED", "LOG_OK"),
        (6, "Hello Alice", "NOLOG_ALL_IGNORED", "LOG_OK"),
    ]
    assert impact.changed[0].reason == (
        "now not every external party is on an ignore list: bob@gmail.com (before: every "
        "external party is on an ignore list); so rule all-ignored no longer applies"
    )
    assert (
        impact.changed[0].old_reasons[0]
        == 'bob@gmail.com is on the ignore list of Alice Smith (entry "bob@gmail.com").'
    )


def test_nothing_changes_against_itself(shipped: Setup) -> None:
    impact = _impact(CORPUS, shipped, Setup(shipped.config, load_rule_pack()))
    assert (impact.total, impact.changed, impact.rule_changed) == (10, (), ())


def test_a_rule_change_that_keeps_the_outcome(shipped: Setup, tmp_path: Path) -> None:
    text = Path(REORDERED).read_text(encoding="utf-8")
    pack = tmp_path / "renamed.yaml"
    pack.write_text(text.replace("id: all-ignored", "id: everyone-ignored"), encoding="utf-8")
    impact = _impact(CORPUS, shipped, Setup(shipped.config, load_rule_pack(pack)))
    assert [c.index for c in impact.changed] == [1, 2]
    assert [c.index for c in impact.rule_changed] == [3, 5, 6, 7]
    assert impact.rule_changed[0].reason == (
        "rule all-ignored is not in the new pack; rule everyone-ignored is new"
    )


def test_an_admin_log_corpus(shipped: Setup) -> None:
    loaded = load_corpus(LOG)
    assert loaded.kind == "log"
    assert [e.subject for e in loaded.emails] == ["Out Of Office today", "Weekend", "Q4 renewal"]
    skipped = [(p.line, why) for p, why in loaded.skipped]
    assert len(skipped) == 2
    assert skipped[0] == (6, "participants not recorded")
    assert skipped[1][0] == 20  # "this line is not an entry"
    impact = compare(loaded.emails, shipped, Setup(shipped.config, load_rule_pack(REORDERED)))
    assert [(c.index, c.source, c.new) for c in impact.changed] == [
        (0, f"{LOG}:1:1", "NOLOG_CONTENT")
    ]


# --- CLI ------------------------------------------------------------------------------


def test_cli_json_per_spec() -> None:
    result = runner.invoke(
        app, ["diff", CORPUS, "--config", CONFIG, "--new-rules", REORDERED, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 10
    assert [
        {k: c[k] for k in ("index", "subject", "old", "new", "old_rule", "new_rule")}
        for c in data["changed"]
    ] == [
        {
            "index": 1,
            "subject": "Out Of Office today",
            "old": "NOLOG_SENDER_NOT_USER",
            "new": "NOLOG_CONTENT",
            "old_rule": "sender-not-user",
            "new_rule": "content-filter",
        },
        {
            "index": 2,
            "subject": "Offers",
            "old": "NOLOG_SENDER_NOT_USER",
            "new": "NOLOG_CONTENT",
            "old_rule": "sender-not-user",
            "new_rule": "content-filter",
        },
    ]
    assert data["matrix"]["NOLOG_SENDER_NOT_USER"] == {
        "NOLOG_SENDER_NOT_USER": 1,
        "NOLOG_CONTENT": 2,
    }


def test_cli_text_report_and_fail_on_change() -> None:
    result = runner.invoke(
        app, ["diff", CORPUS, "-c", CONFIG, "--new-rules", REORDERED, "--fail-on-change"]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    out = result.output
    assert "2 of 10 emails change outcome." in out
    assert (
        "NOLOG_SENDER_NOT_USER (rule sender-not-user)  →  NOLOG_CONTENT "
        "(rule content-filter)" in out
    )
    assert (
        "why: rule content-filter (priority 30, was 70) now comes before sender-not-user "
        "(priority 40)" in out
    )
    assert "2. Out Of Office today" in out and "3. Offers" in out


def test_cli_config_change_without_changes_passes_the_gate() -> None:
    result = runner.invoke(
        app, ["diff", CORPUS, "--old-config", CONFIG, "--new-config", CONFIG, "--fail-on-change"]
    )
    assert result.exit_code == 0, result.output
    assert "No email of 10 changes outcome." in result.output


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_cli_reports(fmt: str) -> None:
    result = runner.invoke(
        app, ["diff", CORPUS, "--old-config", CONFIG, "--new-config", EDITED, "-f", fmt]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    if fmt == "html":
        assert out.startswith("<!DOCTYPE html>")
        assert '<td class="num disagree">2</td>' in out
        assert "now not every external party is on an ignore list: bob@gmail.com" in out
    else:
        assert "**2 of 10 emails change outcome**" in out
        assert "| NOLOG\\_ALL\\_IGNORED | " in out
        assert "### 4. Weekend" in out


def test_cli_says_what_changed_is_required() -> None:
    result = runner.invoke(app, ["diff", CORPUS, "-c", CONFIG])
    assert result.exit_code == 2
    assert "--old-rules" in result.output
    assert "Traceback" not in result.output


def test_cli_broken_new_pack_is_an_input_error(tmp_path: Path) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text("rules:\n  - id: x\n    priority: one\n", encoding="utf-8")
    result = runner.invoke(app, ["diff", CORPUS, "-c", CONFIG, "--new-rules", str(pack)])
    assert result.exit_code == 2
    assert f"{pack}:3:15: rules.0.priority: expected integer" in result.output
    assert "Traceback" not in result.output


def test_a_pack_without_catch_all_leaves_emails_undecided(shipped: Setup) -> None:
    pack = load_rule_pack(Path(__file__).parent / "fixtures" / "lint" / "rules-logic.yaml")
    impact = _impact(str(DIFF / "corpus.yaml"), shipped, Setup(shipped.config, pack))
    assert impact.total == 10
    email = Email(sender="pat@customer.com", to=("sales@acme.com",), subject="Hi")
    [change] = compare([email], shipped, Setup(shipped.config, pack)).changed
    assert (change.new, change.new_rule) == ("UNDECIDED", None)
    assert change.reason.endswith("no rule of the new pack applies")
