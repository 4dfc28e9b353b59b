"""``search``, ``why``, ``diagnose`` and the demo's report through typer's CliRunner."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app

HERE = Path(__file__).parent / "fixtures" / "diagnose"
LOG = str(HERE / "admin.log")
CONFIG = str(HERE / "org.yaml")
STARTER = Path(__file__).parents[1] / "cli" / "starter"
runner = CliRunner()


def invoke(*args: str, input: str | bytes | None = None, code: int = 0) -> Any:
    result = runner.invoke(app, list(args), input=input, env={"NO_COLOR": "1"})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == code, result.output
    return result


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def diagnose_json(*args: str, input: bytes | None = None) -> dict[str, Any]:
    result = invoke("diagnose", *args, "--format", "json", input=input)
    return json.loads(result.stdout)


# --- search -----------------------------------------------------------------------------


def test_search_jsonl_records_what_the_log_recorded() -> None:
    rows = jsonl(invoke("search", LOG, "--format", "jsonl").stdout)
    assert len(rows) == 9
    first = rows[0]
    assert {"time", "subject", "outcome"} <= set(first)
    assert first["from"] == "alice@acme.com" and first["to"] == ["bob@customer.com"]
    assert first["message_id"] == "<w1@acme.com>" and first["user"] == "alice@acme.com"
    assert set(rows[2]) == {"time", "subject", "outcome", "line"}  # subject-only entry


def test_search_filters_combine() -> None:
    rows = jsonl(
        invoke(
            "search",
            LOG,
            "--subject",
            "WELCOME",
            "--outcome",
            "LOG_*",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-16",
            "-f",
            "jsonl",
        ).stdout
    )
    assert [r["line"] for r in rows] == [1]
    rows = jsonl(
        invoke("search", LOG, "--outcome", "NOLOG_DUPLICATE,NOLOG_NO_*", "-f", "jsonl").stdout
    )
    assert [r["outcome"] for r in rows] == [
        "NOLOG_DUPLICATE",
        "NOLOG_NO_USERS",
        "NOLOG_NO_RECIPS",
        "NOLOG_NO_USERS",
    ]
    rows = jsonl(
        invoke(
            "search",
            LOG,
            "--address",
            "@acme.com",
            "--outcome",
            "LOG_OK",
            "--since",
            "2026-11-17",
            "-f",
            "jsonl",
        ).stdout
    )
    assert [r["subject"] for r in rows] == ["Re: Welcome aboard"]
    rows = jsonl(invoke("search", LOG, "--address", "Carol@ACME.com", "-f", "jsonl").stdout)
    assert [r["subject"] for r in rows] == ["Hello from Pat"]


def test_search_text_table_and_rejected_lines_on_stderr() -> None:
    result = invoke("search", LOG, "--subject", "welcome")
    assert "TIME" in result.stdout and "OUTCOME" in result.stdout
    assert "2026-11-16 09:00:00  LOG_OK" in result.stdout
    assert "from alice@acme.com to bob@customer.com" in result.stdout
    assert "3 of 9 entries match" in result.stderr
    assert "2 log entries could not be read" in result.stderr
    assert "line 23" in result.stderr and "line 36" in result.stderr


def test_search_reads_stdin_in_every_format() -> None:
    text = (HERE / "admin.log").read_bytes()
    assert len(jsonl(invoke("search", "-", "-f", "jsonl", input=text).stdout)) == 9
    csv = (HERE / "admin.csv").read_bytes()
    rows = jsonl(invoke("search", "-", "--log-format", "csv", "-f", "jsonl", input=csv).stdout)
    assert [r["subject"] for r in rows] == [
        "Welcome aboard",
        "Out of office until Monday",
        "Demo recording",
    ]
    rows = jsonl(invoke("search", str(HERE / "admin.jsonl"), "-f", "jsonl").stdout)
    assert len(rows) == 3


def test_search_no_match_exits_1_like_grep() -> None:
    result = invoke("search", LOG, "--subject", "nothing like this", code=1)
    assert "0 of 9 entries match" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "yesterday"],
        ["--since", "2026-11-20", "--until", "2026-11-01"],
        ["--address", "not an address"],
    ],
)
def test_search_bad_options_exit_2(args: list[str]) -> None:
    invoke("search", LOG, *args, code=2)


def test_missing_log_is_an_input_error() -> None:
    result = invoke("search", str(HERE / "no-such.log"), code=2)
    assert "no-such.log" in result.stderr and "cannot read" in result.stderr
    result = invoke("diagnose", str(HERE), "--config", CONFIG, code=2)  # a folder of no logs
    assert f"{HERE}:" in result.stderr and "cannot read this log" in result.stderr


# --- why --------------------------------------------------------------------------------


def test_why_explains_a_disagreeing_entry() -> None:
    out = invoke("why", LOG, "--subject", "hello from pat", "--config", CONFIG).stdout
    assert "logged: LOG_OK" in out
    assert "contact record probably carries another" in out and "(pat@customer.com)" in out
    assert "this configuration: NOLOG_NO_USERS" in out
    assert "carol@acme.com belongs to user Carol Jones, whose account is inactive" in out
    assert "Activate the account of Carol Jones.  (verified: then LOG_OK)" in out
    assert "✗ disagrees" in out and "Carol Jones was probably still active on 2026-11-16" in out


def test_why_subject_only_entries() -> None:
    out = invoke("why", LOG, "--subject", "demo recording", "--config", CONFIG).stdout
    assert "recorded only the time and subject" in out
    assert "several outcomes are possible" in out and "NOLOG_NO_USERS" in out
    assert "~ undetermined" in out
    out = invoke("why", LOG, "--subject", "out of office", "--config", CONFIG).stdout
    assert "✗ disagrees" in out and 'out-of-office" probably did not exist yet' in out


def test_why_agreeing_entry_and_time_window() -> None:
    out = invoke(
        "why",
        LOG,
        "--subject",
        "welcome",
        "--since",
        "2026-11-16T09:01",
        "--until",
        "2026-11-16",
        "--config",
        CONFIG,
    ).stdout
    assert "line 1" not in out and "line 8" in out
    assert "logged: NOLOG_DUPLICATE" in out and "already logged" in out
    assert "✓ agrees" in out


def test_why_no_match_exits_1_and_says_so() -> None:
    result = invoke("why", LOG, "--subject", "never sent", "--config", CONFIG, code=1)
    assert 'No entry\'s subject contains "never sent"' in result.stdout
    assert "whynolog diagnose" in result.stdout
    result = invoke("why", LOG, "--subject", "never sent", "--config", CONFIG, "-f", "json", code=1)
    assert json.loads(result.stdout)["matches"] == []


def test_why_json_markdown_html() -> None:
    data = json.loads(
        invoke("why", LOG, "--subject", "hello", "--config", CONFIG, "-f", "json").stdout
    )
    (match,) = data["matches"]
    assert match["entry"]["line"] == 18
    assert match["prediction"]["status"] == "disagree"
    assert match["prediction"]["verdict"]["rule"] == "no-users"
    assert match["meaning"]["code"] == "LOG_OK"
    md = invoke("why", LOG, "--subject", "hello", "--config", CONFIG, "-f", "markdown").stdout
    assert md.startswith("# Why") and "**Disagrees:**" in md
    html = invoke("why", LOG, "--subject", "hello", "--config", CONFIG, "-f", "html").stdout
    assert "Content-Security-Policy" in html and "<script" not in html.lower()
    assert "Disagrees:" in html


# --- diagnose ---------------------------------------------------------------------------


def test_diagnose_json_follows_the_contract() -> None:
    data = diagnose_json(LOG, "--config", CONFIG, "--as-of", "2026-11-20T12:00Z")
    assert (data["total"], data["agree"], data["disagree"], data["undetermined"]) == (9, 5, 2, 2)
    assert len(data["entries"]) == data["total"]
    for row in data["entries"]:
        assert {
            "time",
            "subject",
            "logged",
            "predicted",
            "status",
            "possible",
            "causes",
            "line",
        } <= set(row)
        assert row["status"] in ("agree", "disagree", "undetermined")
    health = data["health"]
    assert health["last_entry"].startswith("2026-11-20T09:00")
    assert health["last_log_ok"].startswith("2026-11-20T09:00")
    assert health["alerts"] == []
    assert [(r["line"], bool(r["reason"])) for r in data["rejected"]] == [(23, True), (36, True)]
    for key in ("by_outcome", "by_day", "by_user", "matrix", "mismatches"):
        assert key in data
    subjects = {r["subject"]: r for r in data["entries"]}
    assert subjects["Demo recording"]["status"] == "undetermined"
    assert "NOLOG_NO_USERS" in subjects["Demo recording"]["possible"]
    assert subjects["Out of office until Monday"]["status"] == "disagree"


def test_diagnose_alerts_with_as_of() -> None:
    data = diagnose_json(LOG, "--config", CONFIG, "--as-of", "2026-11-23", "--stale-after", "2d")
    (alert,) = data["health"]["alerts"]
    assert alert["code"] == "NO_RECENT_LOGGING"
    assert "password+token" in alert["message"] and "crm-admin@acme.com" in alert["message"]
    assert not diagnose_json(
        LOG, "--config", CONFIG, "--as-of", "2026-11-21", "--stale-after", "2d"
    )["health"]["alerts"]
    data = diagnose_json(LOG, "--config", str(HERE / "org-invalid.yaml"), "--as-of", "2026-11-23")
    assert [a["code"] for a in data["health"]["alerts"]] == [
        "NO_RECENT_LOGGING",
        "CREDENTIALS_INVALID",
    ]


def test_diagnose_other_log_formats_and_stdin() -> None:
    for name, fmt in (("admin.csv", "csv"), ("admin.jsonl", "jsonl")):
        data = diagnose_json(str(HERE / name), "--config", CONFIG)
        assert data["total"] == 3 and len(data["rejected"]) == 1, name
        piped = diagnose_json(
            "-", "--log-format", fmt, "--config", CONFIG, input=(HERE / name).read_bytes()
        )
        assert piped["entries"] == data["entries"]
    assert diagnose_json(str(HERE / "admin.csv"), "--config", CONFIG)["rejected"][0]["line"] == 4


def test_diagnose_text_summary_health_first() -> None:
    out = invoke("diagnose", LOG, "--config", CONFIG, "--as-of", "2026-11-25").stdout
    assert out.index("HEALTH") < out.index("PREDICTED VS LOGGED") < out.index("MISMATCHES")
    assert "✗ NO_RECENT_LOGGING" in out
    assert "9 entries: 5 agree, 2 disagree, 2 undetermined" in out
    assert "2 could not be read" in out
    assert "(line 23)" in out and "(line 36)" in out  # grouped by reason
    assert "(no entries)" in out  # the days of the gap
    assert "\x1b[" not in out


def test_diagnose_markdown_and_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    result = invoke("diagnose", LOG, "--config", CONFIG, "-f", "markdown", "-o", str(target))
    assert result.stdout == "" and str(target) in result.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Diagnosis") and "## Health" in text
    assert "| predicted \\ logged |" in text
    json_target = tmp_path / "report.json"
    invoke("diagnose", LOG, "--config", CONFIG, "-f", "json", "-o", str(json_target))
    assert json.loads(json_target.read_text(encoding="utf-8"))["total"] == 9


def test_diagnose_html_is_self_contained() -> None:
    html = invoke("diagnose", LOG, "--config", CONFIG, "-f", "html").stdout
    assert 'http-equiv="Content-Security-Policy"' in html
    assert "<script" not in html.lower() and "javascript:" not in html.lower()
    assert html.count("<svg") == 2 and 'id="chart-timeline"' in html
    assert 'id="chart-matrix"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_diagnose_escapes_hostile_subjects() -> None:
    log = str(HERE / "hostile.log")
    html = invoke("diagnose", log, "--config", CONFIG, "-f", "html").stdout
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;" in html
    md = invoke("diagnose", log, "--config", CONFIG, "-f", "markdown").stdout
    assert not re.search(r"(?<!\\)<(script|img)", md)
    assert "\\<script\\>" in md


def test_diagnose_redact_leaves_no_real_address() -> None:
    outputs = [
        invoke(
            "diagnose", LOG, "--config", CONFIG, "--redact", "--as-of", "2026-11-25", "-f", fmt
        ).stdout
        for fmt in ("json", "text", "markdown", "html")
    ]
    emails = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    for output in outputs:
        found = {m for m in emails.findall(output) if not m.endswith("redacted.invalid")}
        assert not found, found
        assert "Alice Smith" not in output
    data = json.loads(outputs[0])
    assert all(user.startswith("person-") for user in data["by_user"])
    assert "@redacted.invalid" in data["health"]["alerts"][0]["message"]


def test_diagnose_redact_key_gives_stable_pseudonyms() -> None:
    def users(key: str) -> list[str]:
        return list(
            diagnose_json(LOG, "--config", CONFIG, "--redact", "--redact-key", key)["by_user"]
        )

    assert users("k1") == users("k1") != users("k2")


@pytest.mark.parametrize(
    "args", [["--stale-after", "soon"], ["--as-of", "tomorrow"], ["--log-format", "xml"]]
)
def test_diagnose_bad_options_exit_2(args: list[str]) -> None:
    invoke("diagnose", LOG, "--config", CONFIG, *args, code=2)


def test_bad_configuration_is_reported_with_its_position(tmp_path: Path) -> None:
    bad = tmp_path / "org.yaml"
    bad.write_text("organization: [\n", encoding="utf-8")
    result = invoke("diagnose", LOG, "--config", str(bad), code=2)
    assert re.search(r"org\.yaml:\d+:\d+: ", result.stderr)


def test_demo_diagnoses_the_starter_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("demo")
    assert "HEALTH: are any emails logging?" in result.stdout
    assert "42 entries: 30 agree, 3 disagree, 9 undetermined" in result.stdout
    assert "1 could not be read" in result.stdout
    report = tmp_path / "whynolog-report.html"
    assert str(report) in result.stderr
    assert report.read_text(encoding="utf-8").count("<svg") == 2


def test_starter_log_covers_every_code_and_its_weekend_is_no_gap() -> None:
    data = diagnose_json(
        str(STARTER / "admin.log"),
        "--config",
        str(STARTER / "org.yaml"),
        "--as-of",
        "2026-11-26T09:00Z",
    )
    assert set(data["by_outcome"]) == {
        "LOG_OK",
        "NOLOG_SENDER_NOT_USER",
        "NOLOG_ALL_IGNORED",
        "NOLOG_CONTENT",
        "NOLOG_DUPLICATE",
        "NOLOG_NO_RECIPS",
        "NOLOG_NO_USERS",
    }
    assert data["health"]["gaps"] == []  # the quiet weekend is the log's rhythm, no outage
    assert data["health"]["rhythm"].endswith("(learned from the log)")
    assert data["disagree"] >= 2 and len(data["rejected"]) == 1
    days = set(data["by_day"])
    assert "2026-11-21" not in days and "2026-11-22" not in days


def test_why_explains_at_most_a_few_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    from whynolog.engine.audit import why

    monkeypatch.setattr(why, "MAX_MATCHES", 2)
    result = invoke("why", LOG, "--subject", "e", "--config", CONFIG)
    assert "Showing the first 2 of 8 matching entries" in result.stdout
    data = json.loads(
        invoke("why", LOG, "--subject", "welcome", "--config", CONFIG, "-f", "json").stdout
    )
    assert (data["matched"], len(data["matches"])) == (3, 2)
