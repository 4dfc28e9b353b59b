"""The organisation indexed once: who is a user, what is internal, who ignores whom."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final, NamedTuple

from mypy_extensions import mypyc_attr

from whynolog.engine.base.perobject import PerObject
from whynolog.engine.base.yamlio import read_bytes
from whynolog.engine.read.addresses import domain_of, parent_domains
from whynolog.engine.read.config import Config, User, config_from_bytes
from whynolog.engine.read.domains import canonical_address, canonical_domain
from whynolog.engine.read.lookalikes import Lookalike, LookalikeIndex


class IgnoreIndex(NamedTuple):
    """One user's ignore list: whole addresses, and domains (``@acme.com``) without the ``@``.

    Keys are canonical (IDNA A-labels); values are the entries as written.
    """

    user: User
    addresses: dict[str, str]  # canonical address → the entry
    domains: dict[str, str]  # canonical domain → the entry

    @classmethod
    def of(cls, user: User) -> IgnoreIndex:
        addresses: dict[str, str] = {}
        domains: dict[str, str] = {}
        for entry in user.ignore:
            if entry.startswith("@"):
                domains.setdefault(canonical_domain(entry[1:].rstrip(".")), entry)
            else:
                addresses.setdefault(canonical_address(entry), entry)
        return cls(user, addresses, domains)

    def entry_for(self, address: str) -> str | None:
        """The entry that covers ``address``, if any."""
        if not address.isascii():
            address = canonical_address(address)
        hit = self.addresses.get(address)
        if hit is not None:
            return hit
        domains = self.domains
        if domains:
            for parent in parent_domains(domain_of(address)):
                hit = domains.get(parent)
                if hit is not None:
                    return hit
        return None


class _Roster(NamedTuple):
    """Users by name and by the local parts of their addresses."""

    named: dict[str, list[User]]
    local_parts: dict[str, list[User]]

    @classmethod
    def of(cls, users: tuple[User, ...]) -> _Roster:
        named: dict[str, list[User]] = {}
        local_parts: dict[str, list[User]] = {}
        for user in users:
            named.setdefault(user.name, []).append(user)
            emails = user.emails
            if len(emails) == 1:  # the usual user: no dict.fromkeys (a hot loop at 20,000 users)
                local_parts.setdefault(emails[0].partition("@")[0], []).append(user)
                continue
            for local in dict.fromkeys(e.partition("@")[0] for e in emails):
                local_parts.setdefault(local, []).append(user)
        return cls(named, local_parts)


@mypyc_attr(native_class=False)  # a dict with __missing__
class _Owners(dict[str, User]):
    """Users by canonical address; a look-up that misses retries in canonical form.

    ``owner = owners.__getitem__`` keeps a hit (the usual, ASCII case) in C:
    only a miss runs Python, and only a non-ASCII miss pays for IDNA.
    """

    def __missing__(self, address: str | None) -> User | None:
        if address is None or address.isascii():
            return None
        return self.get(canonical_address(address))


def owner_in(owners: dict[str, User], address: str) -> User | None:
    """The user of ``address`` in ``owners`` (:attr:`Directory.owners`), as
    :attr:`Directory.owner` finds it: a plain probe first, which compiled code makes a tenth of
    a call through ``__missing__``."""
    user = owners.get(address)
    if user is None and not address.isascii():
        return owners.get(canonical_address(address))  # compared in canonical form
    return user


_SHARED: PerObject[Config, Directory] = PerObject()

MAX_DOMAINS: Final = 65_536
"""Domains whose facts a directory remembers (then forgotten at once: bounded memory)."""

DomainFacts = tuple[bool, bool, Lookalike | None]
"""What every entry asks of a domain (as addresses write it): internal, some ignore list may
cover its addresses, the look-alike finding."""


@mypyc_attr(native_class=False)  # pickled by its __dict__ (the load cache)
class Directory:
    """Address, domain and ignore-list look-ups over one :class:`Config`.

    Every look-up is a dictionary probe per parent domain, so its cost does not
    grow with the number of users or ignore entries.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self._owner = _Owners()
        for user in config.users:
            for address in user.emails:
                self._owner.setdefault(canonical_address(address), user)
        self._internal_domains = {canonical_domain(d): d for d in config.internal_domains}
        self._roster: _Roster | None = None  # only the fix search asks: made on first use
        self._ignorable: tuple[frozenset[str], frozenset[str]] | None = None  # made on first use
        self._start()

    def _start(self) -> None:
        """The look-ups kept by object identity or per process, empty at first."""
        # Ignore lists by id(user), indexed as emails name their users (not O(users) up front);
        # hashing a user object costs far more than its id.
        self._ignore: dict[int, IgnoreIndex] = {}
        self._positions: dict[int, int] | None = None  # id(user) → index; made on first use
        self.domain_is_internal: Callable[[str], bool] = lru_cache(maxsize=4096)(self._covered)
        """A domain is internal or a subdomain of an internal one (cached per domain)."""
        self.owner: Callable[[str | None], User | None] = self._owner.__getitem__  # type: ignore[assignment]
        """The user account (active or not) that has an address (``None`` for ``None``)."""
        self._domain_ignorable: Callable[[str], bool] = lru_cache(maxsize=4096)(
            self._ignored_domain
        )
        self.domains: dict[str, DomainFacts] = {}
        """:meth:`domain_facts` remembered: hot loops probe it without a call. One table, as
        each party's domain is asked all three (the deriver's two, the diagnosis's look-alike)."""

    @property
    def owners(self) -> dict[str, User]:
        """Users by canonical address (what :attr:`owner` looks up first)."""
        return self._owner

    def __getstate__(self) -> dict[str, Any]:
        """The indexes of the configuration, for the load cache (:func:`load_indexed_config`).

        Owners are kept as positions in the configuration's users, which travel on their own.
        """
        kept = ("config", "_internal_domains", "_ignorable", "_lookalikes")
        state = {name: value for name, value in self.__dict__.items() if name in kept}
        positions = {id(user): i for i, user in enumerate(self.config.users)}
        state["_owner"] = {address: positions[id(u)] for address, u in self._owner.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        users = state["config"].users
        owners = _Owners({address: users[i] for address, i in state.pop("_owner").items()})
        self.__dict__.update(state, _owner=owners, _roster=None)
        self._start()

    @classmethod
    def of(cls, config: Config) -> Directory:
        """The directory of ``config``, built once however many parts ask for it."""
        return _SHARED.get(config, cls)

    def indexed(self) -> Directory:
        """This directory with the indexes every judgement asks for made now."""
        self._ignorable_union()
        self.lookalikes  # noqa: B018  (made on first use)
        return self

    @property
    def lookalikes(self) -> LookalikeIndex:
        """Finds outside domains imitating an internal or a user's domain (built on first use)."""
        index = self.__dict__.get("_lookalikes")
        if index is None:
            # Each domain once, in order: a 20,000-user organisation has a handful of domains.
            users = dict.fromkeys(domain_of(a) for u in self.config.users for a in u.emails)
            index = self.__dict__["_lookalikes"] = LookalikeIndex(
                self.config.internal_domains, users
            )
        return index

    def internal_domain_of(self, address: str) -> str | None:
        """The configured internal domain covering ``address``'s domain, as configured."""
        return self._internal_domain(domain_of(address))

    def _internal_domain(self, domain: str) -> str | None:
        internal = self._internal_domains
        for parent in parent_domains(canonical_domain(domain)):
            written = internal.get(parent)
            if written is not None:
                return written
        return None

    def is_internal(self, address: str) -> bool:
        """``address`` belongs to a user or to an internal domain (or a subdomain of one)."""
        return self.owner(address) is not None or self.domain_is_internal(
            address.rpartition("@")[2].rstrip(".")
        )  # domain_of(), inlined: a hot path

    def _covered(self, domain: str) -> bool:
        """Cached per domain: logs repeat the same domains far more than the same addresses."""
        return self._internal_domain(domain) is not None

    def may_be_ignored(self, address: str) -> bool:
        """False when no user's ignore list covers ``address`` (then no :meth:`ignore_entry`
        can find it): one probe for all users, where most addresses are ignored by nobody."""
        if not address.isascii():
            return True  # compared in canonical form: left to ignore_entry
        return address in self._ignorable_union()[0] or self._domain_ignorable(
            address.rpartition("@")[2].rstrip(".")
        )  # domain_of(), inlined: a hot path

    def domain_facts(self, domain: str) -> DomainFacts:
        """What every entry asks of ``domain`` (see :data:`DomainFacts`), remembered in
        :attr:`domains`; its ignore answer is :meth:`may_be_ignored`'s for an address of the
        domain that no ignore list holds whole."""
        known = self.domains.get(domain)
        if known is None:
            bare = domain.rstrip(".")
            known = (
                self.domain_is_internal(bare),
                not bare.isascii() or self._domain_ignorable(bare),
                self.lookalikes.of(domain),
            )
            if len(self.domains) >= MAX_DOMAINS:
                self.domains.clear()
            self.domains[domain] = known
        return known

    @property
    def ignorable_addresses(self) -> frozenset[str]:
        """The whole addresses on any user's ignore list (canonical)."""
        return self._ignorable_union()[0]

    def _ignorable_union(self) -> tuple[frozenset[str], frozenset[str]]:
        if self._ignorable is None:
            self._ignorable = self._ignore_union()
        return self._ignorable

    def _ignore_union(self) -> tuple[frozenset[str], frozenset[str]]:
        """The addresses and domains of every user's ignore list, as their indexes hold them."""
        indexes = [IgnoreIndex.of(user) for user in self.config.users if user.ignore]
        return (
            frozenset(a for index in indexes for a in index.addresses),
            frozenset(d for index in indexes for d in index.domains),
        )

    def _ignored_domain(self, domain: str) -> bool:
        """Cached per domain: some ignore list holds the domain or a parent of it."""
        return not self._ignorable_union()[1].isdisjoint(parent_domains(domain))

    def ignore_entry(self, user: User, address: str) -> str | None:
        """The entry of ``user``'s ignore list that covers ``address``, if any."""
        if not user.ignore:
            return None  # most users ignore nobody: no index to look up
        index = self._ignore.get(id(user))
        if index is None or index.user is not user:
            index = IgnoreIndex.of(user)
            if user.emails and self.owner(user.emails[0]) is user:  # this config's: kept
                self._ignore[id(user)] = index
        return index.entry_for(address)

    @property
    def roster(self) -> _Roster:
        if self._roster is None:
            self._roster = _Roster.of(self.config.users)
        return self._roster

    def users_named(self, name: str) -> list[User]:
        """The users called ``name``, in configuration order."""
        return self.roster.named.get(name, [])

    def users_with_local_part(self, local: str) -> list[User]:
        """The users having an address with this local part, in configuration order."""
        return self.roster.local_parts.get(local, [])

    def position(self, user: User) -> int | None:
        """The index of ``user`` (this very object) in the configuration's users, else None."""
        if self._positions is None:
            self._positions = {id(u): i for i, u in enumerate(self.config.users)}
        position = self._positions.get(id(user))
        return position if position is not None and self.config.users[position] is user else None


def load_indexed_config(path: str) -> Config:
    """:func:`~whynolog.engine.read.config.load_config`, with the configuration's
    :class:`Directory` (what :meth:`Directory.of` answers) kept in the load cache beside it.

    Indexing 2,000 users' addresses and ignore lists costs more than judging one email:
    a cold start reads the indexes made by the first load of these bytes.
    """
    from whynolog.engine.base.cache import cached

    raw = read_bytes(path)
    # The path is part of the key: the loaded configuration names its file in positions.
    directory = cached(
        "indexed",  # the configuration with its directory
        path.encode() + b"\0" + raw,
        lambda: Directory(config_from_bytes(path, raw)).indexed(),
    )
    return _SHARED.get(directory.config, lambda _: directory).config
