"""Content filters whose regex RE2 cannot run, and filters that match every email."""

from __future__ import annotations

from typing import Any

from whynolog.engine.base.yamlio import position_of
from whynolog.engine.qa.lint.configdata import mappings, name_of
from whynolog.engine.qa.lint.problem import Problem
from whynolog.engine.read.config import Config


def check(data: Any, path: str, config: Config | None) -> list[Problem]:
    from whynolog.engine.base.regex import check_regex

    problems = []
    for i, raw in mappings(data, "content_filters"):
        kind = "regex" if "regex" in raw else "contains"
        pattern = raw.get(kind)
        if not isinstance(pattern, str):
            continue  # the schema check reports it
        name = name_of(raw, i)
        where = position_of(data, ["content_filters", i, kind], path)
        if kind == "regex":
            problem = check_regex(pattern)
            if problem:
                code = "bad-regex" if problem.startswith("invalid regex") else "regex-unsupported"
                problems.append(Problem.at(where, code, f"filter {name!r}: {problem}"))
                continue
        if _matches_empty(kind, pattern):
            problems.append(
                Problem.at(
                    where,
                    "filter-matches-empty",
                    f"filter {name!r} matches the empty string, so it matches every email: "
                    f"nothing would log",
                )
            )
    return problems


def _matches_empty(kind: str, pattern: str) -> bool:
    if kind == "contains":
        return pattern == ""
    import re2

    return re2.search(pattern, "") is not None
