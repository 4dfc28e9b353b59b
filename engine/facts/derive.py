"""Derived facts: what the rule pack reasons over.

An email and the organisation's configuration are reduced to a small vector
of scalar facts (``FACTS`` names and types them, says them in plain words, and
names the parts of an email each needs). Rules test only these, so a
decision is a pure function of the vector and can be memoised. The details
behind each fact (which address, which user, which filter, which ignore
entry) are kept beside the vector for explanations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from mypy_extensions import mypyc_attr

from whynolog.engine.facts.directory import Directory, DomainFacts, owner_in
from whynolog.engine.facts.filters import FilterSet
from whynolog.engine.read.config import Config, User
from whynolog.engine.read.domains import distinct_addresses
from whynolog.engine.read.emails import Email
from whynolog.engine.read.lookalikes import Lookalike

if TYPE_CHECKING:  # the fix search's: loaded by the first search (see FactDeriver.edited)
    from whynolog.engine.facts.overlay import DirectoryOverlay, Edit

SENDER, RECIPIENTS, MESSAGE_ID, DATE = "sender", "recipients", "message_id", "date"
PARTS = (SENDER, RECIPIENTS, MESSAGE_ID, DATE)
"""The parts of an email an admin-log entry may leave out (the date: always; the entry's
time is when the integration processed the email)."""


@mypyc_attr(native_class=False)  # a plain dataclass: pickled, replaced
@dataclass(frozen=True)
class FactSpec:
    """One fact the rules may test: its type, values, meaning in plain words, and what
    of an email it needs.

    ``phrases`` say the fact in plain words: for a bool (false, true); for an enum one per
    value; for a count (none, one, many with ``{n}``, at least one). ``needs`` names the
    :data:`PARTS` the fact depends on: an admin-log entry that did not record one of them
    leaves the fact unknown.
    """

    name: str
    type: str  # bool | int | enum
    description: str
    phrases: tuple[str, ...]
    values: tuple[Any, ...] = ()  # enum values; for bool (False, True)
    needs: frozenset[str] = frozenset()
    noun: str = ""  # a count's noun, for comparisons ("external recipients: more than 3")

    def says(self, value: Any) -> str:
        """The fact with ``value`` in plain words: ``the sender is not an active user``."""
        if self.type == "bool":
            return self.phrases[bool(value)]
        if self.type == "enum":
            return self.phrases[self.values.index(value)] if value in self.values else str(value)
        n = int(value)
        return self.phrases[min(n, 2)].format(n=n)

    @property
    def recorded(self) -> bool:
        """Whether every admin-log entry can tell the fact (it needs no part a log may omit)."""
        return not self.needs


def _fact(name: str, kind: str, description: str, *phrases: str, **more: Any) -> FactSpec:
    needs = frozenset(more.pop("needs", ()))
    assert needs <= set(PARTS), needs
    values = more.pop("values", (False, True) if kind == "bool" else ())
    return FactSpec(name, kind, description, phrases, tuple(values), needs, **more)


_BOTH = (SENDER, RECIPIENTS)
FACTS: dict[str, FactSpec] = {
    spec.name: spec
    for spec in (
        _fact(
            "credentials_valid",
            "bool",
            "the integration's admin password+token works (integration.credentials)",
            "the integration's admin password+token is invalid",
            "the integration's admin password+token works",
        ),
        _fact(
            "duplicate",
            "bool",
            "a copy of an email that already logged (same Message-ID, or same sender, "
            "recipients, subject and date)",
            "the email is not a copy of an email that already logged",
            "the email is a copy of an email that already logged",
        ),
        _fact(
            "direction",
            "enum",
            "outbound when the sender is internal, else inbound",
            "the email is inbound (its sender is external)",
            "the email is outbound (its sender is internal)",
            values=("inbound", "outbound"),
            needs=(SENDER,),
        ),
        _fact(
            "sender_internal",
            "bool",
            "the sender's domain is internal or the sender belongs to a user account",
            "the sender is external",
            "the sender is internal",
            needs=(SENDER,),
        ),
        _fact(
            "sender_is_user",
            "bool",
            "the sender belongs to a user account, active or not",
            "the sender belongs to no user account",
            "the sender belongs to a user account",
            needs=(SENDER,),
        ),
        _fact(
            "sender_is_active_user",
            "bool",
            "the sender belongs to an active user account",
            "the sender is not an active user",
            "the sender is an active user",
            needs=(SENDER,),
        ),
        _fact(
            "recipients",
            "int",
            "distinct To/Cc/Bcc addresses",
            "the email has no recipient",
            "the email has 1 recipient",
            "the email has {n} recipients",
            "the email has a recipient",
            needs=(RECIPIENTS,),
            noun="recipients",
        ),
        _fact(
            "external_recipients",
            "int",
            "To/Cc/Bcc addresses that are not internal",
            "no recipient is external",
            "1 recipient is external",
            "{n} recipients are external",
            "a recipient is external",
            needs=_BOTH,
            noun="external recipients",
        ),
        _fact(
            "active_users_to_cc",
            "int",
            "active users among the To/Cc addresses",
            "no To/Cc address belongs to an active user",
            "1 active user is among To/Cc",
            "{n} active users are among To/Cc",
            "an active user is among To/Cc",
            needs=(RECIPIENTS,),
            noun="active users among To/Cc",
        ),
        _fact(
            "inactive_users_to_cc",
            "int",
            "inactive users among the To/Cc addresses",
            "no To/Cc address belongs to an inactive user",
            "1 inactive user is among To/Cc",
            "{n} inactive users are among To/Cc",
            "an inactive user is among To/Cc",
            needs=(RECIPIENTS,),
            noun="inactive users among To/Cc",
        ),
        _fact(
            "content_filter_hits",
            "int",
            "content filters matching the subject or body",
            "no content filter matches",
            "1 content filter matches",
            "{n} content filters match",
            "a content filter matches",
            noun="content filters matching",
        ),
        _fact(
            "external_parties",
            "int",
            "external parties: outbound, the external recipients; inbound, the sender",
            "the email has no external party",
            "the email has 1 external party",
            "the email has {n} external parties",
            "the email has an external party",
            needs=_BOTH,
            noun="external parties",
        ),
        _fact(
            "ignored_parties",
            "int",
            "external parties on the ignore lists concerned (outbound: the sender's; "
            "inbound: every active user's among To/Cc)",
            "no external party is ignored",
            "1 external party is ignored",
            "{n} external parties are ignored",
            "an external party is ignored",
            needs=_BOTH,
            noun="ignored external parties",
        ),
        _fact(
            "all_parties_ignored",
            "bool",
            "there are external parties and every one of them is ignored",
            "not every external party is on an ignore list",
            "every external party is on an ignore list",
            needs=_BOTH,
        ),
        _fact(
            "has_message_id",
            "bool",
            "the email has a Message-ID",
            "the email has no Message-ID",
            "the email has a Message-ID",
            needs=(MESSAGE_ID,),
        ),
        _fact(
            "has_date",
            "bool",
            "the email has a date",
            "the email has no date",
            "the email has a date",
            needs=(DATE,),
        ),
    )
}


def unknown_facts(missing: frozenset[str]) -> frozenset[str]:
    """The facts an admin-log entry cannot tell when it did not record the ``missing`` parts."""
    return frozenset(name for name, spec in FACTS.items() if spec.needs & missing)


def duplicate_key(email: Email) -> tuple[Any, ...] | None:
    """What copies of one email share: the Message-ID, else sender+recipients+subject+date.

    An email with neither Message-ID nor date is never a copy.
    """
    if email.message_id:
        return ("message-id", email.message_id.strip().lower())
    if email.date is None:
        return None
    return (
        "signature",
        email.sender,
        tuple(sorted({*email.to, *email.cc, *email.bcc})),
        email.subject.strip().lower(),
        email.date,
    )


@mypyc_attr(native_class=False)  # a plain dataclass: pickled, replaced
@dataclass(frozen=True)
class Derived:
    """The fact vector of one email, with the details explanations name."""

    vector: dict[str, Any]
    details: dict[str, Any]


class Parties(NamedTuple):
    """Who an email concerns, as the configuration sees them: what the facts count."""

    sender: str | None
    sender_user: User | None
    outbound: bool
    to_cc: tuple[str, ...]
    recipients: tuple[str, ...]
    external: list[str]
    owners: list[tuple[str, User]]  # To/Cc addresses that belong to a user
    active: list[User]
    inactive: list[User]
    parties: list[str]  # the external parties whose ignore entries count
    ignore_hits: list[tuple[str, User, str]]  # (party, user, entry)
    ignored: int


class FactDeriver:
    """Derives facts for emails against one configuration (indexes built once).

    :meth:`edited` gives the deriver of an edited configuration over the same
    indexes (the fix search's candidates).
    """

    def __init__(
        self,
        config: Config,
        overlay: DirectoryOverlay | None = None,
        edits: tuple[Edit, ...] = (),
    ) -> None:
        """The deriver of ``config``; with ``overlay``, of ``config`` with ``edits`` applied
        (see :meth:`edited`)."""
        self.config = config
        self.directory: Directory | DirectoryOverlay = (
            Directory.of(config) if overlay is None else overlay
        )
        self.filters = FilterSet.of(config.content_filters)
        self.credentials_valid = config.credentials_valid or any(
            e.kind == "credentials" for e in edits
        )
        self.dropped = frozenset(  # content filters the edits removed
            i for e in edits if e.kind == "unfilter" for i in self.filters.indexes_named(e.value)
        )
        self.edits = edits
        # The hot look-ups of parties(), kept here as plain dicts: in compiled code a dict
        # probe costs a tenth of a call through the directory's lru_cache.
        base = self.directory if isinstance(self.directory, Directory) else self.directory.base
        # an overlay answers owners itself
        self._owners: dict[str, User] | None = base.owners if base is self.directory else None
        # Edits only remove ignore entries (or add users without any): the base's answers hold.
        self._ignorable_addresses = base.ignorable_addresses
        # Edits change neither a domain's internal answer nor its ignore one: the base's hold.
        self._domains, self._domain_facts = base.domains, base.domain_facts

    def edited(self, edits: tuple[Edit, ...]) -> FactDeriver:
        """The deriver of this configuration with ``edits`` applied, as an overlay.

        It gives the facts a deriver of ``apply_edits(config, edits)`` would,
        without rebuilding any index: its cost grows with the edits, not the users.
        """
        from whynolog.engine.facts.overlay import DirectoryOverlay

        base = self.directory
        if isinstance(base, DirectoryOverlay):
            base, edits = base.base, (*self.edits, *edits)
        # the indexes are shared, not rebuilt
        return FactDeriver(self.config, DirectoryOverlay(base, edits), edits)

    def parties(
        self,
        sender: str | None,
        to: tuple[str, ...],
        cc: tuple[str, ...] = (),
        bcc: tuple[str, ...] = (),
    ) -> Parties:
        """The people of an email: users, internal and external addresses, ignore hits.

        Ignore lists: outbound, the sender's list against each external
        recipient; inbound, the sender against the list of every active user
        among To/Cc.
        """
        d = self.directory
        sender_user = None if sender is None else self._user(sender)
        # Internal: the sender belongs to a user, or to an internal domain.
        outbound = sender_user is not None or (
            sender is not None and bool(sender) and self._internal(sender)
        )
        to_cc = tuple(dict.fromkeys((*to, *cc))) if cc or len(to) > 1 else to
        if len(to_cc) > 1 and not "".join(to_cc).isascii():
            to_cc = distinct_addresses(to_cc)  # one address in two IDN spellings counts once
        external: list[str] = []
        owners: list[tuple[str, User]] = []
        active: list[User] = []
        inactive: list[User] = []
        for address in to_cc:  # one look-up an address: its user, else its domain
            user = self._user(address)
            if user is None:
                if not self._internal(address):
                    external.append(address)
            else:
                owners.append((address, user))
                (active if user.active else inactive).append(user)
        recipients = to_cc
        if bcc:
            recipients = distinct_addresses((*to_cc, *bcc))
            external += [
                a
                for a in recipients[len(to_cc) :]
                if self._user(a) is None and not self._internal(a)
            ]
        # Users without repeats, by identity (each address has one owner object).
        if len(active) > 1:
            active = list({id(u): u for u in active}.values())
        if len(inactive) > 1:
            inactive = list({id(u): u for u in inactive}.values())
        ignore_hits: list[tuple[str, User, str]] = []
        if outbound:
            parties = external
            if sender_user is not None and sender_user.ignore:
                for party in parties:
                    if not self._may_be_ignored(party):
                        continue  # one probe for everyone first: most parties are on no list
                    entry = d.ignore_entry(sender_user, party)
                    if entry:
                        ignore_hits.append((party, sender_user, entry))
            ignored = len(ignore_hits)
        else:
            parties = [sender] if sender else []
            if sender and active and self._may_be_ignored(sender):  # most senders: on no list
                for user in active:
                    entry = d.ignore_entry(user, sender)
                    if entry:
                        ignore_hits.append((sender, user, entry))
            ignored = 1 if parties and active and len(ignore_hits) == len(active) else 0
        return tuple.__new__(
            Parties,
            (  # as Parties(...), without its Python-level __new__
                sender,
                sender_user,
                outbound,
                to_cc,
                recipients,
                external,
                owners,
                active,
                inactive,
                parties,
                ignore_hits,
                ignored,
            ),
        )

    def _user(self, address: str) -> User | None:
        """The user account (active or not) that has ``address``: :meth:`Directory.owner`."""
        if self._owners is None:
            return self.directory.owner(address)
        return owner_in(self._owners, address)

    def _internal(self, address: str) -> bool:
        """``address``'s domain is internal or a subdomain of an internal one."""
        return self._domain(address)[0]

    def _may_be_ignored(self, address: str) -> bool:
        """:meth:`Directory.may_be_ignored`, its answer for a domain remembered."""
        if address in self._ignorable_addresses or not address.isascii():
            return True
        return self._domain(address)[1]  # the address is on no list: its domain answers

    def _domain(self, address: str) -> DomainFacts:
        """:meth:`Directory.domain_facts` of ``address``'s domain (logs repeat domains far more
        than addresses)."""
        domain = address[address.rfind("@") + 1 :]
        known = self._domains.get(domain)
        return self._domain_facts(domain) if known is None else known

    def values_of(
        self, p: Parties, filter_hits: int, duplicate: bool, has_message_id: bool, has_date: bool
    ) -> tuple[Any, ...]:
        """The fact values of an email with these parties, in :data:`FACTS` order."""
        (
            _,
            sender_user,
            outbound,
            _,
            recipients,
            external,
            _,
            active,
            inactive,
            parties,
            _,
            ignored,
        ) = p  # one unpacking: cheaper than an attribute each
        return (
            self.credentials_valid,  # credentials_valid
            duplicate,  # duplicate
            "outbound" if outbound else "inbound",  # direction
            outbound,  # sender_internal
            sender_user is not None,  # sender_is_user
            sender_user is not None and sender_user.active,  # sender_is_active_user
            len(recipients),  # recipients
            len(external),  # external_recipients
            len(active),  # active_users_to_cc
            len(inactive),  # inactive_users_to_cc
            filter_hits,  # content_filter_hits
            len(parties),  # external_parties
            ignored,  # ignored_parties
            bool(parties) and ignored == len(parties),  # all_parties_ignored
            has_message_id,  # has_message_id
            has_date,  # has_date
        )

    def lookalikes(self, email: Email) -> list[Lookalike]:
        """The outside domains of ``email`` that imitate the organisation's, once each.

        A warning beside the facts: no rule tests it, so no outcome changes.
        """
        index = self.directory.lookalikes
        found: dict[str, Lookalike] = {}
        for address in (email.sender, *email.to, *email.cc, *email.bcc):
            if address:
                hit = index.of(address.rpartition("@")[2])
                if hit is not None:
                    found.setdefault(hit.domain, hit)
        return list(found.values())

    def vector_of(
        self, p: Parties, filter_hits: int, duplicate: bool, has_message_id: bool, has_date: bool
    ) -> dict[str, Any]:
        """The fact vector (fact → value) of an email with these parties."""
        return dict(
            zip(
                FACTS,
                self.values_of(p, filter_hits, duplicate, has_message_id, has_date),
                strict=True,
            )
        )

    def derive(
        self,
        email: Email,
        duplicate: bool = False,
        details: bool = True,
        hits: tuple[int, ...] | None = None,
    ) -> Derived:
        """The facts of ``email``; ``duplicate`` is known only to the run (earlier copies).

        ``details=False`` skips what only explanations need;
        ``hits`` are the content filters' indexes when the caller matched them already.
        """
        if hits is None:
            hits = self.filters.hit_indexes(email.subject, email.body)
        if self.dropped:
            hits = tuple(i for i in hits if i not in self.dropped)
        p = self.parties(email.sender, email.to, email.cc, email.bcc)
        vector = self.vector_of(
            p, len(hits), duplicate, bool(email.message_id), email.date is not None
        )
        if not details:
            return Derived(vector, {})
        sender = email.sender
        hit_parties = {party for party, _, _ in p.ignore_hits}
        return Derived(
            vector,
            {
                "org": self.config.name,
                "subject": email.subject,
                "sender": sender,
                "sender_user": p.sender_user.name if p.sender_user else None,
                "sender_user_active": bool(p.sender_user and p.sender_user.active),
                "sender_internal_domain": self.directory.internal_domain_of(sender)
                if sender
                else None,
                "direction": vector["direction"],
                "recipients": list(p.recipients),
                "to_cc": list(p.to_cc),
                "bcc": list(email.bcc),
                "external_recipients": p.external,
                "internal_recipients": [a for a in p.recipients if a not in p.external],
                "to_cc_users": [
                    {"address": a, "user": u.name, "active": u.active} for a, u in p.owners
                ],
                "active_users": [u.name for u in p.active],
                "inactive_users": [u.name for u in p.inactive],
                "filter_hits": [self.filters.filters[i].to_dict() for i in hits],
                "ignore_hits": [
                    {"party": party, "user": u.name, "entry": e} for party, u, e in p.ignore_hits
                ],
                "not_ignored": [party for party in p.parties if party not in hit_parties]
                if p.outbound
                else p.parties[: 1 - p.ignored],
                "credentials_valid": self.credentials_valid,
                "alert_address": self.config.alert_address,
                "message_id": email.message_id,
                "duplicate": duplicate,
            },
        )


def write_rule_schema(path: str) -> None:
    """Write the fact names into the rule pack's JSON Schema at ``path`` (run after a fact
    is added: ``python -m whynolog.engine.facts.derive``)."""
    import json

    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    data["$defs"]["rule"]["properties"]["when"]["propertyNames"] = {"enum": list(FACTS)}
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    from importlib import resources

    write_rule_schema(str(resources.files("whynolog.engine.base") / "schemas/rules.schema.json"))
