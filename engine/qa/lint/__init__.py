"""Linting a configuration and a rule pack, as ruff or yamllint lint code.

One run reports every problem, sorted by position: the schema check and the
checks of meaning both run on everything that parsed. Each check is a module
here with one ``check`` function; a problem carries its code from where it was
found (the codes and their meaning: :data:`~whynolog.engine.qa.lint.problem.CODES`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from whynolog.engine.base.errors import InputError, InputErrors, problems_of
from whynolog.engine.base.schemas import validate
from whynolog.engine.base.yamlio import load_yaml
from whynolog.engine.decide.rulepack import load_rule_pack, shipped_rules_path
from whynolog.engine.qa.lint import (
    addresses,
    domainnames,
    duplicates,
    ignores,
    lookalike,
    regexes,
)
from whynolog.engine.qa.lint.configdata import lenient_config
from whynolog.engine.qa.lint.interplay import analyse_pack
from whynolog.engine.qa.lint.problem import CODES, ERROR, WARNING, Problem
from whynolog.engine.read.config import Config

__all__ = [
    "CODES",
    "CONFIG_CHECKS",
    "ERROR",
    "WARNING",
    "Problem",
    "analyse_pack",
    "lint",
    "lint_config",
    "lint_rules",
]

ConfigCheck = Callable[[Any, str, Config | None], list[Problem]]
CONFIG_CHECKS: dict[str, ConfigCheck] = {
    "regexes": regexes.check,
    "addresses": addresses.check,
    "duplicates": duplicates.check,
    "ignores": ignores.check,
    "domainnames": domainnames.check,
    "lookalike": lookalike.check,
}
"""The checks of a configuration's meaning, by module name."""


def lint(config_path: str | None, rules_path: str | Path | None) -> list[Problem]:
    """Every problem of a configuration (if given) and a rule pack, in file order.

    A file that is missing or cannot be read raises :class:`InputError`: it is
    not a problem of its content.
    """
    problems = lint_config(config_path) if config_path is not None else []
    problems += lint_rules(rules_path)
    return sorted(dict.fromkeys(problems), key=lambda p: p.sort_key)


def _problems(exc: InputError | InputErrors) -> list[Problem]:
    errors = problems_of(exc)
    for error in errors:
        if error.code == "unreadable":
            raise error
    return [Problem.from_error(e) for e in errors]


def lint_config(path: str) -> list[Problem]:
    """Every problem of one ``org.yaml``."""
    try:
        data = load_yaml(path)
    except InputError as exc:
        return _problems(exc)
    if data is None:
        return [
            Problem(path, 1, 1, ERROR, "schema", "empty configuration: expected 'organization:'")
        ]
    if not isinstance(data, dict):
        line, col = getattr(data, "line", 1), getattr(data, "col", 1)
        message = "the configuration must be a mapping with 'organization:'"
        return [Problem(path, line, col, ERROR, "schema", message)]
    problems: list[Problem] = []
    try:
        validate(data, "config", path)
    except InputErrors as exc:
        problems += _problems(exc)
    config, errors = lenient_config(data, path)
    found = {(p.line, p.column) for p in problems}
    problems += [
        Problem.from_error(e) for e in errors if (e.position.line, e.position.col) not in found
    ]
    for check in CONFIG_CHECKS.values():
        problems += check(data, path, config)
    return sorted(problems, key=lambda p: p.sort_key)


def lint_rules(path: str | Path | None) -> list[Problem]:
    """Every problem of a rule pack (a file or folder; None is the shipped pack).

    The rules' interplay is analysed only when every rule loaded: a pack with
    broken rules would be analysed without them.
    """
    root = shipped_rules_path() if path is None else Path(path)
    try:
        pack = load_rule_pack(None if path is None else root)
    except (InputError, InputErrors) as exc:
        return sorted(_problems(exc), key=lambda p: p.sort_key)
    return sorted(analyse_pack(pack), key=lambda p: p.sort_key)
