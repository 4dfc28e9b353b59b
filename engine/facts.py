"""Derived facts: what the rule pack reasons over.

An email and the organisation's configuration are reduced to a small vector
of scalar facts (``FACTS`` names and types them). Rules test only these, so a
decision is a pure function of the vector and can be memoised. The details
behind each fact (which address, which user, which filter, which ignore
entry) are kept beside the vector for explanations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from whynolog.engine.config import Config, User
from whynolog.engine.directory import Directory
from whynolog.engine.emails import Email
from whynolog.engine.filters import FilterSet


@dataclass(frozen=True)
class FactSpec:
    """One fact the rules may test: its type, possible values and meaning."""

    name: str
    type: str  # bool | int | enum
    description: str
    values: tuple[Any, ...] = ()  # enum values; for bool (False, True)


FACTS: dict[str, FactSpec] = {spec.name: spec for spec in (
    FactSpec("credentials_valid", "bool",
             "the integration's admin password+token works (integration.credentials)"),
    FactSpec("duplicate", "bool",
             "a copy of an email that already logged (same Message-ID, or same sender, "
             "recipients, subject and date)"),
    FactSpec("direction", "enum", "outbound when the sender is internal, else inbound",
             ("inbound", "outbound")),
    FactSpec("sender_internal", "bool",
             "the sender's domain is internal or the sender belongs to a user account"),
    FactSpec("sender_is_user", "bool", "the sender belongs to a user account, active or not"),
    FactSpec("sender_is_active_user", "bool", "the sender belongs to an active user account"),
    FactSpec("recipients", "int", "distinct To/Cc/Bcc addresses"),
    FactSpec("external_recipients", "int", "To/Cc/Bcc addresses that are not internal"),
    FactSpec("active_users_to_cc", "int", "active users among the To/Cc addresses"),
    FactSpec("inactive_users_to_cc", "int", "inactive users among the To/Cc addresses"),
    FactSpec("content_filter_hits", "int", "content filters matching the subject or body"),
    FactSpec("external_parties", "int",
             "external parties: outbound, the external recipients; inbound, the sender"),
    FactSpec("ignored_parties", "int",
             "external parties on the ignore lists concerned (outbound: the sender's; "
             "inbound: every active user's among To/Cc)"),
    FactSpec("all_parties_ignored", "bool",
             "there are external parties and every one of them is ignored"),
    FactSpec("has_message_id", "bool", "the email has a Message-ID"),
    FactSpec("has_date", "bool", "the email has a date"),
)}
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
    return ("signature", email.sender, tuple(sorted({*email.to, *email.cc, *email.bcc})),
            email.subject.strip().lower(), email.date)


@dataclass(frozen=True)
class Derived:
    """The fact vector of one email, with the details explanations name."""

    vector: dict[str, Any]
    details: dict[str, Any]


class FactDeriver:
    """Derives facts for emails against one configuration (indexes built once)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.directory = Directory(config)
        self.filters = FilterSet(config.content_filters)

    def derive(self, email: Email, duplicate: bool = False, details: bool = True,
               hits: tuple[int, ...] | None = None) -> Derived:
        """The facts of ``email``; ``duplicate`` is known only to the run (earlier copies).

        ``details=False`` skips what only explanations need (bulk log audits);
        ``hits`` are the content filters' indexes when the caller matched them already.
        """
        d = self.directory
        sender = email.sender
        sender_user = d.owner(sender)
        outbound = bool(sender) and d.is_internal(sender)
        to_cc = list(dict.fromkeys((*email.to, *email.cc)))
        recipients = list(dict.fromkeys((*to_cc, *email.bcc))) if email.bcc else to_cc
        external = [a for a in recipients if not d.is_internal(a)]
        owners = [(address, d.owner(address)) for address in to_cc]
        owners = [(address, user) for address, user in owners if user is not None]
        active = list(dict.fromkeys(u for _, u in owners if u.active))
        inactive = list(dict.fromkeys(u for _, u in owners if not u.active))
        if hits is None:
            hits = self.filters.hit_indexes(email.subject, email.body)

        # Ignore lists: outbound, the sender's list against each external recipient;
        # inbound, the sender against the list of every active user among To/Cc.
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
            for user in active:
                entry = d.ignore_entry(user, sender) if sender else None
                if entry:
                    ignore_hits.append((sender, user, entry))  # type: ignore[arg-type]
            ignored = 1 if parties and active and len(ignore_hits) == len(active) else 0

        vector = {
            "credentials_valid": self.config.credentials_valid,
            "duplicate": duplicate,
            "direction": "outbound" if outbound else "inbound",
            "sender_internal": outbound,
            "sender_is_user": sender_user is not None,
            "sender_is_active_user": sender_user is not None and sender_user.active,
            "recipients": len(recipients),
            "external_recipients": len(external),
            "active_users_to_cc": len(active),
            "inactive_users_to_cc": len(inactive),
            "content_filter_hits": len(hits),
            "external_parties": len(parties),
            "ignored_parties": ignored,
            "all_parties_ignored": bool(parties) and ignored == len(parties),
            "has_message_id": bool(email.message_id),
            "has_date": email.date is not None,
        }
        if not details:
            return Derived(vector, {})
        hit_parties = {party for party, _, _ in ignore_hits}
        return Derived(vector, {
            "org": self.config.name,
            "subject": email.subject,
            "sender": sender,
            "sender_user": sender_user.name if sender_user else None,
            "sender_user_active": bool(sender_user and sender_user.active),
            "sender_internal_domain": d.internal_domain_of(sender) if sender else None,
            "direction": vector["direction"],
            "recipients": recipients,
            "to_cc": to_cc,
            "bcc": list(email.bcc),
            "external_recipients": external,
            "internal_recipients": [a for a in recipients if a not in external],
            "to_cc_users": [{"address": a, "user": u.name, "active": u.active}
                            for a, u in owners],
            "active_users": [u.name for u in active],
            "inactive_users": [u.name for u in inactive],
            "filter_hits": [self.filters.filters[i].to_dict() for i in hits],
            "ignore_hits": [{"party": p, "user": u.name, "entry": e} for p, u, e in ignore_hits],
            "not_ignored": [p for p in parties if p not in hit_parties] if outbound
            else parties[:1 - ignored],
            "credentials_valid": self.config.credentials_valid,
            "alert_address": self.config.alert_address,
            "message_id": email.message_id,
            "duplicate": duplicate,
        })
