"""Memoisation never changes a result: a generated corpus diagnosed with and without it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import ModuleType

import pytest

from whynolog.engine.audit.diagnosis import Diagnosis
from whynolog.engine.audit.prediction import Predictor
from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.read.adminlog import read_log
from whynolog.engine.read.config import load_config

AS_OF = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, bench_generator: ModuleType) -> Path:
    module = bench_generator
    out = tmp_path_factory.mktemp("corpus")
    module.generate(out, entries=3000, users=120, seed=11)
    return out


def _diagnose(corpus: Path, memoise: bool) -> tuple[list, dict]:
    config = load_config(str(corpus / "org.yaml"))
    pack = load_rule_pack()
    predictor = Predictor(config, pack, RuleEngine(pack, memoise=memoise), memoise=memoise)
    diagnosis = Diagnosis(config, as_of=AS_OF)
    rows = list(diagnosis.feed(read_log(str(corpus / "admin.log")), predictor))
    return rows, diagnosis.summary()


def test_memoised_and_plain_diagnoses_are_identical(corpus: Path) -> None:
    fast_rows, fast_summary = _diagnose(corpus, memoise=True)
    slow_rows, slow_summary = _diagnose(corpus, memoise=False)
    assert len(fast_rows) == 3000
    assert fast_rows == slow_rows
    assert fast_summary == slow_summary
    statuses = {row["status"] for kind, row in fast_rows if kind == "entry"}
    assert statuses == {"agree", "disagree", "undetermined"}


def test_parallel_prediction_matches_one_process(corpus: Path, tmp_path: Path) -> None:
    from whynolog.engine.audit.parallel import predict_log, split_log

    log = tmp_path / "admin.log"
    # A broken entry late in the log: its line number must survive the split.
    broken = b"\n\n2026-13-99 x Subject: bad\nLOG_OK\n"
    log.write_bytes((corpus / "admin.log").read_bytes() + broken)
    config = load_config(str(corpus / "org.yaml"))
    pack = load_rule_pack()
    parts = split_log(str(log), 20_000)
    assert len(parts) > 10 and parts[0][2] == 1
    one = Diagnosis(config, as_of=AS_OF)
    expected = list(one.feed(read_log(str(log)), Predictor(config, pack)))
    two = Diagnosis(config, as_of=AS_OF)
    got = list(two.feed_predicted(predict_log(str(log), config, pack, 2, part_bytes=20_000)))
    assert got == expected
    assert two.summary() == one.summary()
    assert got[-1][0] == "rejected" and got[-1][1]["line"] > 10_000


def test_jobs_option_gives_the_same_bytes(corpus: Path) -> None:
    from typer.testing import CliRunner

    from whynolog.cli.app import app

    def run(*extra: str) -> str:
        result = CliRunner().invoke(
            app,
            [
                "diagnose",
                str(corpus / "admin.log"),
                "--config",
                str(corpus / "org.yaml"),
                "--format",
                "json",
                "--as-of",
                "2027-01-01",
                *extra,
            ],
        )
        assert result.exit_code == 0, result.output
        return result.stdout

    assert run("--jobs", "2") == run()


@pytest.mark.parametrize("redact", [False, True])
def test_rows_as_json_text_equal_the_rows_dumped(corpus: Path, redact: bool) -> None:
    """The remembered JSON texts of ``rows="json"`` are exactly the dict rows, dumped."""
    from whynolog.engine.audit.redaction import Redactor
    from whynolog.engine.base.yamlio import dump_json_line

    config = load_config(str(corpus / "org.yaml"))
    pack = load_rule_pack()
    redactor = Redactor(b"k" * 32, [u.name for u in config.users]) if redact else None
    results = {}
    for form in ("dict", "json", "none"):
        diagnosis = Diagnosis(config, as_of=AS_OF, redactor=redactor)
        rows = list(
            diagnosis.feed(read_log(str(corpus / "admin.log")), Predictor(config, pack), rows=form)
        )  # type: ignore[arg-type]
        results[form] = rows, diagnosis.summary()
    dict_rows, summary = results["dict"]
    assert [
        (kind, dump_json_line(row) if kind == "entry" else row) for kind, row in dict_rows
    ] == results["json"][0]
    assert all(row is None for kind, row in results["none"][0] if kind == "entry")
    assert results["json"][1] == results["none"][1] == summary
    assert summary["disagree"] > 0 and summary["total"] == 3000


def test_parallel_diff_matches_one_process(corpus: Path) -> None:
    """Runs of emails judged by workers give the results of one process, copies included."""
    import dataclasses

    from whynolog.engine.audit.impact import Setup, compare, judge_all, load_corpus
    from whynolog.engine.audit.parallel import judge_corpus
    from whynolog.engine.facts.derive import duplicate_key

    config = load_config(str(corpus / "org.yaml"))
    users = tuple(
        dataclasses.replace(u, active=not u.active) if i % 4 == 0 else u
        for i, u in enumerate(config.users)
    )
    old = Setup(config, load_rule_pack())
    new = Setup(dataclasses.replace(config, users=users), old.pack)
    emails = load_corpus(str(corpus / "admin.log")).emails
    expected = list(judge_all(emails, old, new))
    assert list(judge_corpus(emails, old, new, 2, chunk=150)) == expected
    assert sum(1 for _, _, change in expected if change is not None) > 50
    first_logged: dict[object, int] = {}
    for i, (email, (before, _, _)) in enumerate(zip(emails, expected, strict=True)):
        if before == "LOG_OK":
            first_logged.setdefault(duplicate_key(email), i)
    copies = [
        i
        for i, (email, (before, _, _)) in enumerate(zip(emails, expected, strict=True))
        if before == "NOLOG_DUPLICATE"
        and first_logged.get(duplicate_key(email), i) // 150 < i // 150
    ]
    assert copies  # copies of emails that logged in an earlier run
    assert compare(emails, old, new, jobs=2) == compare(emails, old, new)


def test_diff_jobs_option_gives_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from whynolog.cli.app import app

    edited = tmp_path / "org.yaml"
    text = (corpus / "org.yaml").read_text(encoding="utf-8")
    edited.write_text(
        text.replace("    ignore: [", "    active: false\n    ignore: [", 30), encoding="utf-8"
    )

    def run(*extra: str) -> str:
        result = CliRunner().invoke(
            app,
            [
                "diff",
                str(corpus / "admin.log"),
                "--old-config",
                str(corpus / "org.yaml"),
                "--new-config",
                str(edited),
                "--format",
                "json",
                *extra,
            ],
        )
        assert result.exit_code == 0, result.output
        return result.stdout

    plain = run()
    assert '"changed":[{' in plain.replace("\n", "").replace(" ", "")  # some emails change
    assert run("--jobs", "2") == plain
