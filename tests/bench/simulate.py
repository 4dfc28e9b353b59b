"""Benchmark: ``whynolog simulate --format jsonl`` with explanations, by organisation size.

For each ``--users`` size it writes the generator's ``org.yaml`` and an email
file of ``--emails`` emails (half outbound, half inbound, built for the same
target outcomes as the admin log), then measures, as fresh subprocesses, the
median over ``--repeat`` runs of::

    whynolog simulate emails.json --config org.yaml --format jsonl

(every verdict explained: reasons, trace and the verified fix). It also
measures the cold start of ``whynolog simulate one.eml`` on the ``--cold-users``
configuration (one warm-up run first). Prints a Markdown table of wall and CPU
times (the CPU time survives a busy machine).

    python tests/bench/simulate.py                         # 200, 2,000 and 20,000 users
    python tests/bench/simulate.py --users 2000 --repeat 1 --corpus /tmp/simcorpus
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from run import BenchError, last_lines, say, verdict, whynolog_command, write_eml  # noqa: E402

TARGET_RATE = 1_000  # emails/s with explanations at 2,000 users
TARGET_GROWTH = 1.5  # the largest organisation's time per email ÷ the 2,000-user one's
TARGET_COLD_MS = 300
OUTBOUND = ("ok_out", generate.NO_RECIPS, generate.SENDER_NOT_USER)
INBOUND = ("ok_in", generate.NO_USERS)
SHARED = (generate.ALL_IGNORED, generate.CONTENT)  # either direction; sampled until it fits
BODY_HITS = (
    "This is an automated message from the billing system.",
    "Thanks for your interest.\nTo stop these emails, unsubscribe here.",
    "Sent from my iPhone",
)


class Timing(NamedTuple):
    """One run's wall time and the CPU time its process used (user + system)."""

    wall: float
    cpu: float


def timed(cmd: list[str], cwd: Path) -> Timing:
    """Run ``cmd`` once (stdout to /dev/null); a failure raises :class:`BenchError`."""
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            text = err.read()[-4000:].decode("utf-8", errors="replace")
            raise BenchError(f"`{' '.join(cmd)}` failed:\n{last_lines(text)}")
    return Timing(wall, usage.ru_utime + usage.ru_stime)


def _weights(kinds: tuple[str, ...]) -> list[float]:
    mix = dict(generate.MIX)
    return [mix[k] for k in kinds]


def _outbound(org: generate.Org, sender: str) -> bool:
    """The default semantics' direction: a user's address or an internal domain sends out."""
    domain = sender.rpartition("@")[2]
    owned = any(sender in u.emails for u in org.users)
    return owned or any(domain == d or domain.endswith("." + d) for d in generate.INTERNAL_DOMAINS)


def build_emails(org: generate.Org, seed: int, count: int) -> list[dict[str, Any]]:
    """``count`` emails alternating outbound and inbound, some of them copies of earlier ones."""
    writer = generate.LogWriter(org, seed, count, out=None)  # type: ignore[arg-type]
    rng = writer.rng
    emails: list[dict[str, Any]] = []
    clock = generate.START
    for i in range(count):
        clock += dt.timedelta(seconds=rng.randrange(1, 120))
        if emails and rng.random() < 0.03:  # a copy: the same Message-ID again
            emails.append(dict(rng.choice(emails)))
            continue
        want_out = i % 2 == 0
        kinds = (*(OUTBOUND if want_out else INBOUND), *SHARED)
        while True:
            kind = rng.choices(kinds, _weights(kinds))[0]
            sender, to, cc = writer._participants(kind)
            if _outbound(org, sender) == want_out:
                break
        body_hit = kind == generate.CONTENT and rng.random() < 0.15
        subject = (
            writer._hit_subject()
            if kind == generate.CONTENT and not body_hit
            else writer._clean_subject()
        )
        body = rng.choice(BODY_HITS) if body_hit else "Hello,\nplease find the figures below.\n"
        writer.serial += 1
        emails.append(
            {
                "message_id": f"<{writer.serial:x}.{rng.randrange(1 << 32):08x}@bench>",
                "date": clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "from": writer._show(sender),
                "to": [writer._show(a) for a in to],
                "cc": [writer._show(a) for a in cc],
                "subject": subject,
                "body": body,
            }
        )
    return emails


def prepare(folder: Path, users: int, count: int, seed: int) -> None:
    """``org.yaml`` and ``emails.json`` for one size, unless ``folder`` already holds them."""
    marker = folder / "corpus.json"
    wanted = {"users": users, "emails": count, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return
    folder.mkdir(parents=True, exist_ok=True)
    org = generate.build_org(seed, users)
    generate.write_config(org, folder / "org.yaml")
    emails = build_emails(org, seed, count)
    (folder / "emails.json").write_text(json.dumps(emails, indent=1), encoding="utf-8")
    marker.write_text(json.dumps(wanted))


def main(argv: list[str] | None = None) -> int:
    """Command line: measure and print the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="keep/reuse the corpora in this folder")
    parser.add_argument(
        "--users", type=int, nargs="+", default=[200, 2_000, 20_000], help="sizes (200 2000 20000)"
    )
    parser.add_argument("--emails", type=int, default=3_000, help="emails per run (3000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; median (3)")
    parser.add_argument("--cold-users", type=int, default=2_000, help="cold start's size (2000)")
    parser.add_argument("--cold-runs", type=int, default=10, help="cold-start runs (10)")
    parser.add_argument("--whynolog", metavar="CMD", help="the whynolog command to measure")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.cold_runs < 0 or args.emails < 1 or min(args.users) < 3:
        parser.error("--repeat and --emails must be positive, --users at least 3")
    whynolog = shlex.split(args.whynolog) if args.whynolog else whynolog_command()
    tmp = None
    if args.corpus is None:
        tmp = tempfile.TemporaryDirectory(prefix="whynolog-simbench-")
        root = Path(tmp.name)
    else:
        root = args.corpus.resolve()
    try:
        print(_bench(args, root, whynolog))
        return 0
    except BenchError as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 2
    finally:
        if tmp is not None:
            tmp.cleanup()


def _median(runs: list[Timing]) -> Timing:
    return Timing(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs))


def _bench(args: argparse.Namespace, root: Path, whynolog: list[str]) -> str:
    sizes = sorted(set(args.users))
    cmd = [*whynolog, "simulate", "emails.json", "--config", "org.yaml", "--format", "jsonl"]
    for users in sizes:
        folder = root / f"users-{users}"
        say(f"{users:,} users: corpus in {folder}")
        prepare(folder, users, args.emails, args.seed)
        timed(cmd, folder)  # warm-up: the page cache and the load cache
    runs: dict[int, list[Timing]] = {users: [] for users in sizes}
    for i in range(args.repeat):  # sizes interleaved: a busy spell slows all sizes alike
        for users in sizes:
            say(f"{users:,} users: run {i + 1}/{args.repeat}")
            runs[users].append(timed(cmd, root / f"users-{users}"))
    times = {users: _median(runs[users]) for users in sizes}
    rows = []
    for users in sizes:
        t = times[users]
        target = f"≥ {TARGET_RATE:,}/s" if users == 2_000 else ""
        rows.append(
            (
                f"simulate --format jsonl, {users:,} users",
                f"{args.emails / t.wall:,.0f} emails/s ({t.wall:.2f} s wall)",
                f"{args.emails / t.cpu:,.0f} emails/s ({t.cpu:.2f} s CPU)",
                target,
                verdict(args.emails / t.wall >= TARGET_RATE) if target else "",
            )
        )
    if 2_000 in times and sizes[-1] > 2_000:
        wall, cpu = (times[sizes[-1]][k] / times[2_000][k] for k in (0, 1))
        rows.append(
            (
                f"time at {sizes[-1]:,} users ÷ time at 2,000",
                f"{wall:.2f}x",
                f"{cpu:.2f}x",
                f"≤ {TARGET_GROWTH:g}x",
                verdict(wall <= TARGET_GROWTH),
            )
        )
    if args.cold_runs:
        folder = root / f"users-{args.cold_users}"
        prepare(folder, args.cold_users, args.emails, args.seed)
        cmd = [*whynolog, "simulate", write_eml(folder), "--config", "org.yaml"]
        say(f"cold start: {args.cold_runs} runs")
        timed(cmd, folder)  # warm-up
        cold = _median([timed(cmd, folder) for _ in range(args.cold_runs)])
        rows.append(
            (
                f"simulate one.eml cold start, {args.cold_users:,} users "
                f"(median of {args.cold_runs})",
                f"{1000 * cold.wall:.0f} ms",
                f"{1000 * cold.cpu:.0f} ms",
                f"≤ {TARGET_COLD_MS} ms",
                verdict(1000 * cold.wall <= TARGET_COLD_MS),
            )
        )
    lines = ["| figure | wall | CPU | target | |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    argv = " ".join(shlex.quote(a) for a in sys.argv[1:])
    lines.append("")
    lines.append(
        f"{args.emails:,} emails, seed {args.seed}, median of {args.repeat}; "
        f"`python tests/bench/simulate.py {argv}`"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
