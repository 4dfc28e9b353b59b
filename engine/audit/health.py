"""Are any emails logging: the health alerts of a log, its gaps, and durations in words."""

from __future__ import annotations

import datetime as dt
import heapq
import re
from dataclasses import dataclass
from typing import Any

from whynolog.engine.audit.rhythm import Rhythm
from whynolog.engine.read.config import Config

UTC = dt.timezone.utc
DEFAULT_STALE_AFTER = dt.timedelta(hours=24)
NO_RECENT_LOGGING = "NO_RECENT_LOGGING"
CREDENTIALS_INVALID = "CREDENTIALS_INVALID"
MAX_GAPS = 5
MAX_GAP_CANDIDATES = 4096
"""Gaps kept while reading: the log's rhythm, known only at the end, picks those shown."""
Gap = tuple[float, str, str]
"""A gap between two entries: its seconds, its start and end (ISO texts)."""

_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(w|d|h|m|s)\s*", re.IGNORECASE)
_UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> dt.timedelta:
    """``24h``, ``3d``, ``90m``, ``1w``, ``1d12h`` as a duration; ``ValueError`` otherwise."""
    total, pos, stripped = 0.0, 0, text.strip()
    while pos < len(stripped):
        match = _DURATION.match(stripped, pos)
        if match is None:
            break
        total += float(match[1]) * _UNIT[match[2].lower()]
        pos = match.end()
    if not stripped or pos != len(stripped):
        raise ValueError(f"bad duration {text!r}: expected e.g. 24h, 3d, 90m or 1d12h")
    if total <= 0:
        raise ValueError(f"bad duration {text!r}: must be longer than zero")
    return dt.timedelta(seconds=total)


def describe_duration(delta: dt.timedelta) -> str:
    """A duration in words a person reads at a glance: ``3 d 4 h``, ``5 h 12 min``."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else f"{seconds} s"


@dataclass(frozen=True)
class Alert:
    """A health finding that needs someone to act."""

    code: str
    message: str
    threshold: str = ""  # the limit that was passed, when the alert has one

    def to_dict(self) -> dict[str, str]:
        data = {"code": self.code, "message": self.message}
        if self.threshold:
            data["threshold"] = self.threshold
        return data


def health_alerts(
    config: Config,
    last_entry: dt.datetime | None,
    last_log_ok: dt.datetime | None,
    as_of: dt.datetime,
    stale_after: dt.timedelta,
    alert_address: str | None = None,
    rhythm: Rhythm | None = None,
) -> list[Alert]:
    """ "Are ANY emails logging?": the alerts for a log whose last entries are these.

    ``alert_address`` is the address to name (default: the configuration's),
    so that a redacted report can name a pseudonym.
    """
    address = alert_address if alert_address is not None else config.alert_address
    reminders = (
        f"The integration sends a reminder about a bad password daily to "
        f"{address}: check that mailbox."
        if address
        else "No alert address is configured (integration.alert_address), so nobody "
        "gets the integration's daily reminders about a bad password: set one."
    )
    alerts: list[Alert] = []
    rhythm = rhythm or Rhythm()
    threshold = describe_duration(stale_after)
    if not rhythm.always:
        threshold += f" of the log's busy hours ({rhythm.describe()})"
    stale = last_log_ok is None or rhythm.busy_time(last_log_ok, as_of) > stale_after
    if stale:
        if last_log_ok is None:
            since = (
                "No entry of this log logged."
                if last_entry is not None
                else "The log has no entries at all."
            )
        else:
            since = (
                f"No email has logged since {_when(last_log_ok)}, "
                f"{describe_duration(as_of - last_log_ok)} before {_when(as_of)} "
                f"(threshold {threshold})."
            )
        if last_entry is not None and rhythm.busy_time(last_entry, as_of) > stale_after:
            since += (
                f" No entry at all has been written since {_when(last_entry)}: "
                "nothing is being processed."
            )
        alerts.append(
            Alert(
                NO_RECENT_LOGGING,
                (
                    f"{since} The admin password+token that drives the integration is probably "
                    f"bad (changed or expired): check it and enter it again in the integration's "
                    f"settings. {reminders}"
                ),
                threshold,
            )
        )
    if not config.credentials_valid:
        alerts.append(
            Alert(
                CREDENTIALS_INVALID,
                (
                    f"The configuration says the integration's admin password+token is invalid "
                    f"(integration.credentials: invalid in {config.path}): no email is processed "
                    f"and no admin-log entry is written until it is entered again. {reminders}"
                ),
            )
        )
    return alerts


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def keep_gap(gaps: list[Gap], previous: dt.datetime, when: dt.datetime) -> None:
    """Keep a gap between two entries in the min-heap ``gaps`` if it is among the longest."""
    gap = ((when - previous).total_seconds(), previous.isoformat(), when.isoformat())
    if len(gaps) < MAX_GAP_CANDIDATES:
        heapq.heappush(gaps, gap)
    else:
        heapq.heappushpop(gaps, gap)


def health_report(
    config: Config,
    as_of: dt.datetime,
    stale_after: dt.timedelta,
    rhythm: Rhythm,
    first_entry: dt.datetime | None,
    last_entry: dt.datetime | None,
    last_log_ok: dt.datetime | None,
    gaps: list[Gap],
    alert_address: str | None,
) -> dict[str, Any]:
    """Are any emails logging: the last entries, the alerts, past gaps in the log.

    ``alert_address``: the address alerts name (a pseudonym in a redacted report).
    """
    alerts = health_alerts(
        config, last_entry, last_log_ok, as_of, stale_after, alert_address, rhythm
    )
    # A gap counts only for the busy time it covers: a quiet weekend is no outage.
    busy_gaps = []
    for seconds, start, end in gaps:
        busy = rhythm.busy_time(dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end))
        if busy > stale_after:
            busy_gaps.append((busy, seconds, start, end))
    busy_gaps.sort(reverse=True)
    shown = [
        {
            "start": start,
            "end": end,
            "hours": round(seconds / 3600, 1),
            "duration": describe_duration(dt.timedelta(seconds=seconds)),
            "busy_hours": round(busy.total_seconds() / 3600, 1),
        }
        for busy, seconds, start, end in busy_gaps[:MAX_GAPS]
    ]

    def iso(moment: dt.datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    def age(moment: dt.datetime | None) -> str | None:
        if moment is None:
            return None
        words = describe_duration(as_of - moment)
        return f"{words} ago" if moment <= as_of else f"{words} after --as-of"

    return {
        "as_of": as_of.isoformat(),
        "stale_after": describe_duration(stale_after),
        "stale_after_hours": round(stale_after.total_seconds() / 3600, 2),
        "rhythm": rhythm.describe(),
        "first_entry": iso(first_entry),
        "last_entry": iso(last_entry),
        "last_entry_age": age(last_entry),
        "last_log_ok": iso(last_log_ok),
        "last_log_ok_age": age(last_log_ok),
        "alerts": [a.to_dict() for a in alerts],
        "gaps": shown,
    }
