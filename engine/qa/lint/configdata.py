"""Reading the parts of a configuration that parsed, so checks run beside schema errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whynolog.engine.base.errors import InputError, InputErrors, problems_of
from whynolog.engine.base.yamlio import PosDict
from whynolog.engine.read.config import Config, config_from_data


def mappings(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, item)`` for the items of list ``data[key]`` that are mappings."""
    items = data.get(key) if isinstance(data, dict) else None
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield i, item


def strings(data: Any, key: str) -> Iterator[tuple[int, str]]:
    """``(index, text)`` for the items of list ``data[key]`` that are strings."""
    items = data.get(key) if isinstance(data, dict) else None
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, str):
            yield i, item


def name_of(item: dict[str, Any], index: int) -> str:
    """A user's or filter's name, or its place in the list when the name is unusable."""
    name = item.get("name")
    return name if isinstance(name, str) else f"#{index + 1}"


def lenient_config(data: Any, path: str) -> tuple[Config | None, list[InputError]]:
    """A configuration built from the parts that parsed, and the builder's own errors.

    Content filters are left out (their check is :mod:`.regexes`); when the
    integration's settings do not build, the configuration is built without them.
    """
    org = data.get("organization") if isinstance(data, dict) else None
    users = [
        {
            "name": name_of(user, i),
            "emails": [e for _, e in strings(user, "emails")],
            "active": user.get("active") if isinstance(user.get("active"), bool) else True,
            "ignore": [e for _, e in strings(user, "ignore")],
        }
        for i, user in mappings(data, "users")
    ]
    clean = PosDict(
        organization={
            "name": "",
            "internal_domains": [d for _, d in strings(org, "internal_domains")],
        },
        users=users,
    )
    clean.positions, clean.key_positions = {}, {}
    integration = data.get("integration")
    if isinstance(integration, PosDict):
        clean["integration"] = integration
        clean.positions["integration"] = data.positions["integration"]
    errors: list[InputError] = []
    for attempt in ("with integration", "without"):
        try:
            return config_from_data(clean, path), errors
        except (InputError, InputErrors) as exc:
            errors += problems_of(exc)
            if attempt == "without" or "integration" not in clean:
                return None, errors
            del clean["integration"]
    return None, errors
