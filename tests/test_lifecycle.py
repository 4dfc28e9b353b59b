"""Rule engines: shared per compiled pack, released when unused, safe between threads."""

from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from whynolog import api
from whynolog.engine.decide import inference
from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.rulepack import RulePack, load_rule_pack
from whynolog.engine.facts.derive import FACTS
from whynolog.engine.read.emails import Email

STARTER = Path(__file__).parents[1] / "cli" / "starter"
PACK = load_rule_pack()
VECTOR = {name: spec.values[0] if spec.values else 0 for name, spec in FACTS.items()}


def variant(i: int) -> RulePack:
    """The shipped pack with its catch-all renamed: other rules to durable_rules."""
    rules = tuple(
        dataclasses.replace(r, id=f"{r.id}-{i}") if r.id == "log-ok" else r for r in PACK.rules
    )
    return dataclasses.replace(PACK, rules=rules)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def test_engines_of_the_same_rules_share_one_ruleset_until_the_last_is_gone() -> None:
    before = inference.live_rulesets()
    first, second = RuleEngine(variant(-1)), RuleEngine(variant(-1))
    assert first.ruleset == second.ruleset and inference.live_rulesets() == before + 1
    del first
    gc.collect()
    assert inference.live_rulesets() == before + 1  # the second still uses it
    assert second.decide({**VECTOR, "credentials_valid": False}) == "credentials-invalid"
    del second
    gc.collect()
    assert inference.live_rulesets() == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_six_hundred_packs_in_turn_keep_memory_flat() -> None:
    # Each pack is compiled, judges a fact vector (a session with state) and is dropped.
    def one(i: int) -> None:
        assert RuleEngine(variant(i)).decide(VECTOR) is not None

    one(0)
    gc.collect()
    start, before = rss_mb(), inference.live_rulesets()
    for i in range(1, 601):
        one(i)
    gc.collect()
    assert inference.live_rulesets() == before
    assert rss_mb() - start < 60  # kept rulesets and their sessions took ~0.3 MB a pack


def test_a_judge_of_a_dropped_setup_releases_its_ruleset() -> None:
    before = inference.live_rulesets()
    setup = api.load(STARTER / "org.yaml", variant(-2))
    [verdict] = api.simulate(setup, [{"from": "alice@acme.com", "to": ["bob@customer.com"]}])
    assert verdict.rule is not None
    del verdict, setup
    gc.collect()
    assert inference.live_rulesets() == before


def test_an_engine_is_never_pickled() -> None:
    engine = RuleEngine(PACK)
    with pytest.raises(TypeError, match="build the engine there"):
        pickle.dumps(engine)
    pickle.loads(pickle.dumps(api.load(STARTER / "org.yaml")))  # a setup travels


def test_one_engine_judges_from_many_threads_as_from_one() -> None:
    setup = api.load(STARTER / "org.yaml")
    senders = ["alice@acme.com", "carol@acme.com", "pat@customer.com", "x@gmail.com"]
    recipients = ["bob@customer.com", "alice@acme.com", "sales@acme.com", "y@competitor.com"]
    emails = [
        Email(sender=s, to=(r,), subject=subject, message_id=f"<{i}@t>")
        for i, (s, r, subject) in enumerate(
            (s, r, subject)
            for s in senders
            for r in recipients
            for subject in ("Quote", "Out of office", "Hello")
        )
    ]
    engine = RuleEngine(setup.pack, memoise=False)  # every email reaches durable_rules

    def judged(batch: list[Email]) -> list[tuple[Any, ...]]:
        judge = Judge(setup.config, setup.pack, engine)
        return [(v.outcome, v.rule, v.also_matched) for v in judge.judge_all(batch)]

    alone = [judged([email])[0] for email in emails]
    with ThreadPoolExecutor(8) as pool:
        together = [row for rows in pool.map(judged, [[e] for e in emails] * 4) for row in rows]
    assert together == alone * 4
    assert len({outcome for outcome, _, _ in alone}) >= 4


RELEASE_UNHANDLED = """
import gc
from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.rulepack import load_rule_pack
pack, shipped = load_rule_pack({pack!r}), load_rule_pack()
for _ in range(6):
    other, engine = RuleEngine(shipped, memoise=False), RuleEngine(pack, memoise=False)
    assert other.matches({vector!r}) and engine.matches({vector!r}) == ()
    del other, engine
    gc.collect()
print("released")
"""


def test_a_pack_that_leaves_a_fact_unmatched_is_released_without_a_crash() -> None:
    # With another ruleset beside it, durable_rules crashed (SIGSEGV, or free(): invalid
    # pointer) deleting the state of a session that was asserted a fact no rule handled; a
    # separate process shows the crash as an exit code.
    import subprocess

    pack = Path(__file__).parent / "fixtures" / "lint" / "rules-logic.yaml"
    vector = {
        **VECTOR,
        "direction": "inbound",
        "active_users_to_cc": 0,
        "content_filter_hits": 0,
        "all_parties_ignored": False,
    }
    code = RELEASE_UNHANDLED.format(pack=str(pack), vector=vector)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout.strip()) == (0, "released"), run.stderr[-2000:]
