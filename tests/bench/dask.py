"""One process against ``diagnose --dask local:1`` and ``local:2``: time, scaling, memory.

Run by hand from the repository root, in a virtual environment with the dask extra:

    python tests/bench/dask.py                                 # 200k entries, seed 7
    python tests/bench/dask.py --entries 200000 2000000 --corpus /tmp/whynolog-corpus

For each log size it generates (or reuses) a corpus with ``generate.py``, runs
``whynolog diagnose admin.log --config org.yaml --format json`` as a fresh process
in one process and with each ``--dask local:N``, and checks that every output is
byte for byte the one-process output. CPU is user + system time of the command
and the processes it waited for (``os.wait4``: forked workers included). Memory is
sampled from ``/proc`` every 0.1 s (proportional set size: forked workers share the
driver's pages): the driver (the command's own process, which also hosts the local
scheduler) and the largest other process (a worker). The per-entry cost of a
worker and the cluster's fixed cost (a run on a 10-entry log) give the estimate
for a 50M-entry audit on 16 and 64 workers. It prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
AS_OF = "2026-11-20T00:00:00Z"
BIG = 50_000_000


@dataclass
class Run:
    """One measured command."""

    seconds: float
    identical: bool
    driver_mb: float
    worker_mb: float
    processes: dict[int, float] = field(default_factory=dict)
    cpu: float = 0.0
    """User + system seconds of the command and every process it waited for (its workers)."""


def _children(pid: int) -> list[int]:
    """Every process under ``pid`` (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                ppid = int(stat.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for child in parents.get(current, ()):
            found.append(child)
            todo.append(child)
    return found


def _rss_mb(pid: int) -> float:
    """The process's proportional set size (forked workers share the driver's pages: each
    counts its share), or its resident size where the kernel gives no PSS."""
    for name, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(name, encoding="utf-8") as status:
                for line in status:
                    if line.startswith(key):
                        return int(line.split()[1]) / 1024
        except OSError:
            continue
    return 0.0


def measure(command: list[str], cwd: Path, output: Path, expected: Path | None) -> Run:
    """Run ``command`` with stdout to ``output``; its wall time and peak memory by process."""
    peaks: dict[int, float] = {}
    start = time.perf_counter()
    with open(output, "wb") as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.PIPE)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for pid in [process.pid, *_children(process.pid)]:
                    peaks[pid] = max(peaks.get(pid, 0.0), _rss_mb(pid))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        assert process.stderr is not None
        err = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"{shlex.join(command)} failed ({process.returncode}):\n{err.decode()}")
    identical = expected is None or output.read_bytes() == expected.read_bytes()
    driver = peaks.pop(process.pid, 0.0)
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, identical, driver, max(peaks.values(), default=0.0), peaks, cpu)


def corpus(folder: Path, entries: int, seed: int) -> Path:
    """A generated corpus of ``entries`` entries (reused when it is there)."""
    out = folder / f"{entries}"
    if not (out / "admin.log").exists():
        print(f"generating {entries} entries into {out} …", file=sys.stderr)
        subprocess.run(
            [
                *(sys.executable, str(HERE / "generate.py"), "--out", str(out)),
                *("--entries", str(entries), "--seed", str(seed)),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[200_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/whynolog-dask-corpus"))
    parser.add_argument("--whynolog", default=str(Path(sys.executable).parent / "whynolog"))
    args = parser.parse_args(argv)
    base = [*shlex.split(args.whynolog), "diagnose", "admin.log", "--config", "org.yaml"]
    base += ["--format", "json", "--as-of", AS_OF]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Load average at the start (1, 5, 15 min) on {os.cpu_count()} cores: {load}\n")
    tiny = corpus(args.corpus, 10, args.seed)
    fixed = measure(
        [*base, "--dask", f"local:{max(args.workers)}"], tiny, tiny / "out.json", None
    ).seconds
    print(
        "| entries | run | wall | CPU | entries/s | speed-up | efficiency | identical "
        "| driver memory | worker memory |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    costs: list[float] = []
    for entries in args.entries:
        folder = corpus(args.corpus, entries, args.seed)
        one = measure(base, folder, folder / "one.json", None)
        print(
            f"| {entries:,} | one process | {one.seconds:.1f} s | {one.cpu:.1f} s "
            f"| {entries / one.seconds:,.0f} "
            f"| 1.00× | | | {one.driver_mb:.0f} MB | |",
            flush=True,
        )
        for workers in args.workers:
            run = measure(
                [*base, "--dask", f"local:{workers}"],
                folder,
                folder / f"local{workers}.json",
                folder / "one.json",
            )
            speedup = one.seconds / run.seconds
            print(
                f"| {entries:,} | `--dask local:{workers}` | {run.seconds:.1f} s | {run.cpu:.1f} s "
                f"| {entries / run.seconds:,.0f} | {speedup:.2f}× | {speedup / workers:.0%} "
                f"| {'yes' if run.identical else 'NO'} | {run.driver_mb:.0f} MB "
                f"| {run.worker_mb:.0f} MB |",
                flush=True,
            )
            if workers == 1:
                costs.append((run.seconds - fixed) / entries)
    print(f"\nCluster start and stop (a 10-entry log, local:{max(args.workers)}): {fixed:.1f} s")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Load average at the end (1, 5, 15 min) on {os.cpu_count()} cores: {load}")
    if costs:
        cost = costs[-1]
        print(
            f"Cost per entry on one worker (largest log, local:1, less the fixed cost): "
            f"{cost * 1e6:.1f} µs"
        )
        for workers in (16, 64):
            estimate = fixed + BIG * cost / workers
            print(
                f"Estimate, {BIG:,} entries on {workers} workers: {estimate / 60:.1f} min "
                f"(compute only; the driver writes the JSON rows at its own pace)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
