"""Domains in one canonical form: IDNA 2008 with the UTS 46 mapping, as ASCII (A-labels).

The same domain has two spellings, ``bücher.de`` and ``xn--bcher-kva.de``; headers,
admin logs, spreadsheets and configurations carry either. Comparisons use the
canonical form; people keep seeing the spelling their input used.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

ACE_PREFIX = "xn--"


@lru_cache(maxsize=1)
def _idna() -> Any:
    import idna  # its Unicode tables cost 20 ms and 7 MB: loaded when an IDN is first seen

    return idna


@lru_cache(maxsize=4096)
def _canonical_unicode_domain(domain: str) -> str:
    idna = _idna()
    try:
        mapped = idna.uts46_remap(domain, std3_rules=False, transitional=False)
    except (idna.IDNAError, UnicodeError):
        mapped = unicodedata.normalize("NFC", domain).lower()
    return ".".join(_canonical_label(label) for label in mapped.split("."))


def _canonical_label(label: str) -> str:
    """One label as an A-label; a label that is not valid IDNA stays as written (lint names it)."""
    if label.isascii():
        return label
    idna = _idna()
    try:
        alabel: str = idna.alabel(label).decode("ascii")
        return alabel
    except (idna.IDNAError, UnicodeError):
        return label


def canonical_domain(domain: str) -> str:
    """``Bücher.DE`` → ``xn--bcher-kva.de``: the form domains are compared in.

    ``domain`` has no ``@`` and no trailing dot. ASCII needs only lower case
    (one ``isascii()`` check keeps the usual domain off the IDNA path).
    """
    if domain.isascii():
        return domain.lower()
    return _canonical_unicode_domain(domain)


def canonical_address(address: str) -> str:
    """An address with its domain canonical: ``anna@bücher.de`` → ``anna@xn--bcher-kva.de``.

    The local part is only lower-cased (NFC when it is not ASCII): its meaning
    belongs to the receiving server.
    """
    if address.isascii():
        return address.lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return unicodedata.normalize("NFC", address).lower()
    return unicodedata.normalize("NFC", local).lower() + "@" + canonical_domain(domain)


def unicode_domain(domain: str) -> str:
    """The Unicode spelling of a canonical domain (``xn--bcher-kva.de`` → ``bücher.de``)."""
    if ACE_PREFIX not in domain:
        return domain
    return ".".join(_unicode_label(label) for label in domain.split("."))


def _unicode_label(label: str) -> str:
    if not label.startswith(ACE_PREFIX):
        return label
    idna = _idna()
    try:
        ulabel: str = idna.ulabel(label)
        return ulabel
    except (idna.IDNAError, UnicodeError):
        return label


def idna_problem(domain: str) -> tuple[int, str] | None:
    """The first label of ``domain`` that is not valid IDNA 2008: its offset and why.

    Only labels IDNA concerns are checked (non-ASCII, or ``xn--``); plain ASCII
    labels are the schema's business.
    """
    idna = _idna()
    offset = 0
    for label in domain.split("."):
        if not label.isascii() or label.lower().startswith(ACE_PREFIX):
            try:
                if label.isascii():
                    idna.decode(label)
                else:
                    idna.encode(label, uts46=True)
            except (idna.IDNAError, UnicodeError) as exc:
                return offset, f"label {label!r} is not valid IDNA: {exc}"
        offset += len(label) + 1
    return None


def canonical_forms(addresses: Iterable[str | None]) -> dict[str, str]:
    """``{as written: canonical}`` for the addresses whose canonical form differs (for JSON)."""
    return {
        a: canonical
        for a in addresses
        if a and not a.isascii() and (canonical := canonical_address(a)) != a
    }


def distinct_addresses(addresses: Iterable[str]) -> tuple[str, ...]:
    """Addresses without repeats under the canonical form; the first spelling is kept."""
    first: dict[str, str] = {}
    for address in addresses:
        first.setdefault(canonical_address(address), address)
    return tuple(first.values())
