"""Benchmark: ``whynolog diagnose`` on a scale admin log against a plain-Python reference.

Generates the corpus (or reuses ``--corpus DIR``), then measures, as fresh
subprocesses, the median over ``--repeat`` runs of:

- ``whynolog diagnose admin.log --config org.yaml --format json`` (stdout to
  /dev/null): wall time, entries/s and peak RSS, on the large and the small log;
- the reference (``reference.py``) on the same logs, interleaved with the
  runs above so the time ratio survives a noisy machine;
- the cold start of ``whynolog simulate one.eml --config org.yaml`` (median of
  ``--cold-runs``).

Peak RSS is the child's ``ru_maxrss`` as returned by ``os.wait4`` for that one
process (Linux and macOS); with ``--jobs`` it is the largest single process.

    python tests/bench/run.py                      # 200k entries, seed 7, 3 repeats
    python tests/bench/run.py --corpus /tmp/corpus --jobs 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

# An installed whynolog starts from compiled bytecode: PYTHONDONTWRITEBYTECODE in the caller's
# environment would make every measured start recompile whynolog's own modules (about 10%).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

TARGET_RATE = 40_000
TARGET_RATIO = 1.5  # issue 14: one process within 1.5x the plain reference (2x before)
TARGET_RSS_MB = 200
TARGET_FLAT = 1.3
TARGET_COLD_MS = 300


class BenchError(Exception):
    """A measurement that cannot be made; the message says why."""


@dataclass(frozen=True)
class Run:
    """One finished subprocess."""

    seconds: float
    rss: int  # bytes
    code: int
    stderr: str


def measure(cmd: list[str], cwd: Path, stdout: IO[Any] | int = subprocess.DEVNULL) -> Run:
    """Run ``cmd`` once: wall time, peak RSS (``os.wait4``), exit code and stderr's tail."""
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-4000:].decode("utf-8", errors="replace")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return Run(seconds, usage.ru_maxrss * scale, code, tail)


def failed(run: Run) -> bool:
    """A crash or usage error (1 may mean "problems found"; a traceback never does)."""
    return run.code not in (0, 1) or "Traceback (most recent call last)" in run.stderr


def whynolog_command() -> list[str]:
    """The ``whynolog`` console script of this interpreter, else ``python -m whynolog``."""
    beside = Path(sys.executable).parent / "whynolog"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("whynolog")
    return [found] if found else [sys.executable, "-m", "whynolog"]


def probe(whynolog: list[str], cwd: Path) -> tuple[str | None, str | None]:
    """Why ``whynolog`` does not start, and why ``diagnose`` cannot run (None: it can)."""
    run = subprocess.run(
        [*whynolog, "--help"], cwd=cwd, capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        why = f"`{' '.join(whynolog)} --help` fails:\n{last_lines(run.stderr or run.stdout)}"
        return why, why
    run = subprocess.run(
        [*whynolog, "diagnose", "--help"], cwd=cwd, capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        return None, (
            "`whynolog diagnose` is not available in this installation "
            f"({last_lines(run.stderr or run.stdout, 1).strip()})"
        )
    return None, None


def last_lines(text: str, n: int = 5) -> str:
    """The last ``n`` non-blank lines of ``text``, indented."""
    lines = [line for line in text.splitlines() if line.strip()][-n:]
    return "\n".join("    " + line for line in lines) or "    (no output)"


def prepare_corpus(folder: Path, seed: int, users: int, entries: int, small: int) -> float:
    """Write the corpus into ``folder`` unless it already holds this one; seconds taken."""
    marker = folder / "corpus.json"
    wanted = {"seed": seed, "users": users, "entries": entries, "small": small}
    if (
        marker.exists()
        and json.loads(marker.read_text()) == wanted
        and all((folder / n).exists() for n in ("org.yaml", "admin.log", small_log(small)))
    ):
        return 0.0
    began = time.perf_counter()
    generate.generate(folder, entries, users, seed)
    took = time.perf_counter() - began
    generate.generate(folder, small, users, seed, small_log(small))
    marker.write_text(json.dumps(wanted))
    return took


def small_log(entries: int) -> str:
    """The small log's file name."""
    return f"admin-{entries // 1000}k.log" if entries % 1000 == 0 else f"admin-{entries}.log"


def write_eml(folder: Path) -> str:
    """A small inbound ``one.eml`` to an active user of ``org.yaml``; returns its name."""
    with (folder / "org.yaml").open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    user = next(u for u in data["users"] if u.get("active", True))
    (folder / "one.eml").write_text(
        "Message-ID: <bench-1@customer12.com>\n"
        "Date: Mon, 05 Oct 2026 09:00:00 +0000\n"
        "From: Bob Buyer <bob.buyer@customer12.com>\n"
        f"To: {user['name']} <{user['emails'][0]}>\n"
        "Subject: Q4 renewal\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Hello, here are the figures we discussed.\n",
        encoding="utf-8",
    )
    return "one.eml"


def reference_summary(log: str, cwd: Path) -> dict[str, int]:
    """The reference's JSON summary of ``log``."""
    with tempfile.TemporaryFile("w+") as out:
        run = measure(
            [sys.executable, str(HERE / "reference.py"), log, "--config", "org.yaml"], cwd, out
        )
        if run.code != 0:
            raise BenchError(f"the reference failed on {log}:\n{last_lines(run.stderr)}")
        out.seek(0)
        summary: dict[str, int] = json.load(out)
        return summary


def diagnose_summary(cmd: list[str], cwd: Path) -> dict[str, Any]:
    """Counts of one ``diagnose --format json`` run (for the cross-check)."""
    with tempfile.TemporaryFile("w+b") as out:
        run = measure(cmd, cwd, out)
        if failed(run):
            raise BenchError(
                f"`{' '.join(cmd)}` failed (exit {run.code}):\n{last_lines(run.stderr)}"
            )
        out.seek(0)
        data = json.load(out)
    return {k: data.get(k) for k in ("total", "agree", "disagree", "undetermined")} | {
        "rejected": len(data.get("rejected") or [])
    }


def timed(cmd: list[str], cwd: Path, what: str) -> Run:
    """One measured run; a crash raises :class:`BenchError` with its stderr."""
    run = measure(cmd, cwd)
    if failed(run):
        raise BenchError(
            f"{what}: `{' '.join(cmd)}` failed (exit {run.code}):\n{last_lines(run.stderr)}"
        )
    return run


def median_run(runs: list[Run]) -> tuple[float, int]:
    """Median wall seconds and median peak RSS."""
    return statistics.median(r.seconds for r in runs), int(statistics.median(r.rss for r in runs))


def mb(n: int) -> str:
    """Bytes as MiB."""
    return f"{n / 2**20:.0f} MB"


def verdict(ok: bool | None) -> str:
    """The table's pass/FAIL cell."""
    return "" if ok is None else ("pass" if ok else "**FAIL**")


def main(argv: list[str] | None = None) -> int:
    """Command line: measure and print the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="keep/reuse the corpus in this folder")
    parser.add_argument("--entries", type=int, default=200_000, help="large log (200000)")
    parser.add_argument("--small-entries", type=int, default=50_000, help="small log (50000)")
    parser.add_argument("--users", type=int, default=2_000, help="users (2000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; median (3)")
    parser.add_argument("--cold-runs", type=int, default=10, help="simulate runs (10)")
    parser.add_argument("--jobs", type=int, help="pass --jobs N to diagnose")
    parser.add_argument(
        "--whynolog",
        metavar="CMD",
        help="the whynolog command to measure, e.g. another venv's "
        "(default: the one beside this Python)",
    )
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="skip comparing diagnose's counts with the reference's",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.cold_runs < 1 or min(args.entries, args.small_entries) < 1:
        parser.error("--repeat, --cold-runs, --entries and --small-entries must be positive")

    tmp = None
    if args.corpus is None:
        tmp = tempfile.TemporaryDirectory(prefix="whynolog-bench-")
        folder = Path(tmp.name)
    else:
        folder = args.corpus.resolve()
        folder.mkdir(parents=True, exist_ok=True)
    try:
        return _bench(args, folder)
    except BenchError as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 2
    finally:
        if tmp is not None:
            tmp.cleanup()


def say(text: str) -> None:
    """Progress on stderr."""
    print(text, file=sys.stderr, flush=True)


def _bench(args: argparse.Namespace, folder: Path) -> int:
    say(f"corpus in {folder}")
    gen = prepare_corpus(folder, args.seed, args.users, args.entries, args.small_entries)
    say(f"generated in {gen:.1f} s" if gen else "reusing the corpus there")
    small = small_log(args.small_entries)
    eml = write_eml(folder)
    whynolog = shlex.split(args.whynolog) if args.whynolog else whynolog_command()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    broken, problem = probe(whynolog, folder)

    def diagnose(log: str) -> list[str]:
        return [*whynolog, "diagnose", log, "--config", "org.yaml", "--format", "json", *jobs]

    reference = {
        log: [sys.executable, str(HERE / "reference.py"), log, "--config", "org.yaml"]
        for log in ("admin.log", small)
    }
    counts = {log: reference_summary(log, folder) for log in reference}
    entries = {log: c["total"] + c.get("rejected", 0) for log, c in counts.items()}

    runs: dict[tuple[str, str], list[Run]] = {}
    for i in range(args.repeat):
        for log in ("admin.log", small):
            say(f"run {i + 1}/{args.repeat}: {log}")
            if problem is None:
                runs.setdefault(("diagnose", log), []).append(
                    timed(diagnose(log), folder, "diagnose")
                )
            runs.setdefault(("reference", log), []).append(
                timed(reference[log], folder, "reference")
            )

    cold: list[Run] = []
    simulate = [*whynolog, "simulate", eml, "--config", "org.yaml"]
    if broken is None:
        say(f"cold start: {args.cold_runs} runs of simulate")
        timed(simulate, folder, "simulate")  # warm the page cache first
        cold = [timed(simulate, folder, "simulate") for _ in range(args.cold_runs)]
    floor = [timed([sys.executable, "-c", "pass"], folder, "python") for _ in range(args.cold_runs)]

    check = ""
    if problem is None and not args.no_check:
        got = diagnose_summary(diagnose("admin.log"), folder)
        want = counts["admin.log"]
        same = all(
            got.get(k) == want.get(k) for k in ("total", "agree", "disagree", "undetermined")
        )
        check = (
            "diagnose's counts equal the reference's"
            if same
            else f"diagnose's counts differ from the reference's: {got} vs {want}"
        )

    print(
        report(
            args,
            entries,
            runs,
            cold,
            floor,
            small,
            whynolog,
            check,
            "whynolog does not start" if broken else "no diagnose",
        )
    )
    if problem is not None:
        print(f"\nbenchmark incomplete: {problem}", file=sys.stderr)
        return 1
    return 0


def report(
    args: argparse.Namespace,
    entries: dict[str, int],
    runs: dict[tuple[str, str], list[Run]],
    cold: list[Run],
    floor: list[Run],
    small: str,
    whynolog: list[str],
    check: str,
    missing: str,
) -> str:
    """The Markdown table of the figures and the command reproducing them."""
    big = "admin.log"
    n_big, n_small = entries[big], entries[small]
    ref_t, ref_rss = median_run(runs[("reference", big)])
    ref_small_t, _ = median_run(runs[("reference", small)])
    rows: list[tuple[str, str, str, str]] = []
    na = f"n/a ({missing})"
    if ("diagnose", big) in runs:
        t, rss = median_run(runs[("diagnose", big)])
        t_small, rss_small = median_run(runs[("diagnose", small)])
        rate = n_big / t
        rows += [
            (f"diagnose, {n_big:,} entries: wall", f"{t:.2f} s", "", ""),
            (
                "diagnose: entries/s",
                f"{rate:,.0f}",
                f"≥ {TARGET_RATE:,}",
                verdict(rate >= TARGET_RATE),
            ),
            (
                "ratio to the reference (time)",
                f"{t / ref_t:.2f}x",
                f"≤ {TARGET_RATIO:g}x",
                verdict(t / ref_t <= TARGET_RATIO),
            ),
            (
                "diagnose: peak RSS",
                mb(rss),
                f"≤ {TARGET_RSS_MB} MB",
                verdict(rss <= TARGET_RSS_MB * 2**20),
            ),
            (
                f"diagnose, {n_small:,} entries: wall / peak RSS",
                f"{t_small:.2f} s / {mb(rss_small)}",
                "",
                "",
            ),
            (
                f"peak RSS {n_big // 1000}k / {n_small // 1000}k",
                f"{rss / rss_small:.2f}",
                f"≤ {TARGET_FLAT:g}",
                verdict(rss / rss_small <= TARGET_FLAT),
            ),
        ]
    else:
        rows += [
            ("diagnose: entries/s", na, f"≥ {TARGET_RATE:,}", ""),
            ("ratio to the reference (time)", na, f"≤ {TARGET_RATIO:g}x", ""),
            ("diagnose: peak RSS", na, f"≤ {TARGET_RSS_MB} MB", ""),
            (f"peak RSS {n_big // 1000}k / {n_small // 1000}k", na, f"≤ {TARGET_FLAT:g}", ""),
        ]
    rows += [
        (
            f"reference, {n_big:,} entries: wall / peak RSS",
            f"{ref_t:.2f} s / {mb(ref_rss)}",
            "",
            "",
        ),
        (f"reference, {n_small:,} entries: wall", f"{ref_small_t:.2f} s", "", ""),
        ("reference: entries/s", f"{n_big / ref_t:,.0f}", "", ""),
    ]
    if cold:
        ms = statistics.median(r.seconds for r in cold) * 1000
        rows.append(
            (
                f"simulate one.eml cold start (median of {len(cold)})",
                f"{ms:.0f} ms",
                f"≤ {TARGET_COLD_MS} ms",
                verdict(ms <= TARGET_COLD_MS),
            )
        )
    else:
        rows.append(
            (
                "simulate one.eml cold start",
                "n/a (whynolog does not start)",
                f"≤ {TARGET_COLD_MS} ms",
                "",
            )
        )
    rows.append(
        (
            "bare `python -c pass` (the floor)",
            f"{statistics.median(r.seconds for r in floor) * 1000:.0f} ms",
            "",
            "",
        )
    )

    command = [
        "python",
        "tests/bench/run.py",
        "--entries",
        str(args.entries),
        "--small-entries",
        str(args.small_entries),
        "--users",
        str(args.users),
        "--seed",
        str(args.seed),
        "--repeat",
        str(args.repeat),
    ]
    if args.cold_runs != 10:
        command += ["--cold-runs", str(args.cold_runs)]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    if args.whynolog:
        command += ["--whynolog", shlex.quote(args.whynolog)]
    cpus = os.cpu_count() or 0
    lines = [
        f"whynolog benchmark, {dt.date.today().isoformat()}: {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}, {cpus} CPUs; "
        f"median of {args.repeat} runs; `{' '.join(whynolog)}`",
        "",
        "| figure | value | target | |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
        "",
        f"Reproduce: `{' '.join(command)}`",
        "Measured in the corpus folder: `whynolog diagnose admin.log --config org.yaml "
        f"--format json{' --jobs ' + str(args.jobs) if args.jobs else ''} > /dev/null`, "
        "`python tests/bench/reference.py admin.log --config org.yaml`, "
        "`whynolog simulate one.eml --config org.yaml`.",
    ]
    if check:
        lines.append(f"Check: {check}.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
