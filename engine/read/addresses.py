"""Email addresses and domains, compared the way the integration compares them.

Addresses compare case-insensitively after display names are stripped; a
domain covers itself and its subdomains (``acme.com`` covers ``eu.acme.com``
but not ``evilacme.com`` or ``acme.com.evil.io``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from whynolog.engine.read.mailboxes import address_items

_ATOM = r'[^\s<>()\[\]\\;:",@]+'
_BARE_LIST = re.compile(rf"\s*{_ATOM}@{_ATOM}(?:\s*,\s*{_ATOM}@{_ATOM})*\s*")
"""Bare addresses, comma-separated: what most logs record (linear: no ambiguous repeats)."""
_NAMED = re.compile(rf'[^<>@,"()\[\]\\;:]*<({_ATOM}@{_ATOM})>\s*')
"""One address with a display name, ``Bob Jones <bob@x.com>`` (linear, as above)."""
_QUOTING = frozenset('"()[]\\;:')  # what only a full RFC 5322 parser reads right
_SPACE = frozenset(" \t")


def normalise(raw: str) -> str | None:
    """The bare, lower-cased address in ``raw`` (``"Bob B" <Bob@X.com>`` → ``bob@x.com``).

    ``None`` when ``raw`` holds no address.
    """
    found = addresses_in(raw) if raw else ()
    return found[0] if found else None


def parse_addresses(values: Iterable[str]) -> list[str]:
    """Every address in header-style values, normalised, in order, without repeats.

    Display names may hold commas when quoted (``"Smith, Bob" <bob@x.com>``).
    """
    seen: dict[str, None] = {}
    for value in values:
        if value:
            for addr in addresses_in(value):
                seen.setdefault(addr, None)
    return list(seen)


class SeveralAddressesError(ValueError):
    """Several addresses with no comma between them (``a@x.com b@y.com``): which one was meant?"""

    def __init__(self, addresses: tuple[str, ...]) -> None:
        self.addresses = addresses
        super().__init__(
            f"several addresses without a comma between them: {', '.join(addresses)}"
            " (separate addresses with commas)"
        )


def strict_addresses_in(value: str) -> tuple[str, ...]:
    """As :func:`addresses_in`, but several addresses without a comma raise
    :class:`SeveralAddressesError` instead of being read as a list."""
    for item in address_items(value):
        if len(item) > 1:
            raise SeveralAddressesError(item)
    return addresses_in(value)


@lru_cache(maxsize=1024)
def addresses_in(value: str) -> tuple[str, ...]:
    """Every address in one header value, normalised, in order, without repeats.

    Cached: logs repeat the same people.
    """
    if _BARE_LIST.fullmatch(value):
        if "," not in value:
            return (value.strip().lower(),)
        return tuple(dict.fromkeys([a.strip() for a in value.lower().split(",")]))
    named = _NAMED.fullmatch(value)
    if named is not None:
        return (named[1].lower(),)
    simple = None if _QUOTING.intersection(value) else _simple_addresses(value)
    if simple is not None:
        return _distinct(a for a in simple if _plausible(a))
    return _distinct(address for item in address_items(value) for address in item)


def _simple_addresses(value: str) -> list[str] | None:
    """The addresses of a comma-separated list of ``addr`` and ``Name <addr>`` items.

    What most logs record, read without an RFC 5322 parser; ``None`` when an
    item has any other shape (the full parser then reads the value).
    """
    found = []
    for item in value.split(","):
        if not item or item.isspace():
            continue
        open_at = item.find("<")
        if open_at < 0:
            address = item.strip()
            if ">" in address:
                return None
        else:
            phrase, address = item[:open_at], item[open_at + 1 :].rstrip()
            if not address.endswith(">") or "@" in phrase or ">" in phrase:
                return None
            address = address[:-1]
            if "<" in address or ">" in address:
                return None
        if _SPACE.intersection(address) or address.count("@") > 1:
            return None
        found.append(address.lower())
    return found


def _distinct(addresses: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(addresses))


def _plausible(addr: str) -> bool:
    return "@" in addr and not addr.startswith("@") and not addr.endswith("@")


def domain_of(address: str) -> str:
    """The domain part of a normalised address."""
    return address.rpartition("@")[2].rstrip(".")


def clean_domain(domain: str) -> str:
    """A configured domain as compared: lower case, no ``@`` or trailing dot."""
    return domain.strip().lstrip("@").rstrip(".").lower()


def domain_covers(parent: str, domain: str) -> bool:
    """True when ``domain`` is ``parent`` or one of its subdomains."""
    return domain == parent or domain.endswith("." + parent)


@lru_cache(maxsize=16384)
def parent_domains(domain: str) -> tuple[str, ...]:
    """``eu.acme.com`` → ``(eu.acme.com, acme.com, com)``: keys to probe a domain index with.

    Cached: logs repeat the same domains.
    """
    parts = domain.split(".")
    return tuple(".".join(parts[i:]) for i in range(len(parts)))
