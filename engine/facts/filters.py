"""Content filters compiled once into linear-time matchers.

Regexes run on RE2 (no catastrophic backtracking on hostile bodies). All
filters of one field are compiled into a single RE2 set, so an email's
subject and body are each scanned once whatever the number of filters.
"""

from __future__ import annotations

from typing import Any

import re2

from whynolog.engine.base.perobject import PerObject
from whynolog.engine.base.regex import regex_options
from whynolog.engine.read.config import ContentFilter


def _as_regex(flt: ContentFilter) -> str:
    return flt.regex if flt.regex is not None else re2.escape(flt.contains or "")


_MEMO_SIZE = 65_536  # remembered subjects; emptied when full
_SHARED: PerObject[tuple[ContentFilter, ...], FilterSet] = PerObject()


class FilterSet:
    """Every content filter of a configuration, matched in one pass per field."""

    def __init__(self, filters: tuple[ContentFilter, ...]) -> None:
        self.filters = filters
        self._subject_memo: dict[str, tuple[int, ...]] = {}
        self.logged_memo: dict[str, tuple[int, ...]] = {}  # read by hot loops without a call
        self._subject = self._compile(
            [i for i, f in enumerate(filters) if f.field in ("subject", "any")]
        )
        self._body = self._compile([i for i, f in enumerate(filters) if f.field in ("body", "any")])
        # Made now, not on first use: a compiled class (setup.py) has no __dict__ to cache in.
        self._empty_body = self._match(self._body, "")  # the body filters an empty body hits
        named: dict[str, list[int]] = {}
        for i, flt in enumerate(filters):
            named.setdefault(flt.name, []).append(i)
        self._by_name = {name: tuple(indexes) for name, indexes in named.items()}

    @classmethod
    def of(cls, filters: tuple[ContentFilter, ...]) -> FilterSet:
        """The compiled set of ``filters``, shared by every deriver of them (a server builds a
        judge per request; compiling 50 filters into RE2 sets took longer than judging)."""
        return _SHARED.get(filters, cls)

    def _compile(self, indexes: list[int]) -> tuple[Any, list[int]] | None:
        if not indexes:
            return None
        matcher = re2.Set.SearchSet(regex_options())
        for i in indexes:
            matcher.Add(_as_regex(self.filters[i]))
        matcher.Compile()
        return matcher, indexes

    @staticmethod
    def _match(compiled: tuple[Any, list[int]] | None, text: str | None) -> set[int]:
        if compiled is None or text is None:
            return set()
        matcher, indexes = compiled
        return {indexes[j] for j in matcher.Match(text) or ()}

    def hit_indexes(self, subject: str | None, body: str | None) -> tuple[int, ...]:
        """Indexes of the filters matching this subject and body, in configuration order.

        ``None`` means the text is unknown (a privacy-stripped log entry).
        """
        found = set(self._subject_hits(subject)) if subject is not None else set()
        if body == "":
            found |= self._empty_body
        else:
            found |= self._match(self._body, body)
        return tuple(sorted(found))

    def logged_hits(self, subject: str) -> tuple[int, ...]:
        """``hit_indexes(subject, "")``: what an admin-log entry shows, remembered per subject."""
        hit = self.logged_memo.get(subject)
        if hit is None:
            if len(self.logged_memo) >= _MEMO_SIZE:
                self.logged_memo.clear()
            hit = self.logged_memo[subject] = tuple(
                sorted(self._match(self._subject, subject) | self._empty_body)
            )
        return hit

    def _subject_hits(self, subject: str) -> tuple[int, ...]:
        """The hits of a subject, sorted.

        Subjects repeat ("Re: …" threads), so their matches are remembered.
        """
        hit = self._subject_memo.get(subject)
        if hit is None:
            if len(self._subject_memo) >= _MEMO_SIZE:
                self._subject_memo.clear()
            hit = tuple(sorted(self._match(self._subject, subject)))
            self._subject_memo[subject] = hit
        return hit

    def indexes_named(self, name: str) -> tuple[int, ...]:
        """The indexes of the filters called ``name``."""
        return self._by_name.get(name, ())

    def may_hit_unknown_body(self) -> bool:
        """True when some filter looks at the body (so an unknown body may match)."""
        return self._body is not None
