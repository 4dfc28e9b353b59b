"""Finding the organisation's user names in free text, for redaction.

One case-insensitive alternation of every name (longest first, whole words)
says which spans are names. Thousands of names make that one pattern too big
for RE2's fast matcher (it falls back to a slow one and logs to standard
error), and nearly every text holds none of them. So a text is first cut into
ASCII words (RE2's ``\\b`` is an ASCII word boundary): a name can only match
where its first ASCII word is a whole word of the text, and only the names
whose first words occur go into the pattern searched, which gives the spans the
whole alternation gives (an alternative that matches nowhere never wins).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

_WORD = re.compile(r"[0-9A-Za-z_]+")
"""RE2's word characters: ``\\b`` in RE2 is an ASCII word boundary."""
_FOLDS_TO_ASCII = re.compile("[\u212a\u017f\u0130\u0131]")
"""Letters outside ASCII that case-insensitive matching may equate with ASCII ones (Kelvin
sign, long s; dotted and dotless i to be safe): a text or name holding one is not cut."""
MAX_PATTERNS = 256
"""Patterns of name subsets kept compiled (texts naming the same people reuse one)."""


class NameMatcher:
    """Replaces whole-word, case-insensitive occurrences of any of ``names``."""

    def __init__(self, names: Iterable[str]) -> None:
        wanted = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
        self._order = {name: i for i, name in enumerate(wanted)}  # the whole pattern's order
        self._by_word: dict[str, list[str]] = {}
        self._always: list[str] = []  # names without an ASCII word: searched in every text
        for name in wanted:
            word = None if _FOLDS_TO_ASCII.search(name) else _WORD.search(name.lower())
            if word is None:
                self._always.append(name)
            else:
                self._by_word.setdefault(word.group(0), []).append(name)
        self._patterns: dict[tuple[str, ...], Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (sent to distributed workers) without its compiled patterns."""
        return {**self.__dict__, "_patterns": {}}

    def sub(self, replace: Callable[[Any], str], text: str) -> str:
        """``text`` with each name found replaced by ``replace(match)``."""
        if _FOLDS_TO_ASCII.search(text):
            found = set(self._order)  # its words may match names spelt in ASCII: search all
        else:
            found = set(self._always)
            by_word = self._by_word
            for word in _WORD.findall(text.lower()):
                names = by_word.get(word)
                if names is not None:
                    found.update(names)
        if not found:
            return text  # the usual text: no name can match, no pattern searched
        key = tuple(sorted(found, key=self._order.__getitem__))
        pattern = self._patterns.get(key)
        if pattern is None:
            if len(self._patterns) >= MAX_PATTERNS:
                self._patterns.clear()  # bounded memory on long logs
            pattern = self._patterns[key] = _compile(key)
        replaced: str = pattern.sub(replace, text)
        return replaced


def _compile(names: tuple[str, ...]) -> Any:
    import re2  # imported when a text may hold a name: most runs redact none

    options = re2.Options()
    options.max_mem = 64 << 20  # many names make a big automaton; RE2's default is 8 MiB
    options.log_errors = False  # past it RE2 falls back to a slower matcher: not a user's error
    pattern = "|".join(re2.escape(n) for n in names)
    return re2.compile(rf"(?i)\b(?:{pattern})\b", options)
