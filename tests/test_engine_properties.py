"""Property tests of the engine's invariants over generated emails."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.facts.derive import FACTS
from whynolog.engine.read.config import load_config
from whynolog.engine.read.emails import Email

CONFIG_PATH = Path(__file__).parent / "fixtures" / "cases" / "org.yaml"
CONFIG = load_config(str(CONFIG_PATH))
PACK = load_rule_pack()
ENGINE = RuleEngine(PACK)
UNCACHED = RuleEngine(PACK, memoise=False)
KNOWN = sorted({a for u in CONFIG.users for a in u.emails})
OUTCOMES = set(PACK.outcomes)

local = st.sampled_from(["bob", "zoe", "sales", "x", "alice", "dan.brown", "carol"])
domain = st.sampled_from(
    [
        "acme.com",
        "eu.acme.com",
        "acme.co.uk",
        "evilacme.com",
        "acme.com.evil.io",
        "gmail.com",
        "customer.com",
        "competitor.com",
        "eu.competitor.com",
        "spam.example",
    ]
)
address = st.one_of(st.sampled_from(KNOWN), st.builds(lambda a, b: f"{a}@{b}", local, domain))
addresses = st.lists(address, max_size=4, unique=True).map(tuple)
emails = st.builds(
    Email,
    sender=st.one_of(st.none(), address),
    to=addresses,
    cc=addresses,
    bcc=addresses,
    subject=st.one_of(st.text(max_size=40), st.sampled_from(["Out of office", "AUTO-REPLY: x"])),
    body=st.one_of(st.text(max_size=80), st.just("please unsubscribe  here")),
    message_id=st.one_of(st.none(), st.sampled_from(["<a@x>", "<b@x>"])),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(emails, min_size=1, max_size=4))
def test_every_email_gets_exactly_one_known_outcome_and_the_same_each_run(batch) -> None:
    first = [v for v in Judge(CONFIG, PACK, ENGINE).judge_all(batch, explain=False)]
    again = [v for v in Judge(CONFIG, PACK, UNCACHED).judge_all(batch, explain=False)]
    assert [v.outcome for v in first] == [v.outcome for v in again]
    for verdict in first:
        assert verdict.outcome in OUTCOMES
        assert verdict.rule is not None
        assert PACK.rule(verdict.rule).outcome == verdict.outcome
        # The deciding rule's conditions all hold, and the vector has exactly the known facts.
        assert all(step.held for step in verdict.trace)
        assert set(verdict.facts) == set(FACTS)
        # Rules that also matched come after the deciding one in priority order.
        order = [r.id for r in PACK.rules]
        ranks = [order.index(r) for r in (verdict.rule, *verdict.also_matched)]
        assert ranks == sorted(ranks)


@settings(max_examples=150, deadline=None)
@given(emails)
def test_explanations_name_only_facts_of_the_email(email: Email) -> None:
    verdict = Judge(CONFIG, PACK, ENGINE).judge(email, explain=False)
    text = " ".join(verdict.reasons)
    mentioned = {w.strip(".,;:()\"'") for w in text.split() if "@" in w and not w.startswith('"@')}
    present = {email.sender, *email.to, *email.cc, *email.bcc}
    entries = {e for u in CONFIG.users for e in u.ignore}
    for word in mentioned:
        assert word in present or word in entries, (word, text)
    assert verdict.reasons, "every verdict says why"


def _apply(data: dict[str, Any], change: str) -> None:
    """Make the change a fix describes in the configuration's YAML data, as an admin would."""

    def user(name: str) -> dict[str, Any]:
        [found] = [u for u in data["users"] if u["name"] == name]
        return found  # type: ignore[no-any-return]

    if match := re.fullmatch(r"activate the account of (.+)", change):
        user(match[1])["active"] = True
    elif match := re.fullmatch(r"add (\S+) to (.+)'s addresses \(alias\)", change):
        user(match[2])["emails"].append(match[1])
    elif match := re.fullmatch(r"attach (\S+) to its user as an alias.*", change):
        data["users"].append({"name": "New User", "emails": [match[1]]})
    elif match := re.fullmatch(r"narrow or remove content filter '(.+)'", change):
        data["content_filters"] = [f for f in data["content_filters"] if f["name"] != match[1]]
    elif match := re.fullmatch(r"remove '(.+)' from (.+)'s ignore list", change):
        user(match[2])["ignore"].remove(match[1])
    elif "integration.credentials: valid" in change:
        data["integration"]["credentials"] = "valid"
    else:
        raise AssertionError(f"a change no admin could make from its description: {change!r}")


@settings(max_examples=60, deadline=None)
@given(emails)
def test_a_verified_fix_really_makes_the_email_log(email: Email) -> None:
    verdict = Judge(CONFIG, PACK, ENGINE).judge(email)
    if verdict.fix is None:
        return
    assert verdict.outcome != "LOG_OK"
    assert 1 <= len(verdict.fix.changes) <= 3
    # Prove it from scratch: the changed configuration file, loaded and judged afresh.
    data = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    for change in verdict.fix.changes:
        _apply(data, change)
    with tempfile.TemporaryDirectory() as folder:
        fixed = Path(folder) / "org.yaml"
        fixed.write_text(yaml.safe_dump(data), encoding="utf-8")
        judge = Judge(load_config(str(fixed)), PACK, RuleEngine(PACK, memoise=False))
        again = judge.judge(email, explain=False)
    assert again.outcome == "LOG_OK", (verdict.fix.changes, again.reasons)
