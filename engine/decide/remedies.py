"""The smallest configuration change that makes an email log, verified by the engine.

Candidate changes come from the details of the current verdict (the inactive
user, the missing alias, the ignore entry, the filter); each candidate's facts
are derived from the configuration's indexes plus the edits (an overlay, see
:mod:`whynolog.engine.facts.overlay`: nothing is rebuilt, whatever the
organisation's size) and the engine judges the email again. The search is
breadth-first, so the first verified set is a smallest one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.verdict import Fix
from whynolog.engine.facts.derive import Derived, FactDeriver
from whynolog.engine.facts.directory import Directory
from whynolog.engine.facts.overlay import DirectoryOverlay, Edit
from whynolog.engine.read.emails import Email

MAX_CHANGES = 3
MAX_EVALUATIONS = 64


@dataclass(frozen=True)
class Change:
    """One edit of the configuration, described for a human."""

    description: str
    edit: Edit


def _candidates(
    directory: Directory | DirectoryOverlay, details: dict[str, Any]
) -> Iterator[Change]:
    """Edits that could lift what stopped the email (one concern each)."""
    if not details["credentials_valid"]:
        yield Change(
            "fix the integration's admin password+token (integration.credentials: valid)",
            Edit("credentials"),
        )
    sender = details["sender"]
    if details["direction"] == "outbound" and sender and not details["sender_user_active"]:
        if details["sender_user"]:
            yield _activate(details["sender_user"])
        else:
            yield _attach(directory, sender)
    if details["direction"] == "inbound":
        for u in details["to_cc_users"]:
            if not u["active"]:
                yield _activate(u["user"])
        owned = {u["address"] for u in details["to_cc_users"]}
        for address in details["to_cc"]:
            if address not in owned:
                yield _attach(directory, address)
    for flt in details["filter_hits"]:
        name = flt["name"]
        yield Change(f"narrow or remove content filter {name!r}", Edit("unfilter", value=name))
    for hit in details["ignore_hits"]:
        user, entry = hit["user"], hit["entry"]
        yield Change(f"remove {entry!r} from {user}'s ignore list", Edit("unignore", user, entry))


def _activate(name: str) -> Change:
    return Change(f"activate the account of {name}", Edit("activate", name))


def _attach(directory: Directory | DirectoryOverlay, address: str) -> Change:
    """Attach ``address`` to the active user whose login shares its local part, else a new user."""
    for user in directory.users_with_local_part(address.partition("@")[0]):
        if user.active:
            return Change(
                f"add {address} to {user.name}'s addresses (alias)",
                Edit("attach", user.name, address),
            )
    return Change(
        f"attach {address} to its user as an alias (or create a user for it)",
        Edit("add_user", f"<user of {address}>", address),
    )


def find_fix(
    deriver: FactDeriver,
    engine: RuleEngine,
    email: Email,
    duplicate: bool,
    target: str = "LOG_OK",
    derived: Derived | None = None,
) -> Fix | None:
    """The fewest verified changes after which ``email`` gets ``target``, or None.

    ``derived``: the email's facts under ``deriver`` when the caller has them.
    """
    frontier: list[tuple[FactDeriver, tuple[Change, ...]]] = [(deriver, ())]
    evaluations = 0
    seen: set[tuple[str, ...]] = set()
    for _depth in range(MAX_CHANGES + 1):
        next_frontier: list[tuple[FactDeriver, tuple[Change, ...]]] = []
        for state, changes in frontier:
            if derived is None or changes:
                derived = state.derive(email, duplicate=duplicate)
            fired = engine.matches(derived.vector)
            evaluations += 1
            rule = fired[0] if fired else None
            outcome = engine.pack.rule(rule).outcome if rule else None
            if outcome == target:
                if not changes:
                    return None
                return Fix(
                    tuple(c.description for c in changes),
                    target,
                    rule,
                    edits=tuple(c.edit for c in changes),
                )
            if evaluations >= MAX_EVALUATIONS:
                return None
            described = {c.description for c in changes}
            for change in _candidates(state.directory, derived.details):
                key = tuple(sorted((*described, change.description)))
                if change.description in described or key in seen:
                    continue
                seen.add(key)
                edits = tuple(c.edit for c in (*changes, change))
                next_frontier.append((deriver.edited(edits), (*changes, change)))
        frontier = next_frontier
        if not frontier:
            return None
    return None
