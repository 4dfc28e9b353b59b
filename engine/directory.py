"""The organisation indexed once: who is a user, what is internal, who ignores whom."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from whynolog.engine.addresses import domain_of, parent_domains
from whynolog.engine.config import Config, User


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
        self._ignore_addresses: dict[User, dict[str, str]] = {}
        self._ignore_domains: dict[User, dict[str, str]] = {}
        for user in config.users:
            addresses: dict[str, str] = {}
            domains: dict[str, str] = {}
            for entry in user.ignore:
                if entry.startswith("@"):
                    domains.setdefault(entry[1:].rstrip("."), entry)
                else:
                    addresses.setdefault(entry, entry)
            self._ignore_addresses[user] = addresses
            self._ignore_domains[user] = domains
        self.is_internal = lru_cache(maxsize=16384)(self._is_internal)
        self.owner: Callable[[str | None], User | None] = self._owner.get  # type: ignore[assignment]
        """The user account (active or not) that has an address (``None`` for ``None``)."""

    def active_owner(self, address: str | None) -> User | None:
        """The *active* user account that has ``address``."""
        user = self.owner(address)
        return user if user is not None and user.active else None

    def internal_domain_of(self, address: str) -> str | None:
        """The configured internal domain covering ``address``'s domain, if any."""
        for parent in parent_domains(domain_of(address)):
            if parent in self._internal_domains:
                return parent
        return None

    def _is_internal(self, address: str) -> bool:
        return address in self._owner or self.internal_domain_of(address) is not None

    def ignore_entry(self, user: User, address: str) -> str | None:
        """The entry of ``user``'s ignore list that covers ``address``, if any."""
        hit = self._ignore_addresses[user].get(address)
        if hit is not None:
            return hit
        domains = self._ignore_domains[user]
        if domains:
            for parent in parent_domains(domain_of(address)):
                hit = domains.get(parent)
                if hit is not None:
                    return hit
        return None
