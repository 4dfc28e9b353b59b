"""Derived facts: what the rule pack reasons over.

An email and the organisation's configuration are reduced to a small vector
of scalar facts (``FACTS`` names and types them). Rules test only these, so a
decision is a pure function of the vector and can be memoised. The details
behind each fact (which address, which user, which filter, which ignore
entry) are kept beside the vector for explanations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from whynolog.engine.facts.directory import Directory
from whynolog.engine.facts.filters import FilterSet
from whynolog.engine.read.config import Config, User
from whynolog.engine.read.emails import Email


@dataclass(frozen=True)
class FactSpec:
    """One fact the rules may test: its type, possible values and meaning."""

    name: str
    type: str  # bool | int | enum
    description: str
    values: tuple[Any, ...] = ()  # enum values; for bool (False, True)


FACTS: dict[str, FactSpec] = {
    spec.name: spec
    for spec in (
        FactSpec(
            "credentials_valid",
            "bool",
            "the integration's admin password+token works (integration.credentials)",
        ),
        FactSpec(
            "duplicate",
            "bool",
            "a copy of an email that already logged (same Message-ID, or same sender, "
            "recipients, subject and date)",
        ),
        FactSpec(
            "direction",
            "enum",
            "outbound when the sender is internal, else inbound",
            ("inbound", "outbound"),
        ),
        FactSpec(
            "sender_internal",
            "bool",
            "the sender's domain is internal or the sender belongs to a user account",
        ),
        FactSpec("sender_is_user", "bool", "the sender belongs to a user account, active or not"),
        FactSpec("sender_is_active_user", "bool", "the sender belongs to an active user account"),
        FactSpec("recipients", "int", "distinct To/Cc/Bcc addresses"),
        FactSpec("external_recipients", "int", "To/Cc/Bcc addresses that are not internal"),
        FactSpec("active_users_to_cc", "int", "active users among the To/Cc addresses"),
        FactSpec("inactive_users_to_cc", "int", "inactive users among the To/Cc addresses"),
        FactSpec("content_filter_hits", "int", "content filters matching the subject or body"),
        FactSpec(
            "external_parties",
            "int",
            "external parties: outbound, the external recipients; inbound, the sender",
        ),
        FactSpec(
            "ignored_parties",
            "int",
            "external parties on the ignore lists concerned (outbound: the sender's; "
            "inbound: every active user's among To/Cc)",
        ),
        FactSpec(
            "all_parties_ignored",
            "bool",
            "there are external parties and every one of them is ignored",
        ),
        FactSpec("has_message_id", "bool", "the email has a Message-ID"),
        FactSpec("has_date", "bool", "the email has a date"),
    )
}
for _spec in FACTS.values():
    if _spec.type == "bool":
        object.__setattr__(_spec, "values", (False, True))


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
    """Derives facts for emails against one configuration (indexes built once)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.directory = Directory.of(config)
        self.filters = FilterSet(config.content_filters)

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
        owner = d.owner
        domain_is_internal = d.domain_is_internal
        sender_user = owner(sender)
        # Internal: the sender belongs to a user, or to an internal domain.
        outbound = sender_user is not None or (
            bool(sender) and domain_is_internal(sender.rpartition("@")[2].rstrip("."))
        )  # type: ignore[union-attr]
        to_cc = tuple(dict.fromkeys((*to, *cc))) if cc or len(to) > 1 else to
        external: list[str] = []
        owners: list[tuple[str, User]] = []
        active: list[User] = []
        inactive: list[User] = []
        for address in to_cc:  # one look-up an address: its user, else its domain
            user = owner(address)
            if user is None:
                if not domain_is_internal(address.rpartition("@")[2].rstrip(".")):
                    external.append(address)
            else:
                owners.append((address, user))
                (active if user.active else inactive).append(user)
        recipients = to_cc
        if bcc:
            recipients = tuple(dict.fromkeys((*to_cc, *bcc)))
            external += [a for a in recipients[len(to_cc) :] if not d.is_internal(a)]
        # Users without repeats, by identity (each address has one owner object).
        if len(active) > 1:
            active = list({id(u): u for u in active}.values())
        if len(inactive) > 1:
            inactive = list({id(u): u for u in inactive}.values())
        ignore_hits: list[tuple[str, User, str]] = []
        if outbound:
            parties = external
            if sender_user is not None:
                for party in parties:
                    entry = d.ignore_entry(sender_user, party)
                    if entry:
                        ignore_hits.append((party, sender_user, entry))
            ignored = len(ignore_hits)
        else:
            parties = [sender] if sender else []
            if sender:
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
            self.config.credentials_valid,  # credentials_valid
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
                "credentials_valid": self.config.credentials_valid,
                "alert_address": self.config.alert_address,
                "message_id": email.message_id,
                "duplicate": duplicate,
            },
        )
