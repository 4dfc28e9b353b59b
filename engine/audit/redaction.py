"""Pseudonyms for sharing a report (``--redact``, ``--redact-subjects``): addresses, user
names and, when asked, whole subjects, replaced by stable keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from typing import Any

from whynolog.engine.audit.names import NameMatcher

_SPLIT = re.compile(r"""([\s<>,;:"'()\[\]{}]+)""")
_ADDRESS_EDGES = ".!?*`|/\\"
_SUBJECT_KEYS = frozenset({"subject", "query", "excerpt"})  # excerpts quote subject lines


class Redactor:
    """Stable pseudonyms for addresses and user names, from a keyed hash.

    The same address always gets the same pseudonym under one key, so a
    redacted report still shows that two entries concern the same person. The
    key is random unless given: without the key, a pseudonym cannot be turned
    back into an address by hashing candidate addresses.
    """

    def __init__(
        self, key: bytes | None = None, names: Iterable[str] = (), subjects: bool = False
    ) -> None:
        """``subjects``: replace whole subjects too (they may name people or deals)."""
        self.key = key if key is not None else secrets.token_bytes(32)
        self.subjects = subjects
        self._cache: dict[str, str] = {}
        self._names = NameMatcher(names)

    def _digest(self, kind: str, value: str) -> str:
        mac = hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:10]

    def address(self, address: str) -> str:
        """``alice@acme.com`` → ``user-1a2b3c4d5e@redacted.invalid``."""
        key = address.strip().lower()
        found = self._cache.get(key)
        if found is None:
            found = f"user-{self._digest('address', key)}@redacted.invalid"
            self._cache[key] = found
        return found

    def name(self, name: str) -> str:
        """A person's name → ``person-1a2b3c4d5e``."""
        return f"person-{self._digest('name', name.strip().lower())}"

    def text(self, text: str) -> str:
        """Free text with every address-like word and every known user name replaced."""
        if "@" in text:
            parts = _SPLIT.split(text)
            for i in range(0, len(parts), 2):  # even items are words, odd ones separators
                word = parts[i]
                if "@" in word:
                    parts[i] = self._word(word)
            text = "".join(parts)
        return self._names.sub(lambda m: self.name(m.group(0)), text)

    def subject(self, subject: str) -> str:
        """A subject: its addresses and names replaced, or all of it with ``subjects``."""
        if self.subjects and subject:
            return f"subject-{self._digest('subject', subject.strip())}"
        return self.text(subject)

    def scrub(self, value: Any) -> Any:
        """Plain data (dicts, lists, strings) with every string passed through :meth:`text`,
        and subjects (the values of ``subject`` and ``query``) through :meth:`subject`."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                k: self.subject(v) if k in _SUBJECT_KEYS and isinstance(v, str) else self.scrub(v)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.scrub(v) for v in value]
        return value

    def _word(self, word: str) -> str:
        core = word.strip(_ADDRESS_EDGES)
        local, _, domain = core.rpartition("@")
        if not local or "." not in domain.strip("."):
            return word
        start = word.index(core)
        return word[:start] + self.address(core) + word[start + len(core) :]
