"""Configuration edits, and the directory of an edited configuration seen as an overlay.

The fix search tries many small edits of one configuration (attach an address,
activate an account, remove an ignore entry or a content filter). Rebuilding
the :class:`Directory` for each costs O(users); a :class:`DirectoryOverlay`
answers the same look-ups from the existing index plus the edits, at a cost
that grows with the edits only. :func:`apply_edits` is the rebuilt
configuration the overlay must agree with (a property test pins that).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from whynolog.engine.facts.directory import Directory, IgnoreIndex
from whynolog.engine.read.config import Config, User
from whynolog.engine.read.lookalikes import LookalikeIndex

EditKind = Literal["credentials", "activate", "attach", "add_user", "unignore", "unfilter"]


@dataclass(frozen=True)
class Edit:
    """One change of a configuration.

    ``user`` names the users it changes (every user of that name, as a
    configuration edited by name would be), or the user it adds; ``value`` is
    the address (``attach``, ``add_user``), the ignore entry (``unignore``) or
    the content filter's name (``unfilter``).
    """

    kind: EditKind
    user: str = ""
    value: str = ""


def _edit_user(user: User, edit: Edit) -> User:
    if edit.kind == "activate":
        return dataclasses.replace(user, active=True)
    if edit.kind == "attach":
        return dataclasses.replace(user, emails=(*user.emails, edit.value))
    return dataclasses.replace(user, ignore=tuple(i for i in user.ignore if i != edit.value))


def apply_edits(config: Config, edits: Iterable[Edit]) -> Config:
    """``config`` with ``edits`` applied in order: a whole new configuration."""
    for edit in edits:
        if edit.kind == "credentials":
            config = dataclasses.replace(config, credentials_valid=True)
        elif edit.kind == "unfilter":
            kept = tuple(f for f in config.content_filters if f.name != edit.value)
            config = dataclasses.replace(config, content_filters=kept)
        elif edit.kind == "add_user":
            new = User(name=edit.user, emails=(edit.value,))
            config = dataclasses.replace(config, users=(*config.users, new))
        else:
            users = tuple(_edit_user(u, edit) if u.name == edit.user else u for u in config.users)
            config = dataclasses.replace(config, users=users)
    return config


class DirectoryOverlay:
    """The look-ups of :class:`Directory` for its configuration with ``edits`` applied.

    Users are tracked by their original object (a user of the base
    configuration, or one an edit added); only the users the edits touch get
    an edited copy, so building an overlay and each look-up cost O(edits).
    """

    def __init__(self, base: Directory, edits: tuple[Edit, ...] = ()) -> None:
        self.base = base
        self.edits = edits
        self.domain_is_internal: Callable[[str], bool] = base.domain_is_internal
        self.internal_domain_of = base.internal_domain_of
        # Edits only remove ignore entries (or add users without any): the base's answer holds.
        self.may_be_ignored: Callable[[str], bool] = base.may_be_ignored
        self._edited: dict[int, User] = {}  # id(original) → its edited copy
        self._added: list[User] = []  # originals of the users the edits add, in order
        self._attached: dict[str, list[User]] = {}  # address → originals that gained it
        self._locals: dict[str, list[User]] = {}  # local part → originals that gained one
        for edit in edits:
            self._apply(edit)
        # Ignore lists of the edited copies and the added users (base users are answered by the
        # base), indexed when first asked: a name shared by many users edits them all.
        self._own: dict[int, User] = {id(u): u for u in (*self._edited.values(), *self._added)}
        self._ignores: dict[int, IgnoreIndex] = {}

    def _apply(self, edit: Edit) -> None:
        if edit.kind in ("credentials", "unfilter"):
            return  # not the directory's
        if edit.kind == "add_user":
            added = User(name=edit.user, emails=(edit.value,))
            self._added.append(added)
            self._gained(added, edit.value)
            return
        for original in (*self.base.users_named(edit.user), *self._added):
            if original.name != edit.user:
                continue
            self._edited[id(original)] = _edit_user(self.user(original), edit)
            if edit.kind == "attach":
                self._gained(original, edit.value)

    def _gained(self, original: User, address: str) -> None:
        self._attached.setdefault(address, []).append(original)
        self._locals.setdefault(address.partition("@")[0], []).append(original)

    def user(self, original: User) -> User:
        """The user ``original`` as the edits left it."""
        return self._edited.get(id(original), original)

    def _position(self, original: User) -> int:
        """Where ``original`` stands in the edited configuration's users."""
        position = self.base.position(original)
        if position is None:
            return len(self.base.config.users) + self._added.index(original)
        return position

    def owner(self, address: str | None) -> User | None:
        """The user (active or not) that has ``address``: the first in configuration order."""
        original = self.base.owner(address)
        gained = self._attached.get(address) if address is not None and self._attached else None
        if gained:
            original = min(
                (*gained, original) if original is not None else gained, key=self._position
            )
        if original is None:
            return None
        return self._edited.get(id(original), original)

    @property
    def lookalikes(self) -> LookalikeIndex:
        """The base's index: an edit of users changes no domain."""
        return self.base.lookalikes

    def is_internal(self, address: str) -> bool:
        """``address`` belongs to a user or to an internal domain (or a subdomain of one)."""
        return self.owner(address) is not None or self.domain_is_internal(
            address.rpartition("@")[2].rstrip(".")
        )

    def ignore_entry(self, user: User, address: str) -> str | None:
        """The entry of ``user``'s ignore list that covers ``address``, if any."""
        if self._own.get(id(user)) is not user:
            return self.base.ignore_entry(user, address)
        index = self._ignores.get(id(user))
        if index is None:
            index = self._ignores[id(user)] = IgnoreIndex.of(user)
        return index.entry_for(address)

    def users_with_local_part(self, local: str) -> list[User]:
        """The users having an address with this local part, in configuration order."""
        originals = self.base.users_with_local_part(local)
        gained = self._locals.get(local)
        if gained:
            distinct = {id(u): u for u in (*originals, *gained)}
            originals = sorted(distinct.values(), key=self._position)
        return [self.user(u) for u in originals]
