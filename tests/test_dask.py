"""``diagnose --dask``: on a cluster of two worker processes, byte for byte what one process
writes (parts cut mid-file, CRLF, duplicates across parts and files, ``.gz``, redaction,
bounds), and with a scheduler and a worker started as separate processes."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from whynolog import api
from whynolog.engine.audit import diagnosis as diagnosis_module
from whynolog.engine.audit import distributed
from whynolog.engine.read import rejections as rejections_module

distributed_pkg = pytest.importorskip("distributed")

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"
AS_OF = "2026-11-20T00:00:00Z"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, bench_generator: ModuleType) -> Path:
    """A generated log of 2,000 entries (copies of recent emails among them) and its org."""
    module = bench_generator
    out = tmp_path_factory.mktemp("corpus")
    module.generate(out, entries=2000, users=80, seed=5)
    text = (out / "admin.log").read_bytes()
    (out / "crlf.log").write_bytes(text.replace(b"\n", b"\r\n"))
    entries = text.split(b"\n\n")
    quarter = len(entries) // 4
    days = out / "days"
    days.mkdir()
    for i in range(4):
        part = b"\n\n".join(entries[i * quarter : (i + 1) * quarter if i < 3 else None])
        name = days / f"day{i}.log"
        if i == 2:
            (days / "day2.log.gz").write_bytes(gzip.compress(part + b"\n\n"))
        else:
            name.write_bytes(part + b"\n\n")
    return out


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A local cluster of two worker processes (one thread each), by its scheduler address."""
    with distributed_pkg.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of about 8 KB: a generated log is cut mid-file into dozens of parts."""
    monkeypatch.setattr(distributed, "BLOCKSIZE", 8 << 10)
    monkeypatch.setattr(distributed, "MIN_BLOCKSIZE", 1)


def both(cli: Callable[..., Any], *args: str) -> tuple[str, str]:
    """``diagnose ARGS`` in one process and on the cluster given after ``--dask``."""
    at = args.index("--dask")
    alone = cli("diagnose", *args[:at], *args[at + 2 :]).stdout
    return alone, cli("diagnose", *args).stdout


def test_one_log_cut_mid_file_is_the_same_json(
    cli: Callable[..., Any], corpus: Path, scheduler: str, small_blocks: None
) -> None:
    log, org = str(corpus / "admin.log"), str(corpus / "org.yaml")
    parts = distributed.plan(api_sources(log), None, 2)
    assert len(parts) > 20 and all(p.length for p in parts)
    alone, spread = both(
        cli, log, "--config", org, "--as-of", AS_OF, "-f", "json", "--dask", scheduler
    )
    assert spread == alone
    report = json.loads(spread)
    assert report["total"] > 1900 and report["by_outcome"]["NOLOG_DUPLICATE"] > 20
    assert any(e["predicted"] == "NOLOG_DUPLICATE" for e in report["entries"])


def api_sources(*names: str) -> list[Any]:
    from whynolog.engine.read.logsources import resolve

    return resolve(names)


def test_crlf_is_cut_at_its_own_blank_lines(
    cli: Callable[..., Any], corpus: Path, scheduler: str, small_blocks: None
) -> None:
    log, org = str(corpus / "crlf.log"), str(corpus / "org.yaml")
    assert {p.delimiter for p in distributed.plan(api_sources(log), None, 2)} == {b"\r\n\r\n"}
    options = ("--stale-after", "20m", "--business-hours", "Mon-Sun 0-24")  # gaps over cuts
    alone, spread = both(
        cli, log, "--config", org, "--as-of", AS_OF, "-f", "json", *options, "--dask", scheduler
    )
    assert spread == alone
    assert json.loads(spread)["health"]["gaps"]


def test_json_lines_are_cut_at_line_ends(
    cli: Callable[..., Any], corpus: Path, scheduler: str, small_blocks: None
) -> None:
    """A JSON Lines log (the generated one, written as an export would) is cut between its
    objects, and reads as one: duplicates across parts, rejected lines and all."""
    from whynolog.engine.read.adminlog import LogEntry, read_log

    lines = []
    for item in read_log(str(corpus / "admin.log")):
        assert isinstance(item, LogEntry)
        row = {"time": item.time.isoformat(), "subject": item.subject, "outcome": item.outcome}
        for key in ("sender", "to", "cc", "message_id"):
            value = getattr(item, key)
            if value is not None:
                row["from" if key == "sender" else key] = (
                    list(value) if key in ("to", "cc") else value
                )
        lines.append(json.dumps(row, ensure_ascii=False))
    lines[len(lines) // 2] = '{"time": "not json'  # rejected where it is, not lost in a cut
    log, org = corpus / "admin.jsonl", str(corpus / "org.yaml")
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parts = distributed.plan(api_sources(str(log)), None, 2)
    assert len(parts) > 20 and {p.delimiter for p in parts} == {b"\n"}
    alone, spread = both(
        cli, str(log), "--config", org, "--as-of", AS_OF, "-f", "json", "--dask", scheduler
    )
    assert spread == alone
    report = json.loads(spread)
    assert report["total"] == len(lines) - 1 and report["by_outcome"]["NOLOG_DUPLICATE"] > 20
    assert [r["line"] for r in report["rejected"]] == [len(lines) // 2 + 1]


def test_several_files_and_gz_every_format(
    cli: Callable[..., Any], corpus: Path, scheduler: str, small_blocks: None
) -> None:
    days, org = str(corpus / "days"), str(corpus / "org.yaml")
    parts = distributed.plan(api_sources(days), None, 2)
    assert [p.length for p in parts if p.source.endswith(".gz")] == [None]
    for fmt in ("json", "text", "markdown"):
        alone, spread = both(
            cli, days, "--config", org, "--as-of", AS_OF, "-f", fmt, "--dask", scheduler
        )
        assert spread == alone, fmt


@pytest.mark.parametrize("where", ["scheduler", "local:2"])
def test_a_wrong_guess_is_diagnosed_again(
    cli: Callable[..., Any],
    corpus: Path,
    where: str,
    small_blocks: None,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """An entry the parser rejects (a bad month) looks logged to the first wave's guess: a
    later copy in another part is diagnosed again with what the parser read. The parts are
    scanned on the workers (a scheduler's address) or here (a local cluster)."""
    scheduler = request.getfixturevalue("scheduler") if where == "scheduler" else where
    entry = (
        "{when} Subject: Clock\nFrom: alice@acme.com\nTo: bob@customer.com\n"
        "Message-ID: <again@acme.com>\nLOG_OK\n\n"
    )
    text = (corpus / "admin.log").read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    cut = text.index("\n\n", 12_000) + 2  # in a part submitted before the first is checked
    log = tmp_path / "guess.log"
    copy = entry.format(when="2026-10-05 11:00:00")
    log.write_text(
        entry.format(when="2026-13-01 09:00:00") + text[:cut] + copy + text[cut:],
        encoding="utf-8",
    )
    org = str(corpus / "org.yaml")
    alone, spread = both(
        cli, str(log), "--config", org, "-f", "json", "--as-of", AS_OF, "--dask", scheduler
    )
    assert spread == alone
    [again] = [e for e in json.loads(spread)["entries"] if e["subject"] == "Clock"]
    assert again["predicted"] != "NOLOG_DUPLICATE"


def test_a_file_named_twice_is_read_twice(
    cli: Callable[..., Any], corpus: Path, scheduler: str, small_blocks: None
) -> None:
    log, org = str(corpus / "admin.log"), str(corpus / "org.yaml")
    alone, spread = both(
        cli, log, log, "--config", org, "--as-of", AS_OF, "-f", "json", "--dask", scheduler
    )
    assert spread == alone
    report = json.loads(spread)
    assert report["entries"][0]["line"] == 1 == report["entries"][report["total"] // 2]["line"]


def test_redaction_and_mismatches_only(
    cli: Callable[..., Any], corpus: Path, scheduler: str, small_blocks: None
) -> None:
    log, org = str(corpus / "admin.log"), str(corpus / "org.yaml")
    options = ("--redact-subjects", "--redact-key", "k", "--entries", "mismatches")
    alone, spread = both(
        cli, log, "--config", org, "--as-of", AS_OF, "-f", "json", *options, "--dask", scheduler
    )
    assert spread == alone
    assert {e["status"] for e in json.loads(spread)["entries"]} == {"disagree"}


def test_bounds_apply_in_the_whole_log_order(
    cli: Callable[..., Any],
    corpus: Path,
    scheduler: str,
    small_blocks: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Users, mismatch groups and rejection reasons past their bounds are put together as
    one process puts them (the parts count without bounds)."""
    monkeypatch.setattr(diagnosis_module, "MAX_USERS", 7)
    monkeypatch.setattr(diagnosis_module, "MAX_GROUPS", 3)
    monkeypatch.setattr(rejections_module, "MAX_GROUPS", 1)
    bad = corpus / "bad.log"
    text = (corpus / "admin.log").read_text(encoding="utf-8")
    broken = ["2026-10-06 08:00:00 Subject: lost\n", "2026-10-32 08:00:00 Subject: x\nLOG_OK\n"]
    bad.write_text(text + "\n" + "\n".join(broken * 3), encoding="utf-8")
    alone, spread = both(
        cli,
        str(bad),
        "--config",
        str(corpus / "org.yaml"),
        "--as-of",
        AS_OF,
        "-f",
        "json",
        "--dask",
        scheduler,
    )
    assert spread == alone
    report = json.loads(spread)
    assert "(other)" in report["by_user"]
    assert any(g["causes"] == ["(further causes)"] for g in report["mismatches"]["groups"])


def test_parts_done_here_while_the_cluster_starts(
    cli: Callable[..., Any],
    corpus: Path,
    scheduler: str,
    small_blocks: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The driver diagnoses the first parts while the cluster is not ready, then hands the
    rest over: the same output."""
    asked: list[int] = []

    def ready(self: Any) -> bool:
        asked.append(1)
        return len(asked) > 5

    monkeypatch.setattr(distributed._Start, "ready", ready)
    log, org = str(corpus / "admin.log"), str(corpus / "org.yaml")
    alone, spread = both(
        cli, log, "--config", org, "--as-of", AS_OF, "-f", "json", "--dask", scheduler
    )
    assert len(asked) == 6 and spread == alone


def test_api_rows_as_dicts(corpus: Path, scheduler: str, small_blocks: None) -> None:
    setup = api.load(corpus / "org.yaml")
    log = corpus / "days"
    alone = api.diagnose(setup, log, as_of=AS_OF)
    spread = api.diagnose(setup, log, as_of=AS_OF, dask=scheduler)
    assert spread.to_dict() == alone.to_dict()


def test_an_error_in_a_worker_names_its_file(
    cli: Callable[..., Any], tmp_path: Path, scheduler: str
) -> None:
    (tmp_path / "a.log").write_bytes((FIXTURES / "admin.log").read_bytes())
    (tmp_path / "b.csv").write_text("when,what\n1,2\n", encoding="utf-8")
    config = str(FIXTURES / "org.yaml")
    out = cli("diagnose", str(tmp_path), "--config", config, "--dask", scheduler, code=2)
    assert f"{tmp_path / 'b.csv'}:1:" in out.output


def test_bad_addresses_are_refused(cli: Callable[..., Any]) -> None:
    config = str(FIXTURES / "org.yaml")
    for address in ("local:0", "local:x", "nowhere"):
        out = cli(
            "diagnose", str(FIXTURES / "admin.log"), "--config", config, "--dask", address, code=2
        )
        assert "--dask" in out.output
    out = cli("diagnose", "-", "--config", config, "--dask", "local", code=2)
    assert "standard input" in out.output


@pytest.fixture
def default_port_taken() -> Iterator[None]:
    """Dask's default HTTP port (8787) held, as a cluster of the user's own holds it."""
    with socket.socket() as held:
        with contextlib.suppress(OSError):  # already taken: the same situation
            held.bind(("", 8787))
            held.listen()
        yield


def test_a_local_cluster_of_its_own(cli: Callable[..., Any], default_port_taken: None) -> None:
    """``--dask local:1`` starts (and stops) a cluster for the run, even beside another
    cluster on Dask's default port (warnings are errors in this suite)."""
    log, config = str(FIXTURES / "admin.log"), str(FIXTURES / "org.yaml")
    alone, spread = both(
        cli, log, "--config", config, "--as-of", AS_OF, "-f", "json", "--dask", "local:1"
    )
    assert spread == alone


def test_a_local_cluster_of_forked_workers_does_every_part(
    cli: Callable[..., Any], corpus: Path, small_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--dask local:2`` forks its workers on Linux (nothing for this process to do while
    they start): they diagnose every part of a log cut mid-file, and the output is the same."""
    here: list[int] = []
    original = distributed._Run.here

    def counted(self: Any, part: Any) -> Any:
        here.append(part.index)
        return original(self, part)

    monkeypatch.setattr(distributed._Run, "here", counted)
    log, org = str(corpus / "admin.log"), str(corpus / "org.yaml")
    alone, spread = both(
        cli, log, "--config", org, "--as-of", AS_OF, "-f", "json", "--dask", "local:2"
    )
    assert spread == alone
    assert len(distributed.plan(api_sources(log), None, 2)) > 20
    if distributed.FORK:
        assert here == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_scheduler_and_a_worker_as_separate_processes(
    cli: Callable[..., Any], corpus: Path, small_blocks: None
) -> None:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = shutil.which("dask", path=os.path.dirname(sys.executable))
    assert dask, "the dask command comes with the dask extra"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    common = ("--no-dashboard", "--dashboard-address", ":0")
    started = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), *common], **quiet
        )
    ]
    try:
        started.append(
            subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--nworkers", "1", *common], **quiet
            )
        )
        client = _wait_for_workers(address, 1)
        client.close()
        log, org = str(corpus / "admin.log"), str(corpus / "org.yaml")
        alone, spread = both(
            cli, log, "--config", org, "--as-of", AS_OF, "-f", "json", "--dask", address
        )
        assert spread == alone
    finally:
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_workers(address: str, count: int) -> Any:
    deadline = time.monotonic() + 120
    while True:
        try:
            client = distributed_pkg.Client(address, timeout="5s")
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    client.wait_for_workers(count, timeout=120)
    return client
