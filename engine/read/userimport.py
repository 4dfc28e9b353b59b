"""A CRM user export (CSV) merged into ``org.yaml``, keeping the file's comments and order.

:func:`read_user_export` reads the export: the delimiter is sniffed and the
usual header names are recognised (case, spaces, ``_`` and ``-`` ignored).
:func:`merge_users` matches each exported user with a configured one by
address, then by name; it adds new users, adds missing addresses and updates
active flags. The YAML is edited with ruamel.yaml's round-trip mode, so a
re-dump never drops the admin's comments.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from whynolog.engine.base.errors import InputError, InputErrors, Position
from whynolog.engine.base.yamlio import read_text
from whynolog.engine.read.addresses import SeveralAddressesError, strict_addresses_in
from whynolog.engine.read.config import config_from_bytes
from whynolog.engine.read.domains import canonical_address

if TYPE_CHECKING:  # ruamel.yaml is imported by the functions that edit: every start would pay it
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedSeq

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "displayname", "username", "user", "contactname"),
    "first_name": ("firstname", "givenname", "first"),
    "last_name": ("lastname", "surname", "familyname", "last"),
    "email": (
        "email",
        "emailaddress",
        "primaryemail",
        "primaryemailaddress",
        "mail",
        "workemail",
        "login",
    ),
    "active": ("active", "status", "isactive", "enabled", "state", "userstatus", "accountstatus"),
    "aliases": (
        "aliases",
        "alias",
        "emailaliases",
        "otheremails",
        "secondaryemails",
        "additionalemails",
        "alternateemails",
    ),
}
"""The export's fields and the header names that mean them (normalised: lower case, no
spaces, ``_`` or ``-``)."""

_TRUE = frozenset({"true", "yes", "y", "1", "active", "enabled", "on", "x"})
_FALSE = frozenset(
    {"false", "no", "n", "0", "inactive", "disabled", "deactivated", "suspended", "off", "frozen"}
)
_DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class ExportedUser:
    """One user of the export: a name, addresses (primary first), maybe an active flag."""

    name: str
    emails: tuple[str, ...]
    active: bool | None
    line: int


@dataclass
class Merge:
    """What merging an export changed: the new ``org.yaml`` text and one line per change."""

    text: str
    changes: list[str] = field(default_factory=list)


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def export_text(path: str, data: bytes) -> str:
    """An export's text: UTF-8 (with or without BOM), or UTF-16 with BOM (spreadsheets)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    return read_text(path, data)


def read_user_export(path: str, text: str) -> list[ExportedUser]:
    """The users of a CSV/TSV export (``text`` is its content); every mistake with its line."""
    sample = text[:65536]
    try:
        delimiter = csv.Sniffer().sniff(sample.partition("\n")[0], _DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise InputError(Position(path, 1, 1), "empty export: expected a header row")
    fields: dict[str, int] = {}
    for index, name in enumerate(header):
        for wanted, names in COLUMNS.items():
            if _key(name) in names and wanted not in fields:
                fields[wanted] = index
    if "email" not in fields:
        known = ", ".join(sorted({n for names in COLUMNS.values() for n in names}))
        raise InputError(
            Position(path, 1, 1),
            f"no email column in the header {header!r}; a column named like one of: {known}",
        )
    users: list[ExportedUser] = []
    errors: list[InputError] = []
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            users.append(_user(path, start, row, fields))
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return users


def _user(path: str, line: int, row: list[str], fields: dict[str, int]) -> ExportedUser:
    def cell(name: str) -> str:
        index = fields.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    def where(name: str) -> Position:
        return Position(path, line, fields.get(name, 0) + 1)

    try:
        primary = strict_addresses_in(cell("email"))
        aliases = strict_addresses_in(cell("aliases").replace(";", ","))
    except SeveralAddressesError as exc:
        raise InputError(where("email"), str(exc)) from None
    if len(primary) != 1:
        what = "no email address" if not primary else "several email addresses"
        raise InputError(where("email"), f"{what} in {cell('email')!r}: expected one")
    name = cell("name") or " ".join(p for p in (cell("first_name"), cell("last_name")) if p)
    active_text = cell("active").lower()
    active: bool | None = None
    if active_text in _TRUE:
        active = True
    elif active_text in _FALSE:
        active = False
    elif active_text:
        raise InputError(
            where("active"),
            f"active: {cell('active')!r} is neither active (yes, true, active, 1) "
            "nor inactive (no, false, inactive, 0)",
        )
    emails = tuple(dict.fromkeys([*primary, *aliases]))
    return ExportedUser(name or primary[0], emails, active, line)


def _yaml() -> YAML:
    from ruamel.yaml import YAML  # imported here: only `import users` needs it

    yaml = YAML()  # round-trip: comments, order and quoting are kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the admin's long lines
    return yaml


def _indent(text: str) -> tuple[int, int]:
    """The sequence indent and dash offset the file uses under ``users:`` (ruamel's terms)."""
    found = re.search(r"(?m)^users:[^\n]*\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)- ", text)
    offset = len(found.group(1)) if found else 2
    return offset + 2, offset


def merge_users(path: str, text: str, exported: Iterable[ExportedUser]) -> Merge:
    """``org.yaml`` (``text``) with the exported users merged in, and what changed."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq  # lazy: see TYPE_CHECKING above
    from ruamel.yaml.error import YAMLError

    yaml = _yaml()
    sequence, offset = _indent(text)
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    try:
        root = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = Position(path, mark.line + 1, mark.column + 1) if mark else Position(path)
        raise InputError(where, f"YAML error: {getattr(exc, 'problem', None) or exc}") from None
    if root is None:
        root = CommentedMap()
    if not isinstance(root, CommentedMap):
        raise InputError(Position(path, 1, 1), "expected a mapping with 'users:'")
    users = root.get("users")
    if users is None:
        users = root["users"] = CommentedSeq()
    if not isinstance(users, CommentedSeq):
        raise InputError(Position(path, 1, 1), "users: expected a list of users")
    merge = Merge(text)
    for user in exported:
        _merge_one(users, user, merge.changes)
    if merge.changes:
        out = io.StringIO()
        yaml.dump(root, out)
        merge.text = out.getvalue()
        config_from_bytes(path, merge.text.encode("utf-8"))  # never write an invalid file
    return merge


def _emails_of(entry: Any) -> list[str]:
    emails = entry.get("emails") if isinstance(entry, dict) else None
    if not isinstance(emails, list):
        return []
    return [canonical_address(str(e).strip()) for e in emails]


def _merge_one(users: CommentedSeq, user: ExportedUser, changes: list[str]) -> None:
    owners = {email: entry for entry in users for email in _emails_of(entry)}
    entry = next((owners[c] for e in user.emails if (c := canonical_address(e)) in owners), None)
    if entry is None:
        wanted = user.name.casefold()
        entry = next(
            (
                e
                for e in users
                if isinstance(e, dict) and str(e.get("name", "")).casefold() == wanted
            ),
            None,
        )
    if entry is None:
        _add_user(users, user, changes)
        return
    name = entry.get("name", user.name)
    emails = entry.get("emails")
    if not isinstance(emails, list):
        emails = entry["emails"] = _flow([])
    for email in user.emails:
        owner = owners.get(canonical_address(email))
        if owner is None:
            emails.append(email)
            owners[canonical_address(email)] = entry
            changes.append(f"{name}: address {email} added")
        elif owner is not entry:
            changes.append(f"{name}: address {email} not added: it belongs to {owner.get('name')}")
    if user.active is not None and bool(entry.get("active", True)) != user.active:
        entry["active"] = user.active
        changes.append(f"{name}: {'activated' if user.active else 'deactivated'}")


def _add_user(users: CommentedSeq, user: ExportedUser, changes: list[str]) -> None:
    """A user none of whose addresses is configured (else it would have matched)."""
    from ruamel.yaml.comments import CommentedMap  # lazy: see TYPE_CHECKING above

    emails = list(user.emails)
    entry = CommentedMap(name=user.name, emails=_flow(emails))
    if user.active is False:
        entry["active"] = False
    users.append(entry)
    state = "" if user.active is not False else ", inactive"
    changes.append(f"{user.name}: added ({', '.join(emails)}{state})")


def _flow(items: list[str]) -> CommentedSeq:
    from ruamel.yaml.comments import CommentedSeq  # lazy: see TYPE_CHECKING above

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()  # emails: [a@x.com, b@x.com], as the starter configuration writes them
    return seq
