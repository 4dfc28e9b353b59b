"""Domains with a label that is not valid IDNA 2008: compared as written, they match nothing."""

from __future__ import annotations

from typing import Any

from whynolog.engine.base.yamlio import position_of
from whynolog.engine.qa.lint.configdata import mappings, strings
from whynolog.engine.qa.lint.problem import Problem
from whynolog.engine.read.addresses import clean_domain
from whynolog.engine.read.config import Config
from whynolog.engine.read.domains import idna_problem


def check(data: Any, path: str, config: Config | None) -> list[Problem]:
    org = data.get("organization") if isinstance(data, dict) else None
    places = [
        (["organization", "internal_domains", i], raw, clean_domain(raw))
        for i, raw in strings(org, "internal_domains")
    ]
    for i, user in mappings(data, "users"):
        for key in ("emails", "ignore"):
            for j, raw in strings(user, key):
                places.append((["users", i, key, j], raw, raw.strip().rpartition("@")[2]))
    problems = []
    for steps, raw, domain in places:
        found = idna_problem(domain)
        if found is not None:
            offset, message = found
            where = position_of(data, steps, path)
            # The label's column: the value's start plus the label's offset inside it.
            start = raw.find(domain) + offset if domain in raw else 0
            problems.append(
                Problem(path, where.line, where.col + start, "error", "idna", f"{raw!r}: {message}")
            )
    return problems
