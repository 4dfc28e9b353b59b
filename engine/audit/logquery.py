"""The admin-log search box as a pure predicate over :class:`LogEntry` values.

Kept apart from reading and printing so that ``search``, ``why`` and reports
filter entries the same way, and so that it is testable without files.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from whynolog.engine.read.addresses import clean_domain, domain_covers, domain_of, normalise
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry, parse_time
from whynolog.engine.read.domains import canonical_address, canonical_domain
from whynolog.engine.read.logtimes import TIME_FORM
from whynolog.engine.read.rejections import ReadCounts

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UTC = dt.timezone.utc
_FORMS = (
    "expected YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DD HH:MM:SS, "
    "optionally with a zone (Z, UTC, +01:00)"
)


def parse_when(text: str, end: bool = False) -> dt.datetime:
    """A search bound in UTC; with ``end`` a bare date means the end of that day.

    So ``--since 2026-11-20 --until 2026-11-20`` covers the whole day. Times
    without a zone are UTC, like the log's. Raises ``ValueError`` on bad input.
    """
    stripped = text.strip()
    if _DATE.fullmatch(stripped):
        try:
            day = dt.date.fromisoformat(stripped)
        except ValueError as exc:
            raise ValueError(f"bad date {text!r}: {exc}") from None
        return dt.datetime.combine(day, dt.time.max if end else dt.time.min, tzinfo=_UTC)
    try:
        return parse_time(stripped)
    except ValueError as exc:
        detail = _FORMS if str(exc) == TIME_FORM else str(exc)
        raise ValueError(f"bad date/time {text!r}: {detail}") from None


@dataclass(frozen=True)
class LogQuery:
    """Filters that must all hold; an unset filter matches everything.

    ``outcomes`` are codes or globs (``NOLOG_*``), case-insensitive. ``address``
    matches From/To/Cc/User: a full address exactly (display names stripped), a
    bare ``@domain`` or ``domain`` that domain and its subdomains.
    ``since``/``until`` are inclusive; naive datetimes are taken as UTC.
    """

    subject: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    outcomes: tuple[str, ...] = ()
    address: str | None = None
    _address: str | None = field(default=None, init=False, repr=False, compare=False)
    _domain: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        since, until = _aware(self.since), _aware(self.until)
        if since is not None and until is not None and since > until:
            raise ValueError(f"--since {since.isoformat()} is after --until {until.isoformat()}")
        object.__setattr__(self, "since", since)
        object.__setattr__(self, "until", until)
        raw = (self.outcomes,) if isinstance(self.outcomes, str) else self.outcomes
        outcomes = tuple(o.strip().upper() for o in raw if o.strip())
        object.__setattr__(self, "outcomes", outcomes)
        wanted = (self.address or "").strip()
        if not wanted:
            object.__setattr__(self, "address", None)
        elif "@" not in wanted and "." not in wanted:
            raise ValueError(
                f"not an email address or domain: {wanted!r} (an address such as "
                f"{wanted.split()[0]}@example.com, or @example.com for a whole domain)"
            )
        elif "@" in wanted and not wanted.startswith("@"):
            found = normalise(wanted)
            if found is None:
                raise ValueError(f"not an email address or domain: {self.address!r}")
            object.__setattr__(self, "_address", canonical_address(found))
        else:
            domain = clean_domain(wanted)
            if not domain or "@" in domain or any(c.isspace() for c in domain):
                raise ValueError(f"not an email address or domain: {self.address!r}")
            object.__setattr__(self, "_domain", canonical_domain(domain))

    @classmethod
    def from_options(
        cls,
        subject: str | None = None,
        since: str | None = None,
        until: str | None = None,
        outcomes: Iterable[str] = (),
        address: str | None = None,
        known_codes: Collection[str] = (),
    ) -> LogQuery:
        """A query from command-line text; outcome options may also be comma-separated.

        With ``known_codes`` (the rule pack's), a code or pattern that can match none of
        them is a mistake, named with the nearest code.
        """
        codes = tuple(part for option in outcomes for part in option.split(","))
        for code in codes:
            _check_code(code.strip().upper(), known_codes)
        return cls(
            subject=subject,
            since=parse_when(since) if since else None,
            until=parse_when(until, end=True) if until else None,
            outcomes=codes,
            address=address,
        )

    def matches(self, entry: LogEntry) -> bool:
        """True when the entry passes every filter given."""
        if self.subject is not None and self.subject.casefold() not in entry.subject.casefold():
            return False
        if self.since is not None and entry.time < self.since:
            return False
        if self.until is not None and entry.time > self.until:
            return False
        if self.outcomes:
            code = entry.outcome.upper()
            if not any(fnmatchcase(code, pattern) for pattern in self.outcomes):
                return False
        if self.address is not None:
            return any(self._address_matches(a) for a in _participants(entry))
        return True

    def _address_matches(self, address: str) -> bool:
        address = canonical_address(address)
        if self._address is not None:
            return address == self._address
        return self._domain is not None and domain_covers(self._domain, domain_of(address))


class Search(ReadCounts):
    """The entries of a log that match a query, found as they are read.

    Iterate it once for the matches; the counts are complete afterwards.
    """

    def __init__(self, query: LogQuery, items: Iterator[LogEntry | RejectedEntry]) -> None:
        super().__init__()
        self.query = query
        self.items = items

    def __iter__(self) -> Iterator[LogEntry]:
        matches = self.query.matches
        for item in self.items:
            if isinstance(item, RejectedEntry):
                self.reject(item)
                continue
            self.searched += 1
            if matches(item):
                self.matched += 1
                yield item


def _check_code(pattern: str, known: Collection[str]) -> None:
    """A typo such as ``NOLOG_CONTNT`` would silently match nothing: say so instead."""
    if not pattern or not known or any(fnmatchcase(code, pattern) for code in known):
        return
    close = difflib.get_close_matches(pattern, sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ValueError(
        f"{pattern!r} matches no outcome code of the rule pack{hint}; its codes: "
        f"{', '.join(sorted(known))}"
    )


def _participants(entry: LogEntry) -> list[str]:
    """Every recorded address of the entry; ``User`` counts when it holds an address."""
    found = [entry.sender] if entry.sender else []
    found += entry.to or ()
    found += entry.cc or ()
    if entry.user:
        user = normalise(entry.user)
        if user:
            found.append(user)
    return found


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=_UTC)
