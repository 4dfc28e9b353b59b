"""The load cache: same bytes reuse the loaded configuration; anything else loads afresh."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from whynolog.engine.base import cache
from whynolog.engine.base.cache import cache_dir, remembered
from whynolog.engine.base.errors import InputErrors
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.read.config import load_config

ORG = "organization:\n  name: {name}\nusers:\n  - name: A\n    emails: [a@x.com]\n"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("WHYNOLOG_CACHE_DIR", str(folder))
    monkeypatch.delenv("WHYNOLOG_NO_CACHE", raising=False)
    return folder


def test_a_clean_load_is_cached_and_reused(tmp_path: Path, own_cache: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(ORG.format(name="One"), encoding="utf-8")
    first = load_config(str(org))
    assert cache_dir() == own_cache and len(list(own_cache.glob("config-*"))) == 1
    assert load_config(str(org)) == first
    org.write_text(ORG.format(name="Two"), encoding="utf-8")
    assert load_config(str(org)).name == "Two"  # changed bytes: loaded afresh


def test_another_install_of_the_same_version_loads_afresh(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds of one version may pickle differently: a reinstall must not read the entries
    of the copy before it."""
    org = tmp_path / "org.yaml"
    org.write_text(ORG.format(name="One"), encoding="utf-8")
    load_config(str(org))
    key = str(org).encode() + b"\0" + org.read_bytes()  # as load_config names its entry
    assert remembered("config", key) is not None
    module = Path(cache.__file__)
    stat = module.stat()
    cache._installed.cache_clear()
    monkeypatch.setattr(cache, "__file__", str(tmp_path / "reinstalled.py"))
    (tmp_path / "reinstalled.py").write_text("", encoding="utf-8")
    os.utime(tmp_path / "reinstalled.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    try:
        assert remembered("config", key) is None
        load_config(str(org))
        assert len(list(own_cache.glob("config-*"))) == 2
    finally:
        cache._installed.cache_clear()


def test_a_copy_elsewhere_names_its_own_file(tmp_path: Path) -> None:
    """Two copies of one configuration: each loaded one points at its own file."""
    copies = [tmp_path / "a" / "org.yaml", tmp_path / "b" / "org.yaml"]
    for copy in copies:
        copy.parent.mkdir()
        copy.write_text(ORG.format(name="One"), encoding="utf-8")
    for copy in copies:
        loaded = load_config(str(copy))
        assert loaded.path == str(copy)
        assert loaded.users[0].position.path == str(copy)


def test_errors_are_never_cached(tmp_path: Path, own_cache: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text("organization: {}\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputErrors):
            load_config(str(org))
    assert not list(own_cache.glob("config-*"))


def test_a_corrupt_cache_entry_is_ignored(tmp_path: Path, own_cache: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(ORG.format(name="One"), encoding="utf-8")
    load_config(str(org))
    (entry,) = own_cache.glob("config-*")
    entry.write_bytes(b"not a pickle")
    assert load_config(str(org)).name == "One"


def test_rule_packs_are_cached_too(own_cache: Path) -> None:
    assert load_rule_pack() == load_rule_pack()
    assert len(list(own_cache.glob("rules-*"))) == 1


def test_cache_can_be_turned_off(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHYNOLOG_NO_CACHE", "1")
    org = tmp_path / "org.yaml"
    org.write_text(ORG.format(name="One"), encoding="utf-8")
    load_config(str(org))
    assert not own_cache.exists()


def test_engine_decisions_are_remembered_for_the_same_rules_only(own_cache: Path) -> None:
    import dataclasses

    from whynolog.engine.decide.inference import RuleEngine
    from whynolog.engine.facts.derive import FACTS

    pack = load_rule_pack()
    vector = {name: spec.values[0] if spec.values else 0 for name, spec in FACTS.items()}
    vector["credentials_valid"] = True
    first = RuleEngine(pack, kept=True)
    decided = first.decide(vector)
    assert decided is not None and first.evaluations == 1
    first.remember()
    assert len(list(own_cache.glob("decisions-*"))) == 1
    again = RuleEngine(pack, kept=True)
    assert again.decide(vector) == decided and again.evaluations == 0  # from the cache
    fresh = RuleEngine(pack)  # a few emails: not worth reading the kept decisions
    assert fresh.decide(vector) == decided and fresh.evaluations == 1
    others = dataclasses.replace(pack, rules=tuple(r for r in pack.rules if r.id != decided))
    changed = RuleEngine(others, kept=True)
    assert changed.decide(vector) != decided and changed.evaluations == 1
    assert RuleEngine(pack, memoise=False).decide(vector) == decided
