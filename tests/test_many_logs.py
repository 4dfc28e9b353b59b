"""Several admin logs read in order as one: files, folders, globs, ``.gz``, fsspec URLs;
and ``diagnose --entries``."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fsspec
import pytest

from whynolog import api
from whynolog.engine.base.errors import InputError
from whynolog.engine.read.logsources import resolve

HERE = Path(__file__).parent / "fixtures" / "diagnose"
LOG = HERE / "admin.log"
CONFIG = str(HERE / "org.yaml")
AS_OF = "2026-11-21T00:00:00Z"

FIRST = """2026-11-16 09:00:00 Subject: Welcome aboard
From: alice@acme.com
To: bob@customer.com
Message-ID: <w1@acme.com>
LOG_OK

"""
SECOND = """2026-11-17 09:05:00 Subject: Welcome aboard
From: alice@acme.com
To: bob@customer.com
Message-ID: <W1@ACME.COM>
NOLOG_DUPLICATE
"""


def diagnose_json(
    cli: Callable[..., Any], *logs: str, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    out = cli("diagnose", *logs, "--config", CONFIG, "--as-of", AS_OF, "-f", "json", *extra)
    return json.loads(out.stdout)


def _without_names(report: Any) -> Any:
    """A report without what names the files (the log, and lines that restart per file);
    groups ordered by their content (ties are broken by line)."""
    if isinstance(report, dict):
        skip = {"log", "line", "lines", "logs"}
        return {k: _without_names(v) for k, v in report.items() if k not in skip}
    if isinstance(report, list):
        items = [_without_names(v) for v in report]
        return sorted(items, key=json.dumps) if items and "count" in items[0] else items
    return report


def _split(tmp_path: Path) -> list[Path]:
    """The fixture log cut at its entries into three files, the middle one gzipped."""
    entries = LOG.read_text(encoding="utf-8").split("\n\n")
    cuts = [entries[:3], entries[3:7], entries[7:]]
    paths = [tmp_path / "logs" / "2026-11-16.log", tmp_path / "logs" / "2026-11-17.log.gz"]
    paths.append(tmp_path / "logs" / "2026-11-18.log")
    paths[0].parent.mkdir()
    for path, part in zip(paths, cuts, strict=True):
        text = ("\n\n".join(part) + "\n\n").encode()
        path.write_bytes(gzip.compress(text) if path.suffix == ".gz" else text)
    return paths


def test_a_folder_reads_as_the_one_log_it_was_cut_from(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    _split(tmp_path)
    (tmp_path / "logs" / ".hidden").write_text("not a log", encoding="utf-8")
    whole = diagnose_json(cli, str(LOG))
    folder = diagnose_json(cli, str(tmp_path / "logs"))
    assert folder["total"] == whole["total"] > 0
    assert _without_names(folder) == _without_names(whole)
    assert folder["log"] == str(tmp_path / "logs")
    # Lines restart in each file: every row names its file, and no two rows share a place.
    assert "log" not in whole["entries"][0]
    places = [(row["log"], row["line"]) for row in folder["entries"]]
    assert len(set(places)) == len(places) == folder["total"]
    assert [Path(log).name for log, _ in places[:4]] == ["2026-11-16.log"] * 3 + [
        "2026-11-17.log.gz"
    ]
    assert places[3][1] == 1  # the second file's first entry


def test_files_globs_and_urls_name_the_same_log(cli: Callable[..., Any], tmp_path: Path) -> None:
    paths = _split(tmp_path)
    by_files = diagnose_json(cli, *map(str, paths))
    by_glob = diagnose_json(cli, str(tmp_path / "logs" / "2026-11-1*"))
    by_url = diagnose_json(cli, *(p.as_uri() for p in paths))
    assert _without_names(by_files) == _without_names(by_glob) == _without_names(by_url)


def test_a_duplicate_counts_across_files(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text(FIRST, encoding="utf-8")
    (tmp_path / "b.log").write_text(SECOND, encoding="utf-8")
    alone = diagnose_json(cli, str(tmp_path / "b.log"))
    both = diagnose_json(cli, str(tmp_path / "a.log"), str(tmp_path / "b.log"))
    assert alone["entries"][0]["status"] == "disagree"  # no earlier copy in this file alone
    assert [e["status"] for e in both["entries"]] == ["agree", "agree"]
    assert both["entries"][1]["predicted"] == "NOLOG_DUPLICATE"


def test_memory_urls_are_read_through_fsspec() -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe({"/audit/a.log": FIRST.encode(), "/audit/b.log.gz": gzip.compress(SECOND.encode())})
    try:
        setup = api.load(CONFIG)
        report = api.diagnose(setup, ["memory://audit/"], as_of=AS_OF)
        assert [e["predicted"] for e in report.entries] == ["LOG_OK", "NOLOG_DUPLICATE"]
        found = list(api.search("memory://audit/*.log*", subject="welcome", pack=setup))
        assert len(found) == 2
    finally:
        fs.rm("/audit", recursive=True)


def test_search_and_why_take_several_logs(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text(FIRST, encoding="utf-8")
    (tmp_path / "b.log").write_text(SECOND, encoding="utf-8")
    logs = [str(tmp_path / "a.log"), str(tmp_path / "b.log")]
    rows = cli("search", *logs, "--subject", "welcome", "-f", "jsonl").stdout.splitlines()
    assert len(rows) == 2
    why = json.loads(
        cli("why", *logs, "--subject", "welcome", "--config", CONFIG, "-f", "json").stdout
    )
    assert why["matched"] == 2 and why["log"] == ", ".join(logs)
    # Both entries are on line 1 of their file: each answer says which file.
    assert [(json.loads(r)["log"], json.loads(r)["line"]) for r in rows] == [
        (logs[0], 1),
        (logs[1], 1),
    ]
    text = cli("why", *logs, "--subject", "welcome", "--config", CONFIG).stdout
    assert f"{logs[0]}:1" in text and f"{logs[1]}:1" in text


def test_reports_name_the_file_of_each_line(cli: Callable[..., Any], tmp_path: Path) -> None:
    """Line numbers restart in each file: a report of several logs says file:line, for
    mismatches and for entries it could not read alike."""
    logs = [str(tmp_path / "a.log"), str(tmp_path / "b.log")]
    for path in logs:
        Path(path).write_text(FIRST + "2026-11-18 10:00:00 Subject: Cut short\n\n", "utf-8")
    report = diagnose_json(cli, *logs)
    assert [(r["log"], r["line"]) for r in report["rejected"]] == [(logs[0], 7), (logs[1], 7)]
    assert report["rejected_groups"][0]["logs"] == logs
    text = cli("diagnose", *logs, "--config", CONFIG, "--as-of", AS_OF).stdout
    assert f"{logs[0]}:7, {logs[1]}:7" in text
    for fmt in ("html", "markdown"):
        shown = cli("diagnose", *logs, "--config", CONFIG, "--as-of", AS_OF, "-f", fmt).stdout
        assert "b.log:7" in shown and "a.log:7" in shown  # (markdown escapes the _ of the path)
    one = diagnose_json(cli, logs[0])  # one log: lines alone, as before
    assert "log" not in one["rejected"][0] and "logs" not in one["rejected_groups"][0]


def test_an_error_names_the_file_it_is_in(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text(FIRST, encoding="utf-8")
    (tmp_path / "b.csv").write_text("when,what\n1,2\n", encoding="utf-8")
    out = cli("search", str(tmp_path / "a.log"), str(tmp_path / "b.csv"), code=2)
    assert f"{tmp_path / 'b.csv'}:1:" in out.output


def test_a_name_that_means_no_file_is_an_error(cli: Callable[..., Any], tmp_path: Path) -> None:
    with pytest.raises(InputError, match="matches no file"):
        resolve([str(tmp_path / "*.log")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="matches no file"):
        resolve([str(tmp_path / "empty")])
    out = cli("search", str(tmp_path / "missing.log"), code=2)
    assert f"{tmp_path / 'missing.log'}: cannot read the log" in out.output


# --- --entries ------------------------------------------------------------------------------


def test_entries_bound_the_rows_of_every_format(cli: Callable[..., Any]) -> None:
    every = diagnose_json(cli, str(LOG))
    mismatches = diagnose_json(cli, str(LOG), extra=("--entries", "mismatches"))
    none = diagnose_json(cli, str(LOG), extra=("--entries", "none"))
    assert mismatches["entries"] == [e for e in every["entries"] if e["status"] == "disagree"]
    assert mismatches["entries"] and len(mismatches["entries"]) < len(every["entries"])
    assert none["entries"] == []
    aggregates = {k: v for k, v in every.items() if k != "entries"}
    for report in (mismatches, none):
        assert {k: v for k, v in report.items() if k != "entries"} == aggregates
    for fmt in ("text", "markdown", "html"):
        base = ("diagnose", str(LOG), "--config", CONFIG, "--as-of", AS_OF, "-f", fmt)
        shown = cli(*base).stdout
        mismatched = cli(*base, "--entries", "mismatches").stdout
        hidden = cli(*base, "--entries", "none").stdout
        assert "Shipping notice" in shown and "Hello from Pat" in shown
        assert "Shipping notice" not in mismatched and "Hello from Pat" in mismatched
        assert "Shipping notice" not in hidden


def test_api_entries_choice() -> None:
    setup = api.load(CONFIG)
    report = api.diagnose(setup, LOG, as_of=AS_OF, entries="mismatches")
    assert report.entries and {e["status"] for e in report.entries} == {"disagree"}
    with pytest.raises(ValueError, match="bad entries"):
        api.diagnose(setup, LOG, as_of=AS_OF, entries="some")  # type: ignore[arg-type]
