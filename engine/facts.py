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

from whynolog.engine.config import Config
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

    def derive(self, email: Email, duplicate: bool = False) -> Derived:
        """The facts of ``email``; ``duplicate`` is known only to the run (earlier copies)."""
        d = self.directory
        sender = email.sender
        sender_user = d.owner(sender)
        sender_internal = bool(sender) and d.is_internal(sender)
        outbound = sender_internal
        to_cc = list(dict.fromkeys((*email.to, *email.cc)))
        recipients = list(dict.fromkeys((*to_cc, *email.bcc)))
        external = [a for a in recipients if not d.is_internal(a)]
        to_cc_users = []
        for address in to_cc:
            user = d.owner(address)
            if user is not None:
                to_cc_users.append({"address": address, "user": user.name,
                                    "active": user.active})
        active_users = list(dict.fromkeys(u["user"] for u in to_cc_users if u["active"]))
        inactive_users = list(dict.fromkeys(
            u["user"] for u in to_cc_users if not u["active"] and u["user"] not in active_users))
        hits = self.filters.hits(email.subject, email.body)

        ignore_hits: list[dict[str, str]] = []
        not_ignored: list[str] = []
        if outbound:
            parties = external
            for party in parties:
                entry = d.ignore_entry(sender_user, party) if sender_user else None
                if entry:
                    ignore_hits.append({"party": party, "user": sender_user.name,  # type: ignore[union-attr]
                                        "entry": entry})
                else:
                    not_ignored.append(party)
            ignored = len(parties) - len(not_ignored)
        else:
            parties = [sender] if sender else []
            users = [d.owner(u["address"]) for u in to_cc_users if u["active"]]
            users = list({id(u): u for u in users if u is not None}.values())
            ignored = 0
            if sender and users:
                entries = [(u, d.ignore_entry(u, sender)) for u in users]
                if all(e for _, e in entries):
                    ignored = 1
                    ignore_hits = [{"party": sender, "user": u.name, "entry": e}
                                   for u, e in entries if e]
                else:
                    not_ignored = [sender]
                    ignore_hits = [{"party": sender, "user": u.name, "entry": e}
                                   for u, e in entries if e]
            elif sender:
                not_ignored = [sender]

        vector = {
            "credentials_valid": self.config.credentials_valid,
            "duplicate": duplicate,
            "direction": "outbound" if outbound else "inbound",
            "sender_internal": sender_internal,
            "sender_is_user": sender_user is not None,
            "sender_is_active_user": sender_user is not None and sender_user.active,
            "recipients": len(recipients),
            "external_recipients": len(external),
            "active_users_to_cc": len(active_users),
            "inactive_users_to_cc": len(inactive_users),
            "content_filter_hits": len(hits),
            "external_parties": len(parties),
            "ignored_parties": ignored,
            "all_parties_ignored": bool(parties) and ignored == len(parties),
            "has_message_id": bool(email.message_id),
            "has_date": email.date is not None,
        }
        details = {
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
            "to_cc_users": to_cc_users,
            "active_users": active_users,
            "inactive_users": inactive_users,
            "filter_hits": [f.to_dict() for f in hits],
            "ignore_hits": ignore_hits,
            "not_ignored": not_ignored,
            "credentials_valid": self.config.credentials_valid,
            "alert_address": self.config.alert_address,
            "message_id": email.message_id,
            "duplicate": duplicate,
        }
        return Derived(vector, details)
