"""Benchmark: ``whynolog diagnose`` and the plain-Python reference started together.

On a shared machine the speed of a core drifts by a third within minutes, and a process that
reads much memory drifts more than one that reads little. Run one after the other, the two
commands of a round meet different minutes; started together, each on its own core, they meet
the same one. Each round starts the reference and ``diagnose --format json`` at once on the
corpus's ``admin.log`` and takes the ratio of their CPU times; the commands given alternate
within a round. Needs two cores and a corpus made by ``run.py --corpus DIR`` (or
``generate.py``).

    python tests/bench/side_by_side.py --corpus /tmp/corpus --rounds 8 \\
        new=.venv/bin/whynolog old=/path/to/other-venv/bin/whynolog
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def cpu_seconds(usage: os.struct_rusage) -> float:
    """User plus system CPU time of a finished child."""
    return usage.ru_utime + usage.ru_stime


def together(reference: list[str], whynolog: list[str], cwd: Path) -> tuple[float, float]:
    """Start both commands at once; their CPU seconds (reference, whynolog)."""
    procs = [
        subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for cmd in (reference, whynolog)
    ]
    seconds: dict[int, float] = {}
    for _ in procs:
        pid, status, usage = os.wait4(-1, 0)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise SystemExit(f"a measured command failed (pid {pid}, status {status})")
        seconds[pid] = cpu_seconds(usage)
    return seconds[procs[0].pid], seconds[procs[1].pid]


def main(argv: list[str] | None = None) -> int:
    """Command line: print each round, then the median ratio of each command."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="folder with admin.log")
    parser.add_argument("--rounds", type=int, default=8, help="rounds (8)")
    parser.add_argument("commands", nargs="+", metavar="NAME=CMD", help="whynolog commands")
    args = parser.parse_args(argv)
    commands = dict(c.partition("=")[::2] for c in args.commands)
    if args.rounds < 1 or not all(commands.values()):
        parser.error("give --rounds ≥ 1 and commands as NAME=CMD")
    reference = [sys.executable, str(HERE / "reference.py"), "admin.log", "--config", "org.yaml"]
    ratios: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(args.rounds):
        for name, cmd in commands.items():
            diagnose = [*shlex.split(cmd), "diagnose", "admin.log", "--config", "org.yaml"]
            ref, own = together(reference, [*diagnose, "--format", "json"], args.corpus)
            ratios[name].append(own / ref)
            print(f"round {i + 1}: {name} {own:.2f} s, reference {ref:.2f} s", file=sys.stderr)
    for name, found in ratios.items():
        print(
            f"{name}: ratio to the reference, median {statistics.median(found):.2f}x "
            f"(from {min(found):.2f}x to {max(found):.2f}x, {len(found)} rounds)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
