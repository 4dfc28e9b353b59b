"""The organisation's directory: who is a user, what is internal, who ignores whom."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from whynolog.engine.facts.derive import FactDeriver
from whynolog.engine.facts.directory import Directory, load_indexed_config
from whynolog.engine.read.config import Config, User, load_config

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


ORG = """organization:
  name: Acme
  internal_domains: [acme.com, bücher.de]
users:
  - name: Alice
    emails: [alice@acme.com]
    ignore: [bob@partner.com, "@news.example"]
  - name: Carol
    emails: [carol@acme.com, carol@bücher.de]
    active: false
"""


def test_a_loaded_configuration_brings_its_directory_from_the_load_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept indexes answer as freshly built ones, about this configuration's own users."""
    monkeypatch.setenv("WHYNOLOG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WHYNOLOG_NO_CACHE", raising=False)
    org = tmp_path / "org.yaml"
    org.write_text(ORG, encoding="utf-8")
    load_indexed_config(str(org))  # loaded, indexed and kept
    config = load_indexed_config(str(org))  # read back from the cache
    assert len(list((tmp_path / "cache").glob("indexed-*"))) == 1
    assert config == load_config(str(org))
    kept, fresh = Directory.of(config), Directory(config)
    alice, carol = config.users
    assert kept.owner("carol@xn--bcher-kva.de") is carol and kept.owner("alice@acme.com") is alice
    addresses = ("bob@partner.com", "x@mail.news.example", "x@partner.com", "carol@bücher.de")
    for address in addresses:
        assert kept.may_be_ignored(address) == fresh.may_be_ignored(address)
        assert kept.ignore_entry(alice, address) == fresh.ignore_entry(alice, address)
        assert kept.is_internal(address) == fresh.is_internal(address)
    assert kept.lookalikes.of("acne.com") == fresh.lookalikes.of("acne.com") is not None
    assert kept.position(carol) == 1 and kept.users_named("Carol") == [carol]
