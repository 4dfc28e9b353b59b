"""Ignore entries that can never matter (internal ones), and entries that repeat."""

from __future__ import annotations

from typing import Any

from whynolog.engine.base.yamlio import position_of
from whynolog.engine.qa.lint.configdata import mappings, name_of, strings
from whynolog.engine.qa.lint.problem import Problem
from whynolog.engine.read.addresses import clean_domain, domain_covers
from whynolog.engine.read.config import Config
from whynolog.engine.read.domains import canonical_address, canonical_domain


def check(data: Any, path: str, config: Config | None) -> list[Problem]:
    from whynolog.engine.facts.directory import Directory

    directory = Directory(config) if config is not None else None
    problems = []
    for i, user in mappings(data, "users"):
        name = name_of(user, i)
        seen: list[tuple[str, int]] = []
        for j, raw in strings(user, "ignore"):
            entry = raw.strip().lower()
            where = position_of(data, ["users", i, "ignore", j], path)
            why = _internal(entry, directory) if directory is not None else None
            if why:
                problems.append(
                    Problem.at(
                        where,
                        "ignore-internal",
                        f"ignore entry {raw!r} of {name!r} is {why}; ignore lists only "
                        f"apply to external parties, so it never matters",
                    )
                )
            cover = _covering(entry, seen)
            if cover is not None:
                other, line = cover
                what = "repeats" if other == entry else "is already covered by"
                problems.append(
                    Problem.at(
                        where,
                        "duplicate-ignore",
                        f"ignore entry {raw!r} of {name!r} {what} {other!r} (line {line})",
                    )
                )
            seen.append((entry, where.line))
    return problems


def _internal(entry: str, directory: Any) -> str | None:
    """Why an ignore entry is internal, or None."""
    if entry.startswith("@"):
        internal = directory.internal_domain_of(f"x@{clean_domain(entry)}")
        return f"an internal domain (covered by {internal})" if internal else None
    if not directory.is_internal(entry):
        return None
    owner = directory.owner(entry)
    return (
        f"internal (an address of user {owner.name!r})"
        if owner
        else "internal (on an internal domain)"
    )


def _covering(entry: str, seen: list[tuple[str, int]]) -> tuple[str, int] | None:
    """The earlier entry of the same list that already covers ``entry``, if any."""
    domain = canonical_domain(clean_domain(entry.rpartition("@")[2]))
    for other, line in seen:
        if canonical_address(other) == canonical_address(entry):
            return other, line
        if other.startswith("@") and domain_covers(canonical_domain(clean_domain(other)), domain):
            return other, line
    return None
