"""An address on two users (in any case), and an address a user lists twice."""

from __future__ import annotations

from typing import Any

from whynolog.engine.base.errors import Position
from whynolog.engine.base.yamlio import position_of
from whynolog.engine.qa.lint.configdata import mappings, name_of, strings
from whynolog.engine.qa.lint.problem import Problem
from whynolog.engine.read.config import Config
from whynolog.engine.read.domains import canonical_address


def check(data: Any, path: str, config: Config | None) -> list[Problem]:
    owner: dict[str, tuple[int, str, Position]] = {}
    problems = []
    for i, user in mappings(data, "users"):
        name = name_of(user, i)
        for j, raw in strings(user, "emails"):
            address = raw.strip().lower()
            where = position_of(data, ["users", i, "emails", j], path)
            first = owner.setdefault(canonical_address(address), (i, name, where))
            if first[2] == where:
                continue
            if first[0] == i:
                problems.append(
                    Problem.at(
                        where,
                        "duplicate-address",
                        f"{address} is listed twice for user {name!r} (line {first[2].line})",
                    )
                )
            else:
                problems.append(
                    Problem.at(
                        where,
                        "address-on-two-users",
                        f"{address} is also an address of user {first[1]!r} "
                        f"(line {first[2].line}); an address belongs to one user",
                    )
                )
    return problems
