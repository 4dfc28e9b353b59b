"""The fix search's overlay gives the facts a rebuilt configuration gives, for every edit."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.remedies import _candidates
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.facts.derive import FactDeriver
from whynolog.engine.facts.directory import Directory
from whynolog.engine.facts.overlay import DirectoryOverlay, Edit, apply_edits
from whynolog.engine.read.config import Config, ContentFilter, User
from whynolog.engine.read.emails import Email

ENGINE = RuleEngine(load_rule_pack())
UNCACHED = RuleEngine(ENGINE.pack, memoise=False)  # the fixed email judged from scratch
LOCALS = ["alice", "bob", "info", "sales", "x"]
DOMAINS = ["acme.com", "eu.acme.com", "acme.co.uk", "customer.com", "news.example", "gmail.com"]
NAMES = ["Alice", "Bob", "Carol", "Dan", "<user of bob@acme.com>"]  # a name may repeat

address = st.builds(lambda a, b: f"{a}@{b}", st.sampled_from(LOCALS), st.sampled_from(DOMAINS))
entry = st.one_of(address, st.sampled_from(DOMAINS).map(lambda d: f"@{d}"))
users = st.lists(
    st.builds(
        User,
        name=st.sampled_from(NAMES),
        emails=st.lists(address, min_size=1, max_size=3, unique=True).map(tuple),
        active=st.booleans(),
        ignore=st.lists(entry, max_size=3, unique=True).map(tuple),
    ),
    max_size=6,
).map(tuple)
filters = st.lists(
    st.builds(
        ContentFilter,
        name=st.sampled_from(["ooo", "news", "auto"]),
        field=st.sampled_from(["subject", "body", "any"]),
        contains=st.sampled_from(["out of office", "unsubscribe", "auto"]),
    ),
    max_size=4,
).map(tuple)
configs = st.builds(
    Config,
    name=st.just("Acme"),
    internal_domains=st.lists(st.sampled_from(["acme.com", "acme.co.uk"]), unique=True).map(tuple),
    credentials_valid=st.booleans(),
    alert_address=st.one_of(st.none(), address),
    users=users,
    content_filters=filters,
)
addresses = st.lists(address, max_size=3, unique=True).map(tuple)
emails = st.builds(
    Email,
    sender=st.one_of(st.none(), address),
    to=addresses,
    cc=addresses,
    bcc=addresses,
    subject=st.sampled_from(["Q4", "Out of office", "AUTO reply"]),
    body=st.sampled_from(["", "hello", "unsubscribe here"]),
    message_id=st.one_of(st.none(), st.just("<a@x>")),
)
edits = st.lists(
    st.one_of(
        st.just(Edit("credentials")),
        st.builds(Edit, st.just("activate"), st.sampled_from(NAMES)),
        st.builds(Edit, st.just("attach"), st.sampled_from(NAMES), address),
        st.builds(Edit, st.just("add_user"), address.map(lambda a: f"<user of {a}>"), address),
        st.builds(Edit, st.just("unignore"), st.sampled_from(NAMES), entry),
        st.builds(Edit, st.just("unfilter"), value=st.sampled_from(["ooo", "news", "auto"])),
    ),
    max_size=4,
).map(tuple)


def _same_facts(config: Config, overlay: FactDeriver, email: Email) -> None:
    rebuilt = FactDeriver(apply_edits(config, overlay.edits))
    for duplicate in (False, True):
        want = rebuilt.derive(email, duplicate=duplicate)
        got = overlay.derive(email, duplicate=duplicate)
        assert got.vector == want.vector
        assert got.details == want.details


def _same_directory(config: Config, overlay: DirectoryOverlay, probes: list[str]) -> None:
    rebuilt = Directory(apply_edits(config, overlay.edits))
    for probe in probes:
        assert overlay.owner(probe) == rebuilt.owner(probe)
        assert overlay.is_internal(probe) == rebuilt.is_internal(probe)
        local = probe.partition("@")[0]
        assert overlay.users_with_local_part(local) == rebuilt.users_with_local_part(local)
        for user in rebuilt.config.users:
            seen = overlay.owner(user.emails[0])
            if seen == user:  # the same account as the overlay sees it
                assert overlay.ignore_entry(seen, probe) == rebuilt.ignore_entry(user, probe)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs, st.lists(emails, min_size=1, max_size=3), edits, st.lists(address, max_size=4))
def test_any_edits_through_the_overlay_give_the_rebuilt_facts(
    config: Config, batch: list[Email], changes: tuple[Edit, ...], probes: list[str]
) -> None:
    base = FactDeriver(config)
    overlay = base.edited(changes)
    assert isinstance(overlay.directory, DirectoryOverlay)
    for email in batch:
        _same_facts(config, overlay, email)
    parties = [a for e in batch for a in (e.sender, *e.to, *e.cc, *e.bcc) if a]
    _same_directory(config, overlay.directory, [*probes, *parties])
    # Edits on top of edits are the same as all of them at once.
    half = len(changes) // 2
    stacked = base.edited(changes[:half]).edited(changes[half:])
    assert stacked.edits == changes
    for email in batch:
        _same_facts(config, stacked, email)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs, emails, st.data())
def test_the_fix_search_candidates_through_the_overlay_give_the_rebuilt_facts(
    config: Config, email: Email, data: st.DataObject
) -> None:
    base = FactDeriver(config)
    state = base
    for _ in range(4):
        derived = state.derive(email)
        options = list(_candidates(state.directory, derived.details))
        if not options:
            break
        change = data.draw(st.sampled_from(options))
        state = base.edited((*state.edits, change.edit))
        _same_facts(config, state, email)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs, emails)
def test_a_fix_found_through_the_overlay_holds_on_the_rebuilt_configuration(
    config: Config, email: Email
) -> None:
    verdict = Judge(config, ENGINE.pack, ENGINE).judge(email)
    if verdict.fix is None:
        return
    assert len(verdict.fix.edits) == len(verdict.fix.changes)
    fixed = apply_edits(config, verdict.fix.edits)
    again = Judge(fixed, ENGINE.pack, UNCACHED).judge(email)
    assert again.outcome == verdict.fix.outcome
    assert again.rule == verdict.fix.rule
