"""A log's rhythm: the days and hours when it is normally busy.

A quiet night or weekend is not an outage. Health checks count only the time
that falls inside the rhythm: learned from the log itself (the weekdays that
usually have entries, the hours that hold nearly all of them) or given as
``--business-hours``. A log too short to show a rhythm is judged around the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.timezone.utc
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)

MIN_ENTRIES = 20
MIN_SPAN = dt.timedelta(days=7)
"""A rhythm is learned only from a log this long with this many entries (one week shows a
weekend; fewer entries show nothing)."""
TRIM = 0.01
"""The share of entries left out at each end of the day when learning the busy hours."""


@dataclass(frozen=True)
class Rhythm:
    """Busy weekdays (0 = Monday) and a daily window ``[start, end)`` in minutes, in ``zone``."""

    days: frozenset[int] = frozenset(range(7))
    start: int = 0
    end: int = 24 * 60
    zone: str = "UTC"
    source: str = "around the clock"

    @property
    def always(self) -> bool:
        return len(self.days) == 7 and self.start == 0 and self.end >= 24 * 60

    def describe(self) -> str:
        """``Mon-Fri 08:00-17:00 UTC (learned from the log)``."""
        if self.always:
            return "around the clock"
        hours = f"{_hhmm(self.start)}-{_hhmm(self.end)}"
        return f"{_days_text(self.days)} {hours} {self.zone} ({self.source})"

    def busy_time(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """How much of ``[start, end)`` falls inside the busy days and hours."""
        if end <= start:
            return dt.timedelta(0)
        if self.always:
            return end - start
        zone = _zone(self.zone)
        a, b = start.astimezone(zone), end.astimezone(zone)
        total = dt.timedelta(0)
        weeks = (b - a) // WEEK
        if weeks > 1:  # whole weeks at once: a long silence costs one week's arithmetic
            total += (weeks - 1) * len(self.days) * dt.timedelta(minutes=self.end - self.start)
            a += (weeks - 1) * WEEK
        day = a.replace(hour=0, minute=0, second=0, microsecond=0)
        while day < b:
            if day.weekday() in self.days:
                lo = max(a, day + dt.timedelta(minutes=self.start))
                hi = min(b, day + dt.timedelta(minutes=self.end))
                if hi > lo:
                    total += hi - lo
            day += DAY  # wall-clock arithmetic: the next midnight, across a DST change too
        return total


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days_text(days: frozenset[int]) -> str:
    """``Mon-Fri``, ``Mon-Fri, Sun``."""
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(
        DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}" for r in runs
    )


def _zone(name: str) -> dt.tzinfo:
    if name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    return ZoneInfo(name)


def learn(
    hours: Sequence[int],
    dates: Iterable[dt.date],
    first: dt.datetime | None,
    last: dt.datetime | None,
) -> Rhythm:
    """A log's rhythm (UTC) from its entries counted by hour of day (``hours[h]``) and the
    dates that have entries; around the clock when the log is too short to tell."""
    count = sum(hours)
    if first is None or last is None or count < MIN_ENTRIES or last - first < MIN_SPAN:
        return Rhythm()
    busy_dates = set(dates)
    # A weekday is busy when at least half of its dates in the log's span have entries.
    seen: Counter[int] = Counter()
    busy: Counter[int] = Counter()
    day = first.date()
    while day <= last.date():
        seen[day.weekday()] += 1
        busy[day.weekday()] += day in busy_dates
        day += DAY
    days = frozenset(d for d in range(7) if seen[d] and busy[d] * 2 >= seen[d])
    # The busy hours: the window that holds all but TRIM of the entries at each end.
    cut = count * TRIM
    start = next(h for h in range(24) if sum(hours[: h + 1]) > cut)
    end = next(h for h in reversed(range(24)) if sum(hours[h:]) > cut) + 1
    rhythm = Rhythm(
        days or frozenset(range(7)), start * 60, end * 60, "UTC", "learned from the log"
    )
    return Rhythm() if rhythm.always else rhythm


_HOURS = re.compile(
    r"^\s*(?P<d1>[a-z]{3})(?:\s*[--]\s*(?P<d2>[a-z]{3}))?\s+"
    r"(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*[--]\s*(?P<h2>\d{1,2})(?::(?P<m2>\d{2}))?"
    r"(?:\s+(?P<zone>\S+))?\s*$",
    re.IGNORECASE,
)


def parse_business_hours(text: str) -> Rhythm:
    """``Mon-Fri 08:00-18:00 [ZONE]`` (IANA zone, default UTC) as a rhythm."""
    match = _HOURS.match(text)
    names = [n.lower() for n in DAY_NAMES]
    if (
        not match
        or match["d1"].lower() not in names
        or (match["d2"] and match["d2"].lower() not in names)
    ):
        raise ValueError(
            f"{text!r} is not business hours: write it like 'Mon-Fri 08:00-18:00' "
            f"or 'Mon-Sat 7-19 Europe/Berlin'"
        )
    first = names.index(match["d1"].lower())
    last = names.index(match["d2"].lower()) if match["d2"] else first
    days = frozenset((first + i) % 7 for i in range((last - first) % 7 + 1))
    start = int(match["h1"]) * 60 + int(match["m1"] or 0)
    end = int(match["h2"]) * 60 + int(match["m2"] or 0)
    if not 0 <= start < end <= 24 * 60:
        raise ValueError(f"{text!r}: the hours must run forwards within one day (00:00-24:00)")
    zone = match["zone"] or "UTC"
    try:
        _zone(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{text!r}: unknown time zone {zone!r} (an IANA name such as Europe/Berlin)"
        ) from None
    return Rhythm(days, start, end, zone, "--business-hours")
