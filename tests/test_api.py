"""The library API gives what the CLI prints: the CLI is a thin layer over it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from whynolog import api
from whynolog.cli.app import app

FIXTURES = Path(__file__).parent / "fixtures"
DIAGNOSE = FIXTURES / "diagnose"
STARTER = Path(__file__).parents[1] / "cli" / "starter"
AS_OF = "2026-11-26T09:00:00Z"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _away_from_the_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI looks for ./rules/ and $WHYNOLOG_RULES; the API takes the pack it is given."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WHYNOLOG_RULES", raising=False)


def cli(*args: str | Path, code: int = 0) -> str:
    result = runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1"})
    assert result.exit_code == code, result.output
    return result.stdout


def load(config: Path, rules: Path | None = None) -> api.Setup:
    """A setup as the CLI loads it (its pack named with where it was found)."""
    return api.load(config, rules, locate=True)


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


LOGS = {
    "starter": (STARTER / "admin.log", STARTER / "org.yaml"),
    "rejected-and-mismatches": (DIAGNOSE / "admin.log", DIAGNOSE / "org.yaml"),
    "csv": (DIAGNOSE / "admin.csv", DIAGNOSE / "org.yaml"),
    "jsonl": (DIAGNOSE / "admin.jsonl", DIAGNOSE / "org.yaml"),
    "hostile": (DIAGNOSE / "hostile.log", DIAGNOSE / "org.yaml"),
}


@pytest.mark.parametrize("name", sorted(LOGS))
def test_diagnose_to_dict_is_the_cli_json(name: str) -> None:
    log, config = LOGS[name]
    printed = json.loads(cli("diagnose", log, "--config", config, "--as-of", AS_OF, "-f", "json"))
    report = api.diagnose(load(config), log, as_of=AS_OF)
    assert report.to_dict() == printed
    assert printed["entries"] and printed["total"] == len(printed["entries"])


@pytest.mark.parametrize(
    ("options", "keywords"),
    [
        (["--redact"], {"redact": True}),
        (["--redact-subjects"], {"redact_subjects": True}),
    ],
    ids=["redact", "redact-subjects"],
)
def test_diagnose_redacted_with_a_key_is_the_cli_json(
    options: list[str], keywords: dict[str, Any]
) -> None:
    log, config = LOGS["rejected-and-mismatches"]
    printed = json.loads(
        cli(
            "diagnose",
            log,
            "-c",
            config,
            "--as-of",
            AS_OF,
            "--redact-key",
            "k",
            *options,
            "-f",
            "json",
        )
    )
    report = api.diagnose(load(config), log, as_of=AS_OF, redact_key="k", **keywords)
    assert report.to_dict() == printed
    assert "alice@" not in json.dumps(printed)


def test_diagnose_with_reading_options_and_business_hours_is_the_cli_json() -> None:
    log, config = LOGS["starter"]
    hours = "Mon-Fri 08:00-18:00"
    options = ("--tz", "Europe/Berlin", "--date-order", "dmy", "--business-hours", hours)
    printed = json.loads(
        cli("diagnose", log, "-c", config, "--as-of", AS_OF, *options, "-f", "json")
    )
    reading = api.LogReading(tz=api.parse_zone("Europe/Berlin"), date_order="dmy")
    report = api.diagnose(load(config), log, as_of=AS_OF, reading=reading, business_hours=hours)
    assert report.to_dict() == printed
    assert (
        printed["entries"][0]["time"]
        != json.loads(cli("diagnose", log, "-c", config, "--as-of", AS_OF, "-f", "json"))[
            "entries"
        ][0]["time"]
    )  # the zone was applied, not ignored


def test_the_stream_writes_the_cli_bytes_and_keeps_no_entries() -> None:
    log, config = LOGS["rejected-and-mismatches"]
    printed = cli("diagnose", log, "--config", config, "--as-of", AS_OF, "-f", "json")
    stream = api.diagnose_stream(load(config), log, as_of=AS_OF)
    out = io.StringIO()
    stream.write_json(out)
    assert out.getvalue() == printed
    assert stream.unreadable() is None
    report = stream.report()
    assert report.entries == []
    assert report.aggregates["total"] == len(json.loads(printed)["entries"])
    assert stream.findings() == {"alert": True, "disagree": True, "rejected": True}


def test_an_unreadable_log_is_refused_as_the_cli_refuses_it() -> None:
    config = STARTER / "org.yaml"
    result = runner.invoke(app, ["diagnose", str(config), "-c", str(config), "-f", "json"])
    assert result.exit_code == 2 and not result.stdout
    with pytest.raises(api.InputError) as refused:
        api.diagnose(load(config), config)
    assert str(refused.value) in result.stderr


def test_simulate_gives_the_cli_outcomes() -> None:
    emails = [STARTER / "emails.yaml", STARTER / "emails" / "welcome.eml"]
    config = STARTER / "org.yaml"
    printed = jsonl(cli("simulate", *emails, "--config", config, "-f", "jsonl"))
    verdicts = api.simulate(load(config), emails)
    assert [v.to_dict() for v in verdicts] == printed
    assert len({v.outcome for v in verdicts}) > 2  # several outcomes, not one by chance


def test_simulate_with_history_gives_the_cli_outcomes() -> None:
    emails, config, log = STARTER / "emails.yaml", STARTER / "org.yaml", STARTER / "admin.log"
    printed = jsonl(cli("simulate", emails, "-c", config, "--history", log, "-f", "jsonl"))
    rejected: list[Any] = []
    verdicts = api.simulate(load(config), emails, history=log, on_rejected=rejected.append)
    assert [v.to_dict() for v in verdicts] == printed and len(rejected) == 1


def test_simulate_takes_mappings_in_order() -> None:
    setup = load(STARTER / "org.yaml")
    email = {
        "message_id": "<same@acme.com>",
        "from": "Alice <alice@acme.com>",
        "to": ["buyer@customer.com"],
        "subject": "Quote",
    }
    first, second = api.simulate(setup, [email, email])
    assert (first.outcome, second.outcome) == ("LOG_OK", "NOLOG_DUPLICATE")
    assert first.rule and first.reasons and second.rule == "duplicate"


def test_a_bad_mapping_is_an_input_error() -> None:
    with pytest.raises(api.WhynologError, match="unknown key 'form'"):
        api.simulate(load(STARTER / "org.yaml"), [{"form": "a@b.com"}])


@pytest.mark.parametrize(
    ("name", "outcome"),
    [("starter", "NOLOG_*"), ("rejected-and-mismatches", "NOLOG_*"), ("hostile", "LOG_OK")],
)
def test_search_gives_the_cli_matches(name: str, outcome: str) -> None:
    log, _ = LOGS[name]
    printed = jsonl(cli("search", log, "--outcome", outcome, "-f", "jsonl"))
    found = api.search(log, outcomes=[outcome])
    assert [e.to_dict() for e in found] == printed
    assert found.matched == len(printed) > 0 and found.searched >= found.matched


def test_search_counts_and_groups_what_it_could_not_read() -> None:
    log, _ = LOGS["rejected-and-mismatches"]
    result = runner.invoke(app, ["search", str(log), "-f", "jsonl"])
    found = api.search(log)
    assert len(list(found)) == len(jsonl(result.stdout))
    assert found.rejected_count == 2 and len(found.rejected) == 2
    note = api.check_read(log, found.searched, found.rejections)
    assert note is not None and note in result.stderr


def test_search_refuses_an_outcome_the_pack_cannot_give() -> None:
    with pytest.raises(ValueError, match="matches no outcome code"):
        api.search(STARTER / "admin.log", outcomes=["NOPE"])


@pytest.mark.parametrize(
    ("options", "keywords"),
    [
        ([], {}),
        (["--redact", "--redact-key", "k"], {"redact": True, "redact_key": "k"}),
        (["--redact-subjects", "--redact-key", "k"], {"redact_subjects": True, "redact_key": "k"}),
    ],
    ids=["plain", "redact", "redact-subjects"],
)
def test_why_to_dict_is_the_cli_json(options: list[str], keywords: dict[str, Any]) -> None:
    log, config = LOGS["rejected-and-mismatches"]
    printed = json.loads(
        cli("why", log, "--subject", "e", "--config", config, *options, "-f", "json")
    )
    found = api.why(load(config), log, subject="e", **keywords)
    assert found.found and found.to_dict() == printed
    assert printed["rejected_groups"] and found.note is not None


def test_rules_reference_is_the_cli_json() -> None:
    printed = json.loads(cli("rules", "-f", "json"))
    assert api.rules_reference(load(STARTER / "org.yaml")) == printed["rules"]
    assert len(printed["rules"]) > 5


def test_load_without_a_configuration_says_what_to_pass() -> None:
    with pytest.raises(api.InputError, match="no configuration: pass --config"):
        api.load()


def test_bad_option_values_are_value_errors() -> None:
    setup = load(STARTER / "org.yaml")
    with pytest.raises(ValueError, match="bad duration"):
        api.diagnose(setup, STARTER / "admin.log", stale_after="soon")
    with pytest.raises(ValueError, match="bad date"):
        api.search(STARTER / "admin.log", since="yesterday")
    with pytest.raises(ValueError, match="unknown time zone"):
        api.parse_zone("Mars/Base")


def test_diff_to_dict_is_the_cli_json() -> None:
    folder = FIXTURES / "diff"
    corpus, config = folder / "corpus.yaml", folder / "org-edited.yaml"
    base = FIXTURES / "cases" / "org.yaml"
    new_rules = folder / "reordered.yaml"
    printed = json.loads(
        cli(
            "diff",
            corpus,
            "-c",
            base,
            "--new-config",
            config,
            "--new-rules",
            new_rules,
            "-f",
            "json",
        )
    )
    old, new = load(base), load(config, new_rules)
    impact = api.diff(corpus, old, new)
    assert impact.to_dict() == printed and printed["changed"]


def test_lint_gives_the_cli_json(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    config.write_text(
        (STARTER / "org.yaml").read_text(encoding="utf-8") + "\nunknown_key: 1\n", "utf-8"
    )
    printed = json.loads(cli("lint", "--config", config, "-f", "json", code=1))
    problems = api.lint(config)
    assert api.lint_data(problems) == printed and printed["errors"] >= 1
    assert {(p.path, p.severity) for p in problems} >= {(str(config), "error")}
    assert all(p.line >= 1 and p.column >= 1 and p.code and p.message for p in problems)


def _timeless(value: Any) -> Any:
    """A run's data without how long each part took (that differs from run to run)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k != "seconds"}
    return [_timeless(v) for v in value] if isinstance(value, list) else value


@pytest.mark.parametrize("suite", ["passing.yaml", "mixed.yaml"])
def test_run_suite_is_the_cli_run(suite: str) -> None:
    path = FIXTURES / "suites" / suite
    ok = suite == "passing.yaml"
    printed = json.loads(cli("test", path, "-f", "json", code=0 if ok else 1))
    run = api.run_suite(path)
    assert run.ok is ok
    assert _timeless(json.loads(api.json_text(run.to_dict()))) == _timeless(printed)
