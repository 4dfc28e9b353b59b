"""Which entry rows a diagnosis lists (``diagnose --entries``): all, mismatches or none.

A year-long audit has tens of millions of entries; its report should be the size
of its findings. The choice filters the rows as they stream (in one process or
on each worker of a distributed run) and the sample the other formats show.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

EntriesChoice = Literal["all", "mismatches", "none"]
"""Every entry, those whose logged code disagrees with the prediction, or none."""
ENTRIES_CHOICES: tuple[EntriesChoice, ...] = ("all", "mismatches", "none")
Row = tuple[str, Any]
"""One row of a diagnosis: ``("entry", row)`` or ``("rejected", row)``."""

_DISAGREE = '"status":"disagree"'
"""How a row's JSON text says it disagrees: strings inside it are escaped, so only the
row's own status field can hold these unescaped quotes."""


def check(entries: str) -> EntriesChoice:
    """``entries`` as a choice (``ValueError`` naming the choices otherwise)."""
    if entries not in ENTRIES_CHOICES:
        raise ValueError(f"bad entries {entries!r}: expected one of {', '.join(ENTRIES_CHOICES)}")
    return entries  # type: ignore[return-value,unused-ignore]


def disagrees(row: Any) -> bool:
    """Whether an entry row (a dict or its JSON text) disagrees with its prediction."""
    if isinstance(row, str):
        return _DISAGREE in row  # a substring test: no JSON parsing per row
    return row is not None and row.get("status") == "disagree"


def keep(batch: list[Row], entries: EntriesChoice) -> list[Row]:
    """The rows of ``batch`` that ``entries`` lists (rejected rows always stay)."""
    if entries == "all":
        return batch
    if entries == "none":
        return [(kind, row) for kind, row in batch if kind != "entry"]
    return [(kind, row) for kind, row in batch if kind != "entry" or disagrees(row)]


def keep_entries(batches: Iterator[list[Row]], entries: str) -> Iterator[list[Row]]:
    """``batches`` with only the entry rows ``entries`` lists."""
    choice = check(entries)
    return batches if choice == "all" else (keep(batch, choice) for batch in batches)


def entry_view(summary: dict[str, Any], entries: str) -> dict[str, Any]:
    """A report's data with the entries it shows (its sample) as ``entries`` asks."""
    choice = check(entries)
    if choice == "all":
        return summary
    kept = [row for row in summary.get("sample", ()) if choice == "mismatches" and disagrees(row)]
    return {**summary, "sample": kept}
