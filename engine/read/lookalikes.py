"""Look-alike domains: an outside domain that imitates one of the organisation's own.

Two tests, both from how phishing mail is made:

- the same *skeleton* under Unicode confusables (UTS 39): ``\u0430cme.com`` with a
  Cyrillic ``\u0430`` reads as ``acme.com``. The confusables table is the one the
  ``confusable-homoglyphs`` package ships (Unicode's ``confusables.txt``); it is
  loaded only when a non-ASCII domain is seen;
- one edit away, for ASCII domains whose first label has 4 characters or more: a
  letter changed, added, dropped, or two neighbours swapped (``acme.com`` →
  ``acne.com``, ``acmee.com``, ``amce.com``).

A domain that merely belongs to the organisation (equal to or under one of its
domains) is never a look-alike. The result is a warning: outcomes stay with the rules.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from whynolog.engine.read.addresses import domain_covers
from whynolog.engine.read.domains import canonical_domain, unicode_domain

MIN_EDITED_NAME = 4
"""One edit away counts only for names of 4 characters or more: ``b.com`` is not ``a.com``'s
look-alike, there are too few letters for one to imitate the other."""


@dataclass(frozen=True)
class Lookalike:
    """``domain`` (as written) imitates ``imitates`` (as configured); ``how`` says in what way."""

    domain: str
    imitates: str
    how: str
    kind: str = "an internal domain"

    @property
    def message(self) -> str:
        imitates = self.imitates
        if unicode_domain(imitates) != imitates:
            imitates += f" ({unicode_domain(imitates)})"
        return (
            f"{self.domain} looks like {imitates}, {self.kind} ({self.how}); "
            f"it is not that domain: the email may be phishing"
        )


@lru_cache(maxsize=1)
def _confusables() -> dict[str, list[dict[str, str]]]:
    from confusable_homoglyphs import confusables  # 1 MB of data: loaded on first need

    return confusables.confusables_data  # type: ignore[no-any-return]


@lru_cache(maxsize=4096)
def _prototype(char: str) -> str:
    """The ASCII letter or digit ``char`` is confusable with, else ``char`` itself."""
    if char.isascii():
        return char
    for glyph in _confusables().get(char, ()):
        seen = glyph["c"]
        if len(seen) == 1 and seen.isascii() and seen.isalnum():
            return seen.lower()
    return char


def skeleton(domain: str) -> str:
    """The domain as it reads: each character replaced by its ASCII look-alike (UTS 39)."""
    text = unicode_domain(domain)
    if text.isascii():
        return text
    return "".join(_prototype(c) for c in unicodedata.normalize("NFC", text))


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0].title() if name else f"U+{ord(char):04X}"


def _how_confusable(domain: str, imitated: str) -> str:
    """``Cyrillic \u0430 in place of a``, for each character that differs."""
    text = unicodedata.normalize("NFC", unicode_domain(domain))
    tail = text[len(text) - len(imitated) :] if len(text) >= len(imitated) else text
    changes = dict.fromkeys(
        f"{_script(c)} {c} in place of {o}" for c, o in zip(tail, imitated, strict=False) if c != o
    )
    return ", ".join(changes) or "confusable characters"


def one_edit(a: str, b: str) -> str | None:
    """How ``a`` differs from ``b`` by one edit (Damerau: a swap counts once), else ``None``."""
    if a == b or abs(len(a) - len(b)) > 1:
        return None
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        if a[i + 1 :] == b[i + 1 :]:
            return f"{a[i]} in place of {b[i]}"
        swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]
        if swapped and a[i + 2 :] == b[i + 2 :]:
            return f"{b[i]} and {b[i + 1]} swapped"
        return None
    if len(a) > len(b):
        return f"an extra {a[i]}" if a[i + 1 :] == b[i:] else None
    return f"{b[i]} left out" if a[i:] == b[i + 1 :] else None


class LookalikeIndex:
    """The organisation's domains, ready to be imitated; one answer per outside domain, cached."""

    def __init__(self, internal: Iterable[str], user_domains: Iterable[str] = ()) -> None:
        self._own: dict[str, str] = {}  # canonical → as configured
        self._kind: dict[str, str] = {}  # as configured → what it is
        for domains, kind in ((internal, "an internal domain"), (user_domains, "a user's domain")):
            for domain in domains:
                if self._own.setdefault(canonical_domain(domain), domain) == domain:
                    self._kind.setdefault(domain, kind)
        self._skeletons = {skeleton(c): written for c, written in self._own.items()}
        self._by_labels: dict[int, list[tuple[str, str]]] = {}
        for c, written in self._own.items():
            if c.isascii() and len(c.split(".", 1)[0]) >= MIN_EDITED_NAME:
                self._by_labels.setdefault(c.count(".") + 1, []).append((c, written))
        self._seen: dict[str, Lookalike | None] = {}

    def of(self, domain: str) -> Lookalike | None:
        """The look-alike finding for an outside ``domain`` (as written), if it imitates one."""
        found = self._seen.get(domain, False)
        if found is False:
            if len(self._seen) >= 65536:
                self._seen.clear()  # bounded memory on long logs
            found = self._seen[domain] = self._check(domain)
        return found  # type: ignore[return-value]

    def _check(self, domain: str) -> Lookalike | None:
        canonical = canonical_domain(domain.rstrip("."))
        if any(domain_covers(own, canonical) for own in self._parents(canonical)):
            return None  # the organisation's own domain, or under it
        if not canonical.isascii() or "xn--" in canonical:
            shape = skeleton(canonical)
            labels = shape.split(".")
            for i in range(len(labels) - 1):
                imitated = self._skeletons.get(".".join(labels[i:]))
                if imitated is not None:
                    how = _how_confusable(canonical, ".".join(labels[i:]))
                    return Lookalike(domain, imitated, how, self._kind[imitated])
            return None
        labels = canonical.split(".")
        for count, owns in self._by_labels.items():
            if count > len(labels):
                continue
            tail = ".".join(labels[len(labels) - count :])
            for own, written in owns:
                edit = one_edit(tail, own)
                if edit is not None:
                    return Lookalike(domain, written, edit, self._kind[written])
        return None

    def _parents(self, canonical: str) -> list[str]:
        parts = canonical.split(".")
        return [p for i in range(len(parts)) if (p := ".".join(parts[i:])) in self._own]
