"""Email addresses and domains, compared the way the integration compares them.

Addresses compare case-insensitively after display names are stripped; a
domain covers itself and its subdomains (``acme.com`` covers ``eu.acme.com``
but not ``evilacme.com`` or ``acme.com.evil.io``).
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import getaddresses


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
    for _name, addr in getaddresses([v for v in values if v]):
        addr = addr.strip().strip("<>").strip().lower()
        if "@" in addr and not addr.startswith("@") and not addr.endswith("@"):
            seen.setdefault(addr, None)
    return list(seen)


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
