"""The organisation's facts (``org.yaml``): users, ignore lists, filters, credentials."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from dataclasses import field as dc_field
from typing import Any

from whynolog.engine.base.errors import InputError, InputErrors, Position
from whynolog.engine.base.schemas import validate
from whynolog.engine.base.yamlio import load_yaml, position_of, read_bytes, read_text
from whynolog.engine.read.addresses import clean_domain


@dataclass(frozen=True, slots=True)  # slots: a user is read for every entry of a long log
class User:
    """A CRM user account; ``emails[0]`` is the login, the rest are aliases."""

    name: str
    emails: tuple[str, ...]
    active: bool = True
    ignore: tuple[str, ...] = ()
    position: Position = dc_field(default=Position("<config>"), compare=False)

    def __hash__(self) -> int:
        # Equal users have equal names; hashing the name alone keeps look-ups by user cheap.
        return hash(self.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "emails": list(self.emails),
            "active": self.active,
            "ignore": list(self.ignore),
        }


# The setters of a user's slots: a third faster than object.__setattr__ (a cold start makes
# every user of the load cache).
_USER_SLOTS = tuple(User.__dict__[f.name].__set__ for f in fields(User))


@dataclass(frozen=True)
class ContentFilter:
    """An "ignore emails based on content" filter: ``contains`` or ``regex`` on a field."""

    name: str
    field: str = "any"
    contains: str | None = None
    regex: str | None = None
    position: Position = dc_field(default=Position("<config>"), compare=False)

    @property
    def pattern(self) -> str:
        """The filter's pattern as the user wrote it."""
        return self.regex if self.regex is not None else (self.contains or "")

    def to_dict(self) -> dict[str, Any]:
        kind = "regex" if self.regex is not None else "contains"
        return {"name": self.name, "field": self.field, kind: self.pattern}


@dataclass(frozen=True)
class Config:
    """One organisation's configuration, validated and normalised."""

    name: str
    internal_domains: tuple[str, ...] = ()
    credentials_valid: bool = True
    last_verified: dt.datetime | None = None
    alert_address: str | None = None
    users: tuple[User, ...] = ()
    content_filters: tuple[ContentFilter, ...] = ()
    path: str = "<config>"

    def __reduce__(self) -> tuple[Any, ...]:
        # Users travel as rows of plain values: unpickled object by object, 2,000 users took
        # three times as long, and a cold start reads them all from the load cache.
        rows = tuple(
            (u.name, u.emails, u.active, u.ignore, u.position.path, u.position.line, u.position.col)
            for u in self.users
        )
        return _config_from_rows, ({**self.__dict__, "users": rows},)

    def to_dict(self) -> dict[str, Any]:
        return {
            "organization": {"name": self.name, "internal_domains": list(self.internal_domains)},
            "integration": {
                "credentials": "valid" if self.credentials_valid else "invalid",
                "last_verified": self.last_verified.isoformat() if self.last_verified else None,
                "alert_address": self.alert_address,
            },
            "users": [u.to_dict() for u in self.users],
            "content_filters": [f.to_dict() for f in self.content_filters],
        }


def _config_from_rows(state: dict[str, Any]) -> Config:
    """The configuration :meth:`Config.__reduce__` pickled, made as pickle makes objects: the
    attributes set directly (dataclass ``__init__`` would cost as much again)."""
    new = object.__new__
    set_name, set_emails, set_active, set_ignore, set_position = _USER_SLOTS
    users = []
    for name, emails, active, ignore, path, line, col in state["users"]:
        position = new(Position)
        position.__dict__.update(path=path, line=line, col=col)
        user = new(User)
        set_name(user, name)
        set_emails(user, emails)
        set_active(user, active)
        set_ignore(user, ignore)
        set_position(user, position)
        users.append(user)
    config = new(Config)
    config.__dict__.update(state, users=tuple(users))
    return config


def to_utc(value: Any) -> dt.datetime:
    """A YAML date/datetime or ISO 8601 string as an aware UTC datetime (naive means UTC)."""
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)


def load_config(path: str) -> Config:
    """Read and validate ``org.yaml``; every problem is reported with its position.

    A configuration that loaded cleanly is remembered by the hash of its bytes
    (see :mod:`whynolog.engine.base.cache`), so interactive runs skip re-validating
    a large, unchanged file.
    """
    from whynolog.engine.base.cache import cached

    raw = read_bytes(path)
    # The path is part of the key: the loaded configuration names its file in positions.
    return cached("config", path.encode() + b"\0" + raw, lambda: _load_config(path, raw))


def config_from_bytes(path: str, raw: bytes) -> Config:
    """Validate a configuration that is not on disk yet (an edit about to be written)."""
    return _load_config(path, raw)


def _load_config(path: str, raw: bytes) -> Config:
    data = load_yaml(path, read_text(path, raw))
    if data is None:
        raise InputError(Position(path, 1, 1), "empty configuration: expected 'organization:'")
    if not isinstance(data, dict):
        raise InputError(
            Position(path, getattr(data, "line", 1), getattr(data, "col", 1)),
            "the configuration must be a mapping with 'organization:'",
        )
    validate(data, "config", path)
    return config_from_data(data, path)


def config_from_data(data: dict[str, Any], path: str) -> Config:
    """Build a :class:`Config` from schema-valid data (regexes are checked here)."""
    from whynolog.engine.base.regex import check_regex

    errors: list[InputError] = []
    org = data["organization"]
    integ = data.get("integration") or {}
    last_verified = None
    if integ.get("last_verified") is not None:
        try:
            last_verified = to_utc(integ["last_verified"])
        except ValueError:
            errors.append(
                InputError(
                    position_of(data, ["integration", "last_verified"], path),
                    "integration.last_verified: not an ISO 8601 time",
                )
            )
    users = []
    for i, raw in enumerate(data.get("users") or []):
        users.append(
            User(
                name=raw["name"],
                emails=tuple(e.strip().lower() for e in raw["emails"]),
                active=raw.get("active", True),
                ignore=tuple(e.strip().lower() for e in raw.get("ignore") or []),
                position=position_of(data, ["users", i], path),
            )
        )
    filters = []
    for i, raw in enumerate(data.get("content_filters") or []):
        flt = ContentFilter(
            name=raw["name"],
            field=raw.get("field", "any"),
            contains=raw.get("contains"),
            regex=raw.get("regex"),
            position=position_of(data, ["content_filters", i], path),
        )
        if flt.regex is not None:
            problem = check_regex(flt.regex)
            if problem:
                errors.append(
                    InputError(
                        position_of(data, ["content_filters", i, "regex"], path),
                        f"content_filters.{i}.regex: filter {flt.name!r}: {problem}",
                    )
                )
        filters.append(flt)
    if errors:
        raise InputErrors(errors)
    return Config(
        name=org["name"],
        internal_domains=tuple(clean_domain(d) for d in org.get("internal_domains") or []),
        credentials_valid=integ.get("credentials", "valid") == "valid",
        last_verified=last_verified,
        alert_address=(integ.get("alert_address") or None),
        users=tuple(users),
        content_filters=tuple(filters),
        path=path,
    )
