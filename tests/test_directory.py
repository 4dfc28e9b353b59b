"""The organisation's directory: who is a user, what is internal, who ignores whom."""

from __future__ import annotations

import dataclasses

from whynolog.engine.facts.derive import FactDeriver
from whynolog.engine.facts.directory import Directory
from whynolog.engine.read.config import Config, User

ALICE = User("Alice", ("alice@acme.com",), ignore=("bob@partner.com", "@news.example"))
CAROL = User("Carol", ("carol@acme.com", "carol@acme.co.uk"), active=False)
CONFIG = Config("Acme", internal_domains=("acme.com", "acme.co.uk"), users=(ALICE, CAROL))


def test_internal_addresses_and_subdomains() -> None:
    d = Directory(CONFIG)
    assert d.is_internal("x@eu.acme.com") and d.is_internal("carol@acme.co.uk")
    assert not d.is_internal("x@evilacme.com") and not d.is_internal("x@acme.com.evil.io")
    assert d.owner("carol@acme.co.uk") is CAROL and d.owner(None) is None


def test_ignore_entries_cover_addresses_and_domains() -> None:
    d = Directory(CONFIG)
    assert d.ignore_entry(ALICE, "bob@partner.com") == "bob@partner.com"
    assert d.ignore_entry(ALICE, "x@mail.news.example") == "@news.example"
    assert d.ignore_entry(ALICE, "x@partner.com") is None


def test_an_equal_user_object_from_elsewhere_is_answered_alike() -> None:
    copy = dataclasses.replace(ALICE)
    assert copy == ALICE and copy is not ALICE and hash(copy) == hash(ALICE)
    assert Directory(CONFIG).ignore_entry(copy, "x@news.example") == "@news.example"


def test_a_user_named_twice_in_to_and_cc_counts_once() -> None:
    deriver = FactDeriver(CONFIG)
    parties = deriver.parties(
        "bob@partner.com",
        ("alice@acme.com", "Alice@acme.com".lower()),
        ("carol@acme.com", "carol@acme.co.uk"),
    )
    assert parties.active == [ALICE] and parties.inactive == [CAROL]
    assert parties.ignored == 1 and parties.external == []


def test_an_address_on_no_ignore_list_is_told_at_once() -> None:
    d = Directory(CONFIG)
    for address in ("bob@partner.com", "x@mail.news.example", "x@news.example", "büb@news.example"):
        assert d.may_be_ignored(address)
    for address in ("x@partner.com", "bob@partner.co", "x@news.example.org", "x@acme.com"):
        assert not d.may_be_ignored(address)
        assert all(d.ignore_entry(user, address) is None for user in CONFIG.users)
