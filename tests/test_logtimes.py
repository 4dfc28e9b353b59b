"""The admin-log time reader: every written form reads back as the moment written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from whynolog.engine.read.logtimes import (
    ZONE_ABBREVIATIONS,
    DateOrder,
    TimeReader,
    UndecidedDateOrder,
    zone_of,
)

UTC = dt.timezone.utc
moments = st.datetimes(
    min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2099, 12, 31), timezones=st.just(UTC)
).map(lambda m: m.replace(microsecond=0))
offsets = st.integers(min_value=-14 * 4, max_value=14 * 4).map(
    lambda q: dt.timedelta(minutes=15 * q)
)


def _us(m: dt.datetime) -> str:
    return (
        f"{m.month}/{m.day}/{m.year} {m.hour % 12 or 12}:{m:%M:%S} {'AM' if m.hour < 12 else 'PM'}"
    )


FORMS: dict[str, tuple[Callable[[dt.datetime], str], str | None]] = {
    "iso": (lambda m: f"{m:%Y-%m-%d %H:%M:%S}", None),
    "iso T": (lambda m: f"{m:%Y-%m-%dT%H:%M:%S}", None),
    "us": (_us, "mdy"),
    "us lower, no space": (lambda m: _us(m).replace(" AM", "am").replace(" PM", "pm"), "mdy"),
    "day first slashed": (lambda m: f"{m.day}/{m.month}/{m.year} {m:%H:%M:%S}", "dmy"),
    "dotted": (lambda m: f"{m.day}.{m.month}.{m.year} {m:%H:%M:%S}", None),
    "year first slashed": (lambda m: f"{m:%Y/%m/%d}  {m:%H:%M:%S}", None),
}


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@given(moments, st.sampled_from(sorted(FORMS)))
def test_each_form_reads_back(moment: dt.datetime, form: str) -> None:
    show, order = FORMS[form]
    assert TimeReader(order=order).parse(show(moment)) == moment  # type: ignore[arg-type]


@given(moments, st.sampled_from(sorted(FORMS)), offsets)
def test_each_form_with_an_offset_reads_back(
    moment: dt.datetime, form: str, offset: dt.timedelta
) -> None:
    show, order = FORMS[form]
    local = moment.astimezone(dt.timezone(offset))
    text = f"{show(local)} {_offset_text(offset)}"
    assert TimeReader(order=order).parse(text) == moment  # type: ignore[arg-type]


@given(moments, st.sampled_from(sorted(ZONE_ABBREVIATIONS)))
def test_abbreviations_read_back(moment: dt.datetime, abbreviation: str) -> None:
    local = moment.astimezone(dt.timezone(dt.timedelta(hours=ZONE_ABBREVIATIONS[abbreviation])))
    assert TimeReader().parse(f"{local:%Y-%m-%d %H:%M:%S} {abbreviation}") == moment


@given(moments, st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata"]))
def test_zone_less_times_are_in_the_given_zone(moment: dt.datetime, name: str) -> None:
    zone = zone_of(name)
    local = moment.astimezone(zone)
    if local.fold or local.replace(fold=1).utcoffset() != local.utcoffset():
        return  # the hour a clock goes back is written twice; a log cannot tell them apart
    assert TimeReader(zone).parse(f"{local:%Y-%m-%d %H:%M:%S}") == moment


@given(st.text(max_size=60))
def test_any_text_is_a_time_or_a_value_error(text: str) -> None:
    reader = TimeReader()
    try:
        when = reader.parse(text)
    except (ValueError, UndecidedDateOrder):
        return
    assert when.tzinfo is UTC


@given(st.integers(1, 12), st.integers(1, 12), st.integers(13, 28))
def test_the_first_day_above_12_decides_the_order(a: int, b: int, day: int) -> None:
    reader = TimeReader()
    with pytest.raises(UndecidedDateOrder):
        reader.parse(f"{a}/{b}/2026 10:00")
    assert reader.parse(f"{a}/{day}/2026 10:00").day == day
    assert reader.order == "mdy"
    assert reader.parse(f"{a}/{b}/2026 10:00") == dt.datetime(2026, a, b, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"month must be in 1\.\.12"):
        reader.parse(f"{day}/{a}/2026 10:00")


@pytest.mark.parametrize(
    ("text", "order", "message"),
    [
        ("2026-11-20 10:00 XYZ", None, "unknown time zone 'XYZ'"),
        ("11/20/2026 13:00 PM", None, "hour 13 with AM/PM"),
        ("2026-11-20 10:00 +24:00", None, "offset must be a timedelta strictly between"),
        ("2026-11-20 10:00 +01:75", None, "bad zone offset"),
        ("20/11/2026 10:00", "ymd", "does not match --date-order ymd"),
        ("20/13/2026 10:00", None, "neither number of the date can be the month"),
        ("2026-11-20", None, "expected a date and time"),
    ],
)
def test_bad_times_say_why(text: str, order: DateOrder | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TimeReader(order=order).parse(text)


def test_unknown_tz_names_an_example() -> None:
    with pytest.raises(ValueError, match="IANA name such as Europe/Berlin"):
        zone_of("Mars/Olympus")
    assert zone_of(None) is UTC and zone_of("utc") is UTC
