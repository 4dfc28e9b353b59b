"""An internal domain or ignore entry that imitates another internal domain: a typo, or a
phishing domain that would then count as the organisation's own."""

from __future__ import annotations

from typing import Any

from whynolog.engine.base.yamlio import position_of
from whynolog.engine.qa.lint.configdata import mappings, strings
from whynolog.engine.qa.lint.problem import Problem
from whynolog.engine.read.addresses import clean_domain
from whynolog.engine.read.config import Config
from whynolog.engine.read.lookalikes import LookalikeIndex


def check(data: Any, path: str, config: Config | None) -> list[Problem]:
    org = data.get("organization") if isinstance(data, dict) else None
    internal = [(i, clean_domain(raw)) for i, raw in strings(org, "internal_domains")]
    places: list[tuple[list[Any], str, LookalikeIndex, str]] = []
    for i, domain in internal:
        others = LookalikeIndex([d for j, d in internal if j != i])
        places.append((["organization", "internal_domains", i], domain, others, "another"))
    every = LookalikeIndex([d for _, d in internal])
    for i, user in mappings(data, "users"):
        for j, raw in strings(user, "ignore"):
            domain = raw.strip().rpartition("@")[2]
            places.append((["users", i, "ignore", j], domain, every, "an"))
    problems = []
    for steps, domain, index, which in places:
        found = index.of(domain) if domain else None
        if found is not None:
            problems.append(
                Problem.at(
                    position_of(data, steps, path),
                    "lookalike-domain",
                    f"{found.domain} looks like {found.imitates}, {which} internal domain "
                    f"({found.how}): a typo, or a look-alike domain",
                )
            )
    return problems
