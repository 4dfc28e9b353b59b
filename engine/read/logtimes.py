"""Admin-log times in the forms users' exports and pastes carry, read as UTC.

Accepted (each optionally followed by a zone: ``Z``, an offset ``±hh[:mm]``,
``UTC``/``GMT`` with an optional offset, or an abbreviation of
:data:`ZONE_ABBREVIATIONS`):

- ISO: ``2026-11-20 14:03``, ``2026-11-20T14:03:11.123``;
- slashed year first: ``2026/11/20 14:03[:11]``;
- slashed year last: ``11/20/2026 2:03 PM`` (month first) or ``20/11/2026 14:03``
  (day first), decided by ``--date-order`` or, by default, by the log itself:
  the first date with a number above 12 decides for the whole log;
- dotted, day first: ``20.11.2026 14:03[:11]``.

A time without a zone is in the zone given (``--tz``, an IANA name; default UTC).
Every pattern here is linear: bounded quantifiers and single character classes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.timezone.utc
DateOrder = Literal["mdy", "dmy", "ymd"]
DATE_ORDERS: tuple[DateOrder, ...] = ("mdy", "dmy", "ymd")
TIME_FORM = (
    "expected a date and time such as 2026-11-20 14:03:11, 11/20/2026 2:03 PM, "
    "20.11.2026 14:03 or 2026/11/20 14:03"
)

ZONE_ABBREVIATIONS: dict[str, float] = {
    # North America (CST is US Central here, not China)
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "AST": -4,
    "ADT": -3,
    "NST": -3.5,
    "NDT": -2.5,
    # Europe
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "IST": 1,  # Irish Standard Time (summer), as Irish exports write it
    "CET": 1,
    "CEST": 2,
    "MET": 1,
    "MEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    # Asia and Oceania
    "GST": 4,
    "PKT": 5,
    "SGT": 8,
    "HKT": 8,
    "AWST": 8,
    "JST": 9,
    "KST": 9,
    "ACST": 9.5,
    "ACDT": 10.5,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
}
"""Zone abbreviations read, as hours from UTC. Ambiguous ones take their most common
meaning in business email exports (``CST``: US Central; ``IST``: Irish; ``BST``: British
Summer Time). An unlisted abbreviation is an error: write an offset instead."""

_TIME = re.compile(
    r"(?:(?P<iy>[0-9]{4})-(?P<im>[0-9]{1,2})-(?P<id>[0-9]{1,2})"
    r"|(?P<sy>[0-9]{4})/(?P<sm>[0-9]{1,2})/(?P<sd>[0-9]{1,2})"
    r"|(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})/(?P<ay>[0-9]{4})"
    r"|(?P<dd>[0-9]{1,2})\.(?P<dm>[0-9]{1,2})\.(?P<dy>[0-9]{4}))"
    r"(?:[Tt]|,?[ \t]{1,20})"
    r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]{1,9}))?)?"
    r"(?:[ \t]{0,20}(?P<ampm>[AaPp])\.?[Mm]\.?(?![A-Za-z]))?"
    r"(?:[ \t]{0,20}(?P<z>[Zz](?![A-Za-z])"
    r"|[+-][0-9]{2}(?::?[0-9]{2})?(?![0-9])"
    r"|(?:UTC|GMT)(?:[+-][0-9]{1,2}(?::?[0-9]{2})?)?(?![A-Za-z0-9])"
    r"|[A-Z]{2,5}(?![A-Za-z0-9:])))?"
)
_OFFSET = re.compile(r"([+-])([0-9]{1,2})(?::?([0-9]{2}))?")


class UndecidedDateOrder(Exception):
    """A slashed date such as ``11/10/2026`` read before the log showed its date order."""


def zone_of(name: str | None) -> dt.tzinfo:
    """The zone named by ``--tz`` (an IANA name such as ``Europe/Berlin``, or UTC)."""
    if not name or name.strip().upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: expected an IANA name such as Europe/Berlin "
            "or America/New_York"
        ) from None


class TimeReader:
    """Reads a log's times; remembers the date order a log shows, once it shows it.

    ``zone`` applies to times without one; ``order`` is ``--date-order`` (None: the
    log decides, and :class:`UndecidedDateOrder` is raised until it has).
    """

    def __init__(self, zone: dt.tzinfo = UTC, order: DateOrder | None = None) -> None:
        if order is not None and order not in DATE_ORDERS:
            raise ValueError(f"unknown date order {order!r}: expected mdy, dmy or ymd")
        self.zone = zone
        self.order: DateOrder | None = order
        self.given = order is not None

    def parse(self, text: str) -> dt.datetime:
        """``text`` (a whole time, spaces around allowed) in UTC; ``ValueError`` saying why not."""
        stripped = text.strip()
        match = _TIME.match(stripped)
        if match is None or match.end() != len(stripped):
            raise ValueError(TIME_FORM)
        return self.of(match)

    def match(self, line: str) -> tuple[dt.datetime, int] | None:
        """The time a line starts with and where it ends, or None when it starts with none.

        ``ValueError`` when it is shaped like a time but is none (``month must be in 1..12``).
        """
        match = _TIME.match(line)
        if match is None:
            return None
        return self.of(match), match.end()

    def of(self, match: re.Match[str]) -> dt.datetime:
        """The UTC time of a match of the pattern."""
        year, month, day = self._date(match)
        hour = int(match["h"])
        if match["ampm"]:
            if not 1 <= hour <= 12:
                raise ValueError(f"hour {hour} with AM/PM must be in 1..12")
            hour = hour % 12 + (12 if match["ampm"] in "Pp" else 0)
        zone = match["z"]
        tz = self.zone if zone is None else _zone(zone)
        micro = int((match["f"] or "").ljust(6, "0")[:6])
        try:
            when = dt.datetime(
                year, month, day, hour, int(match["mi"]), int(match["s"] or 0), micro, tzinfo=tz
            )
            return when.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError(str(exc)) from None

    def _date(self, match: re.Match[str]) -> tuple[int, int, int]:
        if match["iy"]:
            return int(match["iy"]), int(match["im"]), int(match["id"])
        if match["sy"]:
            return int(match["sy"]), int(match["sm"]), int(match["sd"])
        if match["dy"]:
            return int(match["dy"]), int(match["dm"]), int(match["dd"])
        first, second, year = int(match["a"]), int(match["b"]), int(match["ay"])
        if self.order is None:
            if first > 12 >= second:
                self.order = "dmy"
            elif second > 12 >= first:
                self.order = "mdy"
            elif first <= 12 and second <= 12:
                raise UndecidedDateOrder(f"{match['a']}/{match['b']}/{match['ay']}")
            else:
                raise ValueError("neither number of the date can be the month")
        if self.order == "mdy":
            return year, first, second
        if self.order == "dmy":
            return year, second, first
        raise ValueError("a date with the year last does not match --date-order ymd")


def _zone(text: str) -> dt.tzinfo:
    """The zone written after a time."""
    upper = text.upper()
    if upper in ("Z", "UTC", "GMT"):
        return UTC
    if upper[:3] in ("UTC", "GMT"):
        upper = upper[3:]
    if upper[0] in "+-":
        sign, hours, minutes = _OFFSET.fullmatch(upper).groups()  # type: ignore[union-attr]
        if int(minutes or 0) > 59:
            raise ValueError(f"bad zone offset {text!r}")
        offset = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        return dt.timezone(-offset if sign == "-" else offset)  # raises beyond ±24h
    hours_from_utc = ZONE_ABBREVIATIONS.get(upper)
    if hours_from_utc is None:
        raise ValueError(f"unknown time zone {text!r}: write an offset such as -05:00")
    return dt.timezone(dt.timedelta(hours=hours_from_utc))
