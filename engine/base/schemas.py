"""JSON Schemas shipped with the package, and validation that reports positions.

The schema files are the single source of truth: the loaders validate with
them and ``whynolog schema`` prints them for editors.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from whynolog.engine.base.errors import InputError, InputErrors
from whynolog.engine.base.yamlio import key_position, position_of

SCHEMA_NAMES = ("config", "rules", "suite")


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema called ``name`` (config, rules or suite)."""
    from importlib import resources  # read when a file is validated, not on every start

    text = (
        resources.files("whynolog.engine.base")
        .joinpath(f"schemas/{name}.schema.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)  # type: ignore[no-any-return]


@cache
def _validator(name: str) -> Any:
    import jsonschema  # imported late: it is the slowest import of a cold start

    base = jsonschema.Draft202012Validator
    # YAML turns ISO dates into date objects; they are strings for the schema.
    checker = base.TYPE_CHECKER.redefine(
        "string", lambda _checker, value: isinstance(value, (str, dt.date))
    )
    extend: Callable[..., Any] = jsonschema.validators.extend  # untyped in its stubs
    cls = extend(base, type_checker=checker)
    return cls(schema(name))


def _message(error: Any) -> str:
    """A short, human message for one jsonschema error."""
    validator = error.validator
    if "propertyNames" in error.schema_path:
        allowed = [str(v) for v in error.validator_value] if validator == "enum" else []
        close = difflib.get_close_matches(str(error.instance), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown fact {error.instance!r}{hint}"
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = sorted(set(error.instance) - set(allowed))
        parts = []
        for extra in extras:
            close = difflib.get_close_matches(str(extra), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            parts.append(f"unknown key {extra!r}{hint}")
        return "; ".join(parts) + f"; allowed: {', '.join(allowed)}"
    if validator == "required":
        return str(error.message).replace("is a required property", "is required")
    if validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(repr, error.validator_value))}"
    if validator == "type":
        return (
            f"expected {error.validator_value}, got {type(error.instance).__name__} "
            f"{error.instance!r}"
        )
    if validator == "minItems" and error.validator_value == 1:
        return "must not be empty"
    if validator == "pattern":
        return f"{error.instance!r} is not well-formed"
    if validator == "oneOf":
        keys = sorted({k for s in error.validator_value for k in s.get("required", [])})
        if keys:
            return "give exactly one of: " + ", ".join(keys)
        return (
            f"{error.instance!r} is neither a plain value nor a mapping of tests "
            f"(is, not, lt, lte, gt, gte: whole numbers, in: a list)"
        )
    return str(error.message)


def validate(data: Any, name: str, file: str) -> None:
    """Validate ``data`` against schema ``name``; raise every problem with its position."""
    errors = sorted(_validator(name).iter_errors(data), key=lambda e: list(map(str, e.path)))
    if not errors:
        return
    problems: list[InputError] = []
    for error in errors:
        path = list(error.absolute_path)
        if "propertyNames" in error.schema_path:
            pos = key_position(_walk(data, path), error.instance, file)
        elif error.validator == "additionalProperties":
            extras = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            pos = (
                key_position(_walk(data, path), extras[0], file)
                if extras
                else position_of(data, path, file)
            )
        else:
            pos = position_of(data, path, file)
        where = ".".join(str(p) for p in path)
        message = _message(error)
        problem = InputError(pos, f"{where}: {message}" if where else message, _code(error))
        problem.where = tuple(path)
        problems.append(problem)
    problems.sort(key=lambda e: (e.position.line, e.position.col))
    raise InputErrors(problems)


def _code(error: Any) -> str:
    """The lint code of one schema error: a few mistakes have a name of their own."""
    if "propertyNames" in error.schema_path:
        return "unknown-fact"
    path = list(error.absolute_path)
    in_user = len(path) >= 2 and path[0] == "users" and isinstance(path[1], int)
    if in_user and (
        (error.validator == "minItems" and path[2:] == ["emails"])
        or (error.validator == "required" and path[2:] == [] and "'emails'" in error.message)
    ):
        return "user-without-addresses"
    return "schema"


def _walk(data: Any, path: list[Any]) -> Any:
    for step in path:
        data = data[step]
    return data


def schema_text(name: str) -> str:
    """The shipped JSON Schema ``name`` as text (for ``whynolog schema`` and ``init``)."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"no such schema: {name!r}")
    return json.dumps(schema(name), indent=2) + "\n"
