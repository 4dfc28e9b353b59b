"""Finding user names in free text for --redact: the same spans as one alternation of every
name, and quiet on standard error however many names the organisation has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from whynolog.engine.audit.names import NameMatcher

LETTERS = "abkKsSiI _-'.\u212a\u017f\u0130\u0131\u00e9\u00c9\u00df"
"""Letters that meet at the edges: ASCII, the few that fold to ASCII, accents, separators."""


def _whole_alternation(names: list[str]) -> Any:
    """The pattern the matcher must agree with: every name, longest first, whole words."""
    wanted = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
    options = re2.Options()
    options.max_mem = 64 << 20
    options.log_errors = False
    return re2.compile(rf"(?i)\b(?:{'|'.join(re2.escape(n) for n in wanted)})\b", options)


def _mark(match: Any) -> str:
    return f"<{match.group(0)}>"


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.text(LETTERS, min_size=1, max_size=8), min_size=1, max_size=6),
    st.text(LETTERS, max_size=40),
)
def test_the_same_names_as_one_alternation_of_all(names: list[str], text: str) -> None:
    if not any(len(n.strip()) >= 2 for n in names):
        return
    expected = _whole_alternation(names).sub(_mark, text)
    assert NameMatcher(names).sub(_mark, text) == expected


def test_names_in_a_subject_are_found_whole_and_in_any_case() -> None:
    matcher = NameMatcher(["Nina Kim", "Kim", "Alice Taylor", "X"])
    assert (
        matcher.sub(_mark, "Re: NINA KIM met alice taylor, Kimberly and Kim")
        == "Re: <NINA KIM> met <alice taylor>, Kimberly and <Kim>"
    )
    assert matcher.sub(_mark, "Roadmap preview") == "Roadmap preview"


def test_redact_on_a_large_organisation_writes_nothing_to_standard_error(
    tmp_path: Path, bench_generator: ModuleType
) -> None:
    """Thousands of names once made RE2 print a warning line for nearly every entry."""
    org = bench_generator.build_org(3, 3_000)
    bench_generator.write_config(org, tmp_path / "org.yaml")
    bench_generator.write_log(org, tmp_path / "admin.log", 3, 300)
    run = subprocess.run(
        [sys.executable, "-m", "whynolog", "diagnose", "admin.log", "--redact", "-f", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    names = [u.name for u in org.users]
    assert not any(name in run.stdout for name in names[:50])
