"""Mismatches (entries whose logged code the configuration does not predict), grouped by
kind, codes and causes, with a few example lines each."""

from __future__ import annotations

from collections import Counter
from typing import Any

MAX_GROUPS = 2_000
"""Distinct mismatch groups itemised; further ones are counted together."""
EXAMPLES_PER_GROUP = 5
FURTHER_CAUSES = "(further causes)"
Groups = dict[tuple[Any, ...], dict[str, Any]]
"""Mismatch groups by (kind, logged, predicted, causes)."""


def count_mismatch(
    groups: Groups,
    by_kind: Counter[str],
    row: dict[str, Any],
    kind: str | None,
    max_groups: int = MAX_GROUPS,
) -> None:
    """Count a mismatching entry (its report row) in its group; past ``max_groups`` groups,
    further causes are counted together."""
    kind = kind or "unknown"
    by_kind[kind] += 1
    key: tuple[Any, ...] = (kind, row["logged"], row["predicted"], tuple(row["causes"]))
    group = groups.get(key)
    if group is None:
        if len(groups) >= max_groups:
            key = (kind, row["logged"], row["predicted"], (FURTHER_CAUSES,))
            group = groups.get(key)
        if group is None:
            group = {
                "kind": kind,
                "logged": row["logged"],
                "predicted": row["predicted"],
                "possible": row["possible"],
                "causes": list(key[3]),
                "count": 0,
                "examples": [],
            }
            groups[key] = group
    group["count"] += 1
    if len(group["examples"]) < EXAMPLES_PER_GROUP:
        place = {"line": row["line"]}
        if "log" in row:  # several logs read as one
            place = {"log": row["log"], **place}
        group["examples"].append({**place, "time": row["time"], "subject": row["subject"]})


def ordered_groups(groups: Groups) -> list[dict[str, Any]]:
    """The groups, the largest first (ties: the earliest example first)."""
    return sorted(groups.values(), key=lambda g: (-g["count"], g["examples"][0]["line"]))
