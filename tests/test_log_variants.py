"""The shipped admin log as users hold it: pasted, re-encoded, re-timed, exported to CSV/TSV.

Every variant must give the same ``diagnose --format json`` entries (time, logged,
predicted, status) as the canonical log, through the real CLI.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.read.adminlog import LogEntry, read_log

STARTER = Path(__file__).parents[1] / "cli" / "starter"
LOG = STARTER / "admin.log"
CONFIG = str(STARTER / "org.yaml")
AS_OF = "2026-11-25T00:00:00Z"
UTC = dt.timezone.utc
_FIRST = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}) (Subject:.*)$")
runner = CliRunner()


def canonical() -> str:
    return LOG.read_text(encoding="utf-8")


def retimed(show: Callable[[dt.datetime], str]) -> str:
    """The canonical log with every entry's time written by ``show`` (given the UTC time)."""
    out = []
    for line in canonical().split("\n"):
        match = _FIRST.match(line)
        if match:
            when = dt.datetime.fromisoformat(match[1]).replace(tzinfo=UTC)
            line = f"{show(when)} {match[2]}"
        out.append(line)
    return "\n".join(out)


def us(when: dt.datetime) -> str:
    hour = when.hour % 12 or 12
    half = "AM" if when.hour < 12 else "PM"
    return f"{when.month}/{when.day}/{when.year} {hour}:{when:%M:%S} {half} "  # two spaces


def zoned(zone: str, abbreviation: str = "") -> Callable[[dt.datetime], str]:
    def show(when: dt.datetime) -> str:
        local = when.astimezone(ZoneInfo(zone))
        return f"{local:%Y-%m-%d %H:%M:%S} {abbreviation}".rstrip()

    return show


def entries() -> list[LogEntry]:
    return [e for e in read_log(str(LOG)) if isinstance(e, LogEntry)]


def table(delimiter: str, header: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for e in entries():
        writer.writerow(
            [
                f"{e.time:%Y-%m-%d %H:%M:%S}",
                e.subject,
                e.sender or "",
                "; ".join(e.to or ()),
                "; ".join(e.cc or ()),
                e.message_id or "",
                e.outcome,
                e.user or "",
            ]
        )
    return out.getvalue()


TSV_HEADER = ["Logged At", "Topic", "Originator", "Addressees", "Copied", "Ref", "Verdict", "Acct"]
TSV_COLUMNS = (
    "time=Logged At,subject=Topic,from=Originator,to=Addressees,cc=Copied,"
    "message_id=Ref,outcome=Verdict,user=Acct"
)


def variants() -> dict[str, tuple[bytes, str, list[str]]]:
    """name → (file bytes, file name, extra diagnose options)."""
    text = canonical()
    lines = text.split("\n")
    return {
        "pasted with indentation": (
            "\n".join(f"    {line}  " if line else " \t " for line in lines).encode(),
            "admin.log",
            [],
        ),
        "headers indented by a tab": (
            "\n".join(
                line if _FIRST.match(line) or not line else f"\t{line}" for line in lines
            ).encode(),
            "admin.log",
            [],
        ),
        "CRLF and UTF-8 BOM": (("\ufeff" + text.replace("\n", "\r\n")).encode(), "admin.log", []),
        "CR line ends": (text.replace("\n", "\r").encode(), "admin.log", []),
        "UTF-16 with BOM": (text.encode("utf-16"), "admin.log", []),
        "UTF-32 with BOM": (text.encode("utf-32"), "admin.log", []),
        "US times, AM/PM, two spaces": (retimed(us).encode(), "admin.log", []),
        "EU times (D.M.YYYY)": (
            retimed(lambda w: f"{w.day}.{w.month}.{w.year} {w:%H:%M:%S}").encode(),
            "admin.log",
            [],
        ),
        "YYYY/MM/DD times": (retimed(lambda w: f"{w:%Y/%m/%d %H:%M:%S}").encode(), "admin.log", []),
        "ISO T, fraction, Z": (
            retimed(lambda w: f"{w:%Y-%m-%dT%H:%M:%S}.000Z").encode(),
            "admin.log",
            [],
        ),
        "zoned: PST": (retimed(zoned("Etc/GMT+8", "PST")).encode(), "admin.log", []),
        "zoned: +05:30": (
            retimed(
                lambda w: w.astimezone(dt.timezone(dt.timedelta(hours=5.5))).isoformat()
            ).encode(),
            "admin.log",
            [],
        ),
        "zoned: CET": (retimed(zoned("Etc/GMT-1", "CET")).encode(), "admin.log", []),
        "naive local, --tz Europe/Berlin": (
            retimed(zoned("Europe/Berlin")).encode(),
            "admin.log",
            ["--tz", "Europe/Berlin"],
        ),
        "naive local US form, --tz America/New_York": (
            retimed(lambda w: us(w.astimezone(ZoneInfo("America/New_York")))).encode(),
            "admin.log",
            ["--tz", "America/New_York"],
        ),
        "semicolon CSV, usual header names": (
            table(
                ";",
                ["Date", "Subject", "Sender", "Recipients", "CC", "Message ID", "Result", "User"],
            ).encode("utf-8-sig"),
            "export.csv",
            [],
        ),
        "TSV with --columns": (
            table("\t", TSV_HEADER).encode(),
            "export.tsv",
            ["--columns", TSV_COLUMNS],
        ),
    }


def diagnose(path: Path, *options: str) -> tuple[int, str, dict[str, Any] | None]:
    result = runner.invoke(
        app,
        ["diagnose", str(path), "-c", CONFIG, "--as-of", AS_OF, "--format", "json", *options],
        env={"NO_COLOR": "1"},
    )
    assert "Traceback" not in result.output
    data = json.loads(result.stdout) if result.exit_code == 0 else None
    return result.exit_code, result.stderr, data


def essentials(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(e["time"], e["logged"], e["predicted"], e["status"]) for e in data["entries"]]


@pytest.fixture(scope="module")
def expected() -> list[tuple[str, str, str, str]]:
    code, _, data = diagnose(LOG)
    assert code == 0 and data is not None
    assert len(data["entries"]) == 42
    return essentials(data)


@pytest.mark.parametrize("name", list(variants()))
def test_variant_gives_the_canonical_entries(
    name: str, expected: list[tuple[str, str, str, str]], tmp_path: Path
) -> None:
    data, filename, options = variants()[name]
    path = tmp_path / filename
    path.write_bytes(data)
    code, stderr, report = diagnose(path, *options)
    assert code == 0, stderr
    assert report is not None
    assert essentials(report) == expected
    assert report["health"]["alerts"] == []


def test_unreadable_times_stop_without_credential_advice(tmp_path: Path) -> None:
    path = tmp_path / "admin.log"
    path.write_text(retimed(lambda w: f"{w:%d %b %Y %H:%M}"))
    code, stderr, _ = diagnose(path)
    assert code == 2
    assert stderr.count("\n") == 1  # one message
    assert stderr.startswith(f"{path}:1:1: cannot read this log: 43 of 43 entries were rejected")
    assert "first line does not start with a date and time" in stderr
    assert "--log-format" in stderr
    assert "password" not in stderr


def test_empty_log_names_both_explanations(tmp_path: Path) -> None:
    path = tmp_path / "admin.log"
    path.write_bytes(b"\xef\xbb\xbf \r\n\t\r\n")
    code, stderr, _ = diagnose(path)
    assert code == 2
    assert "the export is empty" in stderr and "processed no email" in stderr


def test_undecidable_date_order_names_the_option(tmp_path: Path) -> None:
    path = tmp_path / "admin.log"
    path.write_text(
        "11/10/2026 9:00 AM Subject: a\nLOG_OK\n\n11/12/2026 10:00 AM Subject: b\nLOG_OK\n"
    )
    code, stderr, _ = diagnose(path)
    assert code == 2
    assert "--date-order" in stderr and "'11/10/2026'" in stderr and ":1:1:" in stderr
    code, _, report = diagnose(path, "--date-order", "dmy")
    assert code == 0 and report is not None
    assert [e["time"][:10] for e in report["entries"]] == ["2026-10-11", "2026-12-11"]


def test_a_later_day_above_12_decides_earlier_dates(tmp_path: Path) -> None:
    path = tmp_path / "admin.log"
    path.write_text(
        "11/10/2026 9:00 Subject: a\nLOG_OK\n\n"
        "11/12/2026 10:00 Subject: b\nLOG_OK\n\n"
        "20/11/2026 10:00 Subject: c\nLOG_OK\n"
    )
    code, _, report = diagnose(path)
    assert code == 0 and report is not None
    assert [e["time"][:10] for e in report["entries"]] == ["2026-10-11", "2026-12-11", "2026-11-20"]
    assert [e["line"] for e in report["entries"]] == [1, 4, 7]


def test_rejected_entries_are_grouped_by_reason(tmp_path: Path) -> None:
    bad = "".join(f"2026-13-0{i} 10:00 Subject: x{i}\nLOG_OK\n\n" for i in range(1, 4))
    path = tmp_path / "admin.log"
    path.write_text(canonical() + "\n\n" + bad)
    code, _, report = diagnose(path)
    assert code == 0 and report is not None
    assert len(report["rejected"]) == 4  # each with its line and reason, as before
    groups = report["rejected_groups"]
    assert [g["count"] for g in groups] == [3, 1]
    assert groups[0]["reason"] == "bad time '…': month must be in 1..12"
    assert groups[0]["excerpt"] == "2026-13-01 10:00 Subject: x1"
    assert len(groups[0]["lines"]) == 3
    text = runner.invoke(app, ["diagnose", str(path), "-c", CONFIG, "--as-of", AS_OF])
    assert text.stdout.count("month must be in 1..12") == 1


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("alert", 0), ("rejected", 1), ("disagree", 1), ("alert,rejected", 1)],
)
def test_fail_on(fail_on: str, code: int) -> None:
    result = runner.invoke(
        app,
        ["diagnose", str(LOG), "-c", CONFIG, "--as-of", AS_OF, "--fail-on", fail_on],
        env={"NO_COLOR": "1"},
    )
    assert result.exit_code == code, result.output


def test_fail_on_alert_and_bad_names() -> None:
    late = ["diagnose", str(LOG), "-c", CONFIG, "--as-of", "2027-01-01", "--fail-on", "alert"]
    assert runner.invoke(app, late).exit_code == 1
    wrong = runner.invoke(app, ["diagnose", str(LOG), "-c", CONFIG, "--fail-on", "alerts"])
    assert wrong.exit_code == 2 and "unknown finding" in wrong.output


def test_search_and_why_refuse_an_unreadable_log(tmp_path: Path) -> None:
    path = tmp_path / "admin.log"
    path.write_text("Nov 20 10:00 Subject: x\nLOG_OK\n")
    search = runner.invoke(app, ["search", str(path)])
    assert search.exit_code == 2 and "cannot read this log" in search.stderr
    why = runner.invoke(app, ["why", str(path), "-c", CONFIG, "--subject", "x"])
    assert why.exit_code == 2 and "cannot read this log" in why.stderr


def test_bcc_is_a_participant_and_counts_outbound(tmp_path: Path) -> None:
    path = tmp_path / "admin.log"
    path.write_text(
        "2026-11-20 10:00:00 Subject: quote\nFROM: alice@acme.com\nTO: dan@acme.com\n"
        "BCC: buyer@customer.com\nLOG_OK\n"
    )
    code, _, report = diagnose(path)
    assert code == 0 and report is not None
    assert report["entries"][0]["status"] == "agree"
    [entry] = read_log(str(path))
    assert isinstance(entry, LogEntry) and entry.bcc == ("buyer@customer.com",)
