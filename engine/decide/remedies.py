"""The smallest configuration change that makes an email log, verified by the engine.

Candidate changes come from the details of the current verdict (the inactive
user, the missing alias, the ignore entry, the filter); each candidate is
applied to a copy of the configuration and the email is judged again. The
search is breadth-first, so the first verified set is a smallest one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.verdict import Fix
from whynolog.engine.facts.derive import FactDeriver
from whynolog.engine.read.config import Config, User
from whynolog.engine.read.emails import Email

MAX_CHANGES = 3
MAX_EVALUATIONS = 64


@dataclass(frozen=True)
class Change:
    """One edit of the configuration, described for a human."""

    description: str
    apply: Callable[[Config], Config]


def _replace_user(config: Config, name: str, edit: Callable[[User], User]) -> Config:
    users = tuple(edit(u) if u.name == name else u for u in config.users)
    return dataclasses.replace(config, users=users)


def _candidates(config: Config, details: dict[str, Any], rule_id: str | None) -> Iterator[Change]:
    """Edits that could lift what stopped the email (one concern each)."""
    if not details["credentials_valid"]:
        yield Change(
            "fix the integration's admin password+token (integration.credentials: valid)",
            lambda c: dataclasses.replace(c, credentials_valid=True),
        )
    sender = details["sender"]
    if details["direction"] == "outbound" and sender and not details["sender_user_active"]:
        if details["sender_user"]:
            yield _activate(details["sender_user"])
        else:
            yield _attach(config, sender)
    if details["direction"] == "inbound":
        for u in details["to_cc_users"]:
            if not u["active"]:
                yield _activate(u["user"])
        owned = {u["address"] for u in details["to_cc_users"]}
        for address in details["to_cc"]:
            if address not in owned:
                yield _attach(config, address)
    for flt in details["filter_hits"]:
        name = flt["name"]
        yield Change(
            f"narrow or remove content filter {name!r}",
            lambda c, n=name: dataclasses.replace(
                c, content_filters=tuple(f for f in c.content_filters if f.name != n)
            ),
        )
    for hit in details["ignore_hits"]:
        user, entry = hit["user"], hit["entry"]
        yield Change(
            f"remove {entry!r} from {user}'s ignore list",
            lambda c, u=user, e=entry: _replace_user(
                c, u, lambda x: dataclasses.replace(x, ignore=tuple(i for i in x.ignore if i != e))
            ),
        )


def _activate(name: str) -> Change:
    return Change(
        f"activate the account of {name}",
        lambda c: _replace_user(c, name, lambda u: dataclasses.replace(u, active=True)),
    )


def _attach(config: Config, address: str) -> Change:
    """Attach ``address`` to the active user whose login shares its local part, else a new user."""
    local = address.partition("@")[0]
    for user in config.users:
        if user.active and any(e.partition("@")[0] == local for e in user.emails):
            return Change(
                f"add {address} to {user.name}'s addresses (alias)",
                lambda c, n=user.name: _replace_user(
                    c, n, lambda u: dataclasses.replace(u, emails=(*u.emails, address))
                ),
            )
    return Change(
        f"attach {address} to its user as an alias (or create a user for it)",
        lambda c: dataclasses.replace(
            c, users=(*c.users, User(name=f"<user of {address}>", emails=(address,)))
        ),
    )


def find_fix(
    config: Config, engine: RuleEngine, email: Email, duplicate: bool, target: str = "LOG_OK"
) -> Fix | None:
    """The fewest verified changes after which ``email`` gets ``target``, or None."""
    frontier: list[tuple[Config, tuple[str, ...]]] = [(config, ())]
    evaluations = 0
    seen: set[tuple[str, ...]] = set()
    for _depth in range(MAX_CHANGES + 1):
        next_frontier: list[tuple[Config, tuple[str, ...]]] = []
        for state, changes in frontier:
            derived = FactDeriver(state).derive(email, duplicate=duplicate)
            fired = engine.matches(derived.vector)
            evaluations += 1
            rule = fired[0] if fired else None
            outcome = engine.pack.rule(rule).outcome if rule else None
            if outcome == target:
                return Fix(changes, target, rule) if changes else None
            if evaluations >= MAX_EVALUATIONS:
                return None
            for change in _candidates(state, derived.details, rule):
                key = tuple(sorted((*changes, change.description)))
                if change.description in changes or key in seen:
                    continue
                seen.add(key)
                next_frontier.append((change.apply(state), (*changes, change.description)))
        frontier = next_frontier
        if not frontier:
            return None
    return None
