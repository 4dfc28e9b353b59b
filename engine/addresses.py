"""Email addresses and domains, compared the way the integration compares them.

Addresses compare case-insensitively after display names are stripped; a
domain covers itself and its subdomains (``acme.com`` covers ``eu.acme.com``
but not ``evilacme.com`` or ``acme.com.evil.io``).
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import getaddresses
from functools import lru_cache

_SPECIAL = frozenset('"<>()[]\\;:')
_SPACE = frozenset(" \t")


def normalise(raw: str) -> str | None:
    """The bare, lower-cased address in ``raw`` (``"Bob B" <Bob@X.com>`` → ``bob@x.com``).

    ``None`` when ``raw`` holds no address.
    """
    found = parse_addresses([raw])
    return found[0] if found else None


def parse_addresses(values: Iterable[str]) -> list[str]:
    """Every address in header-style values, normalised, in order, without repeats.

    Display names may hold commas when quoted (``"Smith, Bob" <bob@x.com>``).
    """
    seen: dict[str, None] = {}
    for value in values:
        if value:
            for addr in _parse_value(value):
                seen.setdefault(addr, None)
    return list(seen)


@lru_cache(maxsize=16384)
def _parse_value(value: str) -> tuple[str, ...]:
    """The addresses of one header value (cached: logs repeat the same people)."""
    if not _SPECIAL.intersection(value):
        # Bare addresses, comma-separated: what most logs record; no RFC 5322 parser needed.
        found = [a.strip().lower() for a in value.split(",")]
        if not any(_SPACE.intersection(a) or a.count("@") > 1 for a in found):
            return tuple(a for a in found if _plausible(a))
    out = []
    for _name, addr in getaddresses([value]):
        addr = addr.strip().strip("<>").strip().lower()
        if _plausible(addr):
            out.append(addr)
    return tuple(out)


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


def parent_domains(domain: str) -> list[str]:
    """``eu.acme.com`` → ``[eu.acme.com, acme.com, com]``: keys to probe a domain index with."""
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]
