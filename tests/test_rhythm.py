"""A log's rhythm: quiet nights and weekends are not outages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from whynolog.engine.audit.rhythm import Rhythm, learn, parse_business_hours

UTC = dt.timezone.utc


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC)  # 2026-11-16 is a Monday


def _office_log(weeks: int = 2) -> list[dt.datetime]:
    """Entries on weekdays from 08:00 to 17:00, none at night or at weekends."""
    times = []
    for week in range(weeks):
        for weekday in range(5):
            for hour in range(8, 17):
                day = dt.datetime(2026, 11, 2, tzinfo=UTC) + dt.timedelta(days=7 * week + weekday)
                times.append(day.replace(hour=hour, minute=15))
    return times


def _learned(times: list[dt.datetime]) -> Rhythm:
    hours = [0] * 24
    for t in times:
        hours[t.hour] += 1
    return learn(hours, {t.date() for t in times}, min(times), max(times))


def test_an_office_log_is_learned_as_weekdays_in_office_hours() -> None:
    rhythm = _learned(_office_log())
    assert rhythm.days == frozenset(range(5))
    assert (rhythm.start, rhythm.end) == (8 * 60, 17 * 60)
    assert rhythm.describe() == "Mon-Fri 08:00-17:00 UTC (learned from the log)"


def test_a_weekend_holds_no_busy_time() -> None:
    rhythm = _learned(_office_log())
    friday_evening, monday_morning = _at(20, 17), _at(23, 8)
    assert rhythm.busy_time(friday_evening, monday_morning) == dt.timedelta(0)
    assert rhythm.busy_time(_at(20, 16), _at(23, 9)) == dt.timedelta(hours=2)


def test_a_short_log_is_judged_around_the_clock() -> None:
    times = _office_log()[:10]
    rhythm = _learned(times)
    assert rhythm.always
    assert rhythm.busy_time(_at(20, 17), _at(23, 8)) == dt.timedelta(hours=63)


def test_a_log_busy_every_hour_is_around_the_clock() -> None:
    times = [_at(2, 0) + dt.timedelta(hours=h) for h in range(24 * 14)]
    assert _learned(times).describe() == "around the clock"


def test_business_hours_option() -> None:
    rhythm = parse_business_hours("Mon-Fri 08:00-18:00")
    assert rhythm.describe() == "Mon-Fri 08:00-18:00 UTC (--business-hours)"
    berlin = parse_business_hours("mon-sat 7-19 Europe/Berlin")
    assert berlin.days == frozenset(range(6))
    # 07:00-19:00 in Berlin (UTC+1 in November) is 06:00-18:00 UTC.
    assert berlin.busy_time(_at(16, 5), _at(16, 7)) == dt.timedelta(hours=1)
    wrapping = parse_business_hours("Sat-Mon 10-12")
    assert wrapping.days == frozenset({5, 6, 0})


@pytest.mark.parametrize(
    "text", ["weekdays", "Mon-Fri", "Mon-Fri 18-08", "Mon-Fri 8-18 Mars/Olympus", "Xyz 8-9"]
)
def test_business_hours_mistakes_are_explained(text: str) -> None:
    with pytest.raises(ValueError, match=r"Mon-Fri 08:00-18:00|forwards|time zone"):
        parse_business_hours(text)


@given(
    st.integers(min_value=0, max_value=60 * 24 * 60),
    st.integers(min_value=0, max_value=60 * 24 * 60),
    st.integers(min_value=0, max_value=60 * 24 * 60),
)
def test_busy_time_adds_up_and_never_exceeds_the_wall_clock(a: int, b: int, c: int) -> None:
    rhythm = parse_business_hours("Mon-Fri 09:00-17:30")
    t0 = _at(2, 0)
    x, y, z = sorted(t0 + dt.timedelta(minutes=m) for m in (a, b, c))
    assert rhythm.busy_time(x, z) == rhythm.busy_time(x, y) + rhythm.busy_time(y, z)
    assert dt.timedelta(0) <= rhythm.busy_time(x, z) <= z - x


# --- the diagnosis judges health by the rhythm ----------------------------------------


def _write_log(path: Path, times: list[dt.datetime]) -> Path:
    entries = [f"{t:%Y-%m-%d %H:%M:%S} Subject: note {i}\nLOG_OK\n" for i, t in enumerate(times)]
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def _health(log: Path, as_of: str, *options: str) -> dict[str, Any]:
    from typer.testing import CliRunner

    from whynolog.cli.app import app

    config = Path(__file__).parents[1] / "cli" / "starter" / "org.yaml"
    args = ["diagnose", str(log), "-c", str(config), "--as-of", as_of, "-f", "json", *options]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["health"]  # type: ignore[no-any-return]


def test_a_quiet_weekend_is_no_outage(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "admin.log", _office_log(weeks=2))  # ends Fri 13 Nov 16:15
    health = _health(log, "2026-11-15T20:00:00Z", "--stale-after", "8h")
    assert health["alerts"] == []
    assert health["gaps"] == []  # nights and the first weekend neither
    assert health["rhythm"] == "Mon-Fri 08:00-17:00 UTC (learned from the log)"


def test_an_outage_in_busy_hours_alerts_naming_its_threshold(tmp_path: Path) -> None:
    times = [t for t in _office_log(weeks=2) if t < dt.datetime(2026, 11, 11, 10, tzinfo=UTC)]
    log = _write_log(tmp_path / "admin.log", times)
    health = _health(log, "2026-11-12T12:00:00Z", "--stale-after", "8h")
    [alert] = health["alerts"]
    assert alert["code"] == "NO_RECENT_LOGGING"
    threshold = "8 h of the log's busy hours (Mon-Fri 08:00-17:00 UTC (learned from the log))"
    assert alert["threshold"] == threshold
    assert f"(threshold {threshold})" in alert["message"]


def test_business_hours_replace_the_learned_rhythm(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "admin.log", _office_log(weeks=2))
    health = _health(
        log, "2026-11-15T20:00:00Z", "--stale-after", "8h", "--business-hours", "Mon-Sun 8-17"
    )
    [alert] = health["alerts"]
    assert "Mon-Sun 08:00-17:00 UTC (--business-hours)" in alert["threshold"]
