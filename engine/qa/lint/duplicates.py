"""Two users or two content filters of one name, and internal domains that repeat."""

from __future__ import annotations

from typing import Any

from whynolog.engine.base.yamlio import position_of
from whynolog.engine.qa.lint.configdata import mappings, strings
from whynolog.engine.qa.lint.problem import Problem
from whynolog.engine.read.addresses import clean_domain, domain_covers
from whynolog.engine.read.config import Config
from whynolog.engine.read.domains import canonical_domain


def check(data: Any, path: str, config: Config | None) -> list[Problem]:
    problems = _names(data, path, "users", "duplicate-user", "user")
    problems += _names(data, path, "content_filters", "duplicate-filter", "content filter")
    return problems + _domains(data, path)


def _names(data: Any, path: str, key: str, code: str, what: str) -> list[Problem]:
    first: dict[str, int] = {}
    problems = []
    for i, item in mappings(data, key):
        name = item.get("name")
        if not isinstance(name, str):
            continue
        where = position_of(data, [key, i, "name"], path)
        line = first.setdefault(name.strip().casefold(), where.line)
        if line != where.line:
            problems.append(
                Problem.at(where, code, f"another {what} is called {name!r} (line {line})")
            )
    return problems


def _domains(data: Any, path: str) -> list[Problem]:
    """A domain that repeats, or that another listed domain covers (its parent)."""
    org = data.get("organization") if isinstance(data, dict) else None
    listed: list[tuple[str, str, int, Any]] = []  # (domain, as written, line, position)
    for i, raw in strings(org, "internal_domains"):
        try:
            domain = canonical_domain(clean_domain(raw))
        except ValueError:
            continue  # not a domain: another check says so
        where = position_of(data, ["organization", "internal_domains", i], path)
        listed.append((domain, raw, where.line, where))
    problems = []
    for n, (domain, raw, _, where) in enumerate(listed):
        for m, (other, _, line, _) in enumerate(listed):
            repeat = other == domain and m < n
            parent = other != domain and domain_covers(other, domain)
            if repeat or parent:
                what = "repeats" if repeat else "is already covered by"
                problems.append(
                    Problem.at(
                        where,
                        "duplicate-domain",
                        f"internal domain {raw!r} {what} {other!r} (line {line}); "
                        f"a domain covers its subdomains",
                    )
                )
                break
    return problems
