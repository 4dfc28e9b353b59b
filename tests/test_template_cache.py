"""Rule templates are kept compiled on disk, and a changed template is compiled afresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from whynolog.engine.base.templatecache import from_source
from whynolog.engine.decide.rulepack import template_environment


def _kept(cache: Path) -> list[Path]:
    return sorted((cache / "templates-rule-pack").glob("*"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, enabled load cache."""
    monkeypatch.setenv("WHYNOLOG_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("WHYNOLOG_NO_CACHE", raising=False)
    return tmp_path


def test_a_template_is_compiled_once_and_reloaded(cache: Path) -> None:
    source = "{{ sender }} is {{ 'not ' if not user else '' }}a user"
    first = from_source(template_environment(), "rule-pack", source)
    assert first.render(sender="bob@example.com", user=False) == "bob@example.com is not a user"
    assert len(_kept(cache)) == 1

    again = from_source(template_environment(), "rule-pack", source)  # a new process's view
    assert again.render(sender="ann@acme.com", user=True) == "ann@acme.com is a user"
    assert len(_kept(cache)) == 1

    edited = from_source(template_environment(), "rule-pack", source.replace("is", "was"))
    assert edited.render(sender="ann@acme.com", user=True) == "ann@acme.com was a user"
    assert len(_kept(cache)) == 2


def test_nothing_is_kept_when_caching_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHYNOLOG_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("WHYNOLOG_NO_CACHE", "1")
    template = from_source(template_environment(), "rule-pack", "{{ 1 + 1 }}")
    assert template.render() == "2"
    assert _kept(tmp_path) == []


def test_a_sandboxed_template_stays_sandboxed_when_reloaded(cache: Path) -> None:
    source = "{{ ''.__class__.__mro__ }}"
    from_source(template_environment(), "rule-pack", source)
    reloaded = from_source(template_environment(), "rule-pack", source)
    with pytest.raises(Exception, match="unsafe"):
        reloaded.render()
