"""The organisation indexed once: who is a user, what is internal, who ignores whom."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from whynolog.engine.read.addresses import domain_of, parent_domains
from whynolog.engine.read.config import Config, User


class _IgnoreIndex(NamedTuple):
    """One user's ignore list: whole addresses, and domains (``@acme.com``) without the ``@``."""

    user: User
    addresses: dict[str, str]  # address → the entry
    domains: dict[str, str]  # domain → the entry

    @classmethod
    def of(cls, user: User) -> _IgnoreIndex:
        addresses: dict[str, str] = {}
        domains: dict[str, str] = {}
        for entry in user.ignore:
            if entry.startswith("@"):
                domains.setdefault(entry[1:].rstrip("."), entry)
            else:
                addresses.setdefault(entry, entry)
        return cls(user, addresses, domains)


_SHARED: dict[int, tuple[Config, Directory]] = {}


class Directory:
    """Address, domain and ignore-list look-ups over one :class:`Config`.

    Every look-up is a dictionary probe per parent domain, so its cost does not
    grow with the number of users or ignore entries.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self._owner: dict[str, User] = {}
        for user in config.users:
            for address in user.emails:
                self._owner.setdefault(address, user)
        self._internal_domains = frozenset(config.internal_domains)
        # Ignore lists by id(user): hashing a user object costs far more than its id.
        self._ignore: dict[int, _IgnoreIndex] = {id(u): _IgnoreIndex.of(u) for u in config.users}
        self.domain_is_internal: Callable[[str], bool] = lru_cache(maxsize=4096)(self._covered)
        """A domain is internal or a subdomain of an internal one (cached per domain)."""
        self.owner: Callable[[str | None], User | None] = self._owner.get  # type: ignore[assignment]
        """The user account (active or not) that has an address (``None`` for ``None``)."""

    @classmethod
    def of(cls, config: Config) -> Directory:
        """The directory of ``config``, built once however many parts ask for it."""
        shared = _SHARED.get(id(config))
        if shared is None or shared[0] is not config:
            if len(_SHARED) >= 8:
                _SHARED.clear()
            shared = _SHARED[id(config)] = (config, cls(config))
        return shared[1]

    def internal_domain_of(self, address: str) -> str | None:
        """The configured internal domain covering ``address``'s domain, if any."""
        return self._internal_domain(domain_of(address))

    def _internal_domain(self, domain: str) -> str | None:
        for parent in parent_domains(domain):
            if parent in self._internal_domains:
                return parent
        return None

    def is_internal(self, address: str) -> bool:
        """``address`` belongs to a user or to an internal domain (or a subdomain of one)."""
        return address in self._owner or self.domain_is_internal(
            address.rpartition("@")[2].rstrip(".")
        )  # domain_of(), inlined: a hot path

    def _covered(self, domain: str) -> bool:
        """Cached per domain: logs repeat the same domains far more than the same addresses."""
        return self._internal_domain(domain) is not None

    def ignore_entry(self, user: User, address: str) -> str | None:
        """The entry of ``user``'s ignore list that covers ``address``, if any."""
        index = self._ignore.get(id(user))
        if index is None or index.user is not user:
            index = _IgnoreIndex.of(user)  # a user object from elsewhere
        hit = index.addresses.get(address)
        if hit is not None:
            return hit
        domains = index.domains
        if domains:
            for parent in parent_domains(domain_of(address)):
                hit = domains.get(parent)
                if hit is not None:
                    return hit
        return None
