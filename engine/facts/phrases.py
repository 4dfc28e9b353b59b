"""Facts in plain words, naming the people, addresses, filters and dates involved.

Reports for admins never show a fact's name: they say what the fact means
(the phrases of its spec in :data:`~whynolog.engine.facts.derive.FACTS`) and
whom it concerns, from the details :class:`~whynolog.engine.facts.derive.Derived`
keeps beside the vector.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from whynolog.engine.facts.derive import FACTS

_SENDER_FACTS = ("direction", "sender_internal", "sender_is_user", "sender_is_active_user")
_PARTY_FACTS = ("external_parties", "ignored_parties", "all_parties_ignored")


def join_and(items: Iterable[Any]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (repeats dropped)."""
    words = [str(i) for i in dict.fromkeys(items)]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _user(name: str, active: bool) -> str:
    return f"user {name}" if active else f"user {name}, inactive"


def who(fact: str, details: Mapping[str, Any]) -> str:
    """The people, addresses or filters behind ``fact`` for an email with these details."""
    d = details
    if fact in _SENDER_FACTS:
        sender = d.get("sender")
        if not sender:
            return ""
        user = d.get("sender_user")
        return f"{sender} ({_user(user, d.get('sender_user_active', False))})" if user else sender
    if fact in ("active_users_to_cc", "inactive_users_to_cc"):
        return join_and(
            f"{u['address']} ({_user(u['user'], u['active'])})" for u in d.get("to_cc_users", ())
        )
    if fact in ("external_recipients", "recipients"):
        return join_and(d.get(fact, ()))
    if fact == "content_filter_hits":
        return join_and(f'"{f["name"]}"' for f in d.get("filter_hits", ()))
    if fact in _PARTY_FACTS:
        hits = d.get("ignore_hits", ())
        ignored = [
            f'{h["party"]} (on the ignore list of {h["user"]}: "{h["entry"]}")' for h in hits
        ]
        return join_and([*ignored, *d.get("not_ignored", ())])
    return ""


def stated(fact: str, value: Any, details: Mapping[str, Any] | None = None) -> str:
    """``the sender is not an active user: carol@acme.com (user Carol Jones, inactive)``."""
    text = FACTS[fact].says(value)
    names = who(fact, details) if details else ""
    return f"{text}: {names}" if names else text


def change(fact: str, was: Any, would: Any, details: Mapping[str, Any], when: str = "") -> str:
    """What would have had to differ for the live integration to decide as it did.

    ``Carol Jones was probably still active on 2026-11-18``; for a change without a
    sentence of its own, ``probably <would> on <when>, where this configuration says <was>``.
    """
    on = f" on {when}" if when else ""
    d = details
    users = d.get("to_cc_users", ())
    if fact == "active_users_to_cc" and would > was:
        inactive = [u["user"] for u in users if not u["active"]]
        if inactive:
            return f"{join_and(inactive)} {_was(inactive)} probably still active{on}"
        owned = {u["address"] for u in users}
        external = set(d.get("external_recipients", ()))
        unowned = [a for a in d.get("to_cc", ()) if a not in owned and a not in external]
        if unowned:
            return f"{join_and(unowned)} probably belonged to an active user{on}"
    if fact == "sender_is_active_user" and would and d.get("sender"):
        user = d.get("sender_user")
        if user and not d.get("sender_user_active"):
            return f"{user} was probably still active{on}"
        if not user:
            return f"{d['sender']} was probably attached to an active user{on}"
    if fact == "content_filter_hits" and would < was and d.get("filter_hits"):
        names = join_and(f'"{f["name"]}"' for f in d["filter_hits"])
        one = len(d["filter_hits"]) == 1
        noun, verb = ("filter", "was") if one else ("filters", "were")
        return f"content {noun} {names} probably did not exist yet{on}, or {verb} narrower"
    if fact in ("all_parties_ignored", "ignored_parties") and would < was and d.get("ignore_hits"):
        return join_and(
            f'"{h["entry"]}" was probably not yet on the ignore list of {h["user"]}{on}'
            for h in d["ignore_hits"]
        )
    if fact == "credentials_valid":
        state = "still worked" if would else "was already invalid"
        return f"the integration's admin password+token probably {state}{on}"
    spec = FACTS[fact]
    names = who(fact, d)
    about = f" ({names})" if names else ""
    return f"probably {spec.says(would)}{on}, where this configuration says {spec.says(was)}{about}"


def _was(names: list[str]) -> str:
    return "was" if len(set(names)) == 1 else "were"
