"""Load test of ``whynolog serve``: concurrent clients posting to ``/api/simulate``.

Generates the benchmark organisation (``generate.py``, 20,000 users by default),
starts ``whynolog serve`` on 127.0.0.1 (never another host), and lets CLIENTS
threads, each on its own keep-alive connection, post one email at a time for
SECONDS seconds. The emails are the generated log's entries that record their
participants, half outbound and half inbound. Prints a Markdown table: requests,
throughput, p50/p95/p99 latency and the error count (non-200 answers and failed
connections). Bounded: it stops after the duration and ends the server it started.

    python tests/bench/web_load.py                      # 20 clients, 30 s, 20,000 users
    python tests/bench/web_load.py --users 2000 --seconds 10
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from generate import INTERNAL_DOMAINS, generate

from whynolog.engine.read.adminlog import LogEntry, read_log

HOST = "127.0.0.1"


def sample_emails(log: Path, count: int) -> list[dict[str, Any]]:
    """Up to ``count`` emails from the log's entries with participants, half each way."""
    outbound: list[dict[str, Any]] = []
    inbound: list[dict[str, Any]] = []
    for entry in read_log(str(log)):
        if not isinstance(entry, LogEntry) or not entry.sender or not entry.to:
            continue
        email = {
            "from": entry.sender,
            "to": list(entry.to),
            "cc": list(entry.cc or ()),
            "subject": entry.subject,
        }
        domain = entry.sender.rpartition("@")[2]
        internal = any(domain == d or domain.endswith("." + d) for d in INTERNAL_DOMAINS)
        side = outbound if internal else inbound
        if len(side) < count // 2:
            side.append(email)
        if len(outbound) + len(inbound) >= count:
            break
    mixed = [email for pair in zip(outbound, inbound, strict=False) for email in pair]
    return mixed or outbound + inbound


def wait_until_up(port: int, server: subprocess.Popen[bytes], limit: float = 120.0) -> None:
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if server.poll() is not None:
            raise SystemExit(f"whynolog serve exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("whynolog serve did not answer within 120 s")


def client(
    port: int,
    bodies: list[bytes],
    start: int,
    deadline: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    """Post one email after another on one keep-alive connection until ``deadline``."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Content-Type": "application/json"}
    index = start
    while time.monotonic() < deadline:
        body = bodies[index % len(bodies)]
        index += 1
        began = time.perf_counter()
        try:
            connection.request("POST", "/api/simulate", body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            took = time.perf_counter() - began
            if answer.status != 200:
                errors.append(f"HTTP {answer.status}")
                continue
            latencies.append(took)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20_000, help="users in org.yaml (20000)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    parser.add_argument("--seconds", type=float, default=30.0, help="duration (30)")
    parser.add_argument("--emails", type=int, default=3000, help="distinct emails (3000)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (8765)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 200 and 0 < args.seconds <= 600):
        parser.error("--clients must be 1-200 and --seconds at most 600")
    with tempfile.TemporaryDirectory(prefix="whynolog-web-load-") as folder:
        corpus = Path(folder)
        generate(corpus, entries=args.emails * 3, users=args.users, seed=args.seed)
        emails = sample_emails(corpus / "admin.log", args.emails)
        bodies = [json.dumps(email).encode() for email in emails]
        command = [
            sys.executable, "-m", "whynolog", "serve", "--config", str(corpus / "org.yaml"),
            "--host", HOST, "--port", str(args.port),
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k != "WHYNOLOG_TOKEN"}
        server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(args.port, server)
            # One request first: the engine's first decisions are not what is measured.
            client(args.port, bodies[:1], 0, time.monotonic() + 0.01, [], [])
            latencies: list[float] = []
            errors: list[str] = []
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(
                    target=client,
                    args=(args.port, bodies, i * 97, deadline, latencies, errors),
                )
                for i in range(args.clients)
            ]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            took = time.monotonic() - began
        finally:
            server.terminate()
            server.wait(timeout=30)
    done = len(latencies)
    print(
        "| users | clients | seconds | requests | requests/s | p50 ms | p95 ms | p99 ms "
        "| errors |\n"
        f"|---|---|---|---|---|---|---|---|---|\n"
        f"| {args.users:,} | {args.clients} | {took:.0f} | {done:,} | {done / took:,.0f} "
        f"| {1000 * statistics.median(latencies) if latencies else float('nan'):.0f} "
        f"| {1000 * percentile(latencies, 0.95):.0f} | {1000 * percentile(latencies, 0.99):.0f} "
        f"| {len(errors)} |"
    )
    print(
        f"\n{len(emails)} distinct emails ({sum(1 for e in emails if '@acme' in e['from'])} "
        f"from an internal sender); command: python tests/bench/web_load.py "
        f"--users {args.users} --clients {args.clients} --seconds {args.seconds:g}",
        file=sys.stderr,
    )
    if errors:
        print(f"errors: {sorted(set(errors))}", file=sys.stderr)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
