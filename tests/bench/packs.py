"""Benchmark: many rule packs loaded in turn in one process, and the memory that stays.

A long-running process (a server, a QA job over many packs) loads pack after
pack. Each pack becomes a ruleset in durable_rules' process-wide host; this
measures the resident memory after each of ``--packs`` distinct packs was
loaded from its file, had an email judged and was dropped.

    python tests/bench/packs.py                 # 600 packs
    python tests/bench/packs.py --packs 1500 --every 300

Prints the resident set size at the start (after one warm-up pack), every
``--every`` packs and at the end, and the growth. The project's target: less
than 60 MB of growth over 600 packs. Runs against any whynolog install (it
uses only the rule-pack loader and the judge), so a baseline can be measured
the same way. Linux (reads ``/proc/self/statm``).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

TARGET_MB = 60
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """The resident set size now, in MB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE / 1e6


def write_packs(folder: Path, count: int) -> list[Path]:
    """``count`` distinct packs: the shipped one with the catch-all renamed in each."""
    from whynolog.engine.decide.rulepack import shipped_rules_path

    data = yaml.safe_load((shipped_rules_path() / "default.yaml").read_text(encoding="utf-8"))
    paths = []
    for i in range(count):
        rules = [dict(r, id=f"{r['id']}-{i}") if r["id"] == "log-ok" else r for r in data["rules"]]
        path = folder / f"pack-{i}.yaml"
        path.write_text(yaml.safe_dump({**data, "name": f"pack-{i}", "rules": rules}), "utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", type=int, default=600)
    parser.add_argument("--every", type=int, default=100)
    args = parser.parse_args(argv)

    from whynolog.engine.decide.judge import Judge
    from whynolog.engine.decide.rulepack import load_rule_pack
    from whynolog.engine.read.config import config_from_data
    from whynolog.engine.read.emails import Email

    config = config_from_data(
        {
            "organization": {"name": "Bench", "internal_domains": ["acme.com"]},
            "users": [{"name": "Alice", "emails": ["alice@acme.com"]}],
        },
        "<bench>",
    )
    email = Email(sender="alice@acme.com", to=("bob@customer.com",), subject="Quote")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WHYNOLOG_CACHE_DIR"] = tmp  # every pack is read from its file
        paths = write_packs(Path(tmp), args.packs + 1)

        def one(path: Path) -> str:
            return Judge(config, load_rule_pack(path)).judge(email).outcome

        assert one(paths[0]) == "LOG_OK"  # warm-up: imports, templates, the host
        gc.collect()
        start = rss_mb()
        began = time.perf_counter()
        print("| packs | RSS (MB) | growth (MB) |\n|---:|---:|---:|")
        print(f"| 0 | {start:.1f} | 0.0 |")
        for n, path in enumerate(paths[1:], 1):
            one(path)
            if n % args.every == 0 or n == args.packs:
                gc.collect()
                now = rss_mb()
                print(f"| {n} | {now:.1f} | {now - start:.1f} |", flush=True)
        seconds = time.perf_counter() - began
    growth = rss_mb() - start
    verdict = "meets" if growth < TARGET_MB else "misses"
    print(
        f"\n{args.packs} packs in {seconds:.1f} s: memory grew {growth:.1f} MB "
        f"({verdict} the target of < {TARGET_MB} MB)\n"
        f"python {' '.join([sys.argv[0], *(argv or sys.argv[1:])])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
