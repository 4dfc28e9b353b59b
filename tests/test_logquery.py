"""The admin-log search box: time bounds, filters and how they combine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from whynolog.engine.audit.logquery import LogQuery, parse_when
from whynolog.engine.read.adminlog import LogEntry, read_log

UTC = dt.timezone.utc
LOG = Path(__file__).parent / "fixtures" / "logs" / "admin.log"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def entry(**fields: object) -> LogEntry:
    base: dict[str, object] = {
        "line": 1,
        "time": at(2026, 11, 20, 14, 3, 11),
        "subject": "Re: Q4 renewal",
        "outcome": "LOG_OK",
    }
    base.update(fields)
    return LogEntry(**base)  # type: ignore[arg-type]


def fixture_entries() -> list[LogEntry]:
    return [e for e in read_log(str(LOG)) if isinstance(e, LogEntry)]


# --- parse_when --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2026-11-20", False, at(2026, 11, 20)),
        ("2026-11-20", True, dt.datetime(2026, 11, 20, 23, 59, 59, 999999, UTC)),
        (" 2026-11-20 ", True, dt.datetime(2026, 11, 20, 23, 59, 59, 999999, UTC)),
        ("2026-11-20T14:00", False, at(2026, 11, 20, 14)),
        ("2026-11-20T14:00", True, at(2026, 11, 20, 14)),
        ("2026-11-20 14:00:00", False, at(2026, 11, 20, 14)),
        ("2026-11-20 14:00:00Z", False, at(2026, 11, 20, 14)),
        ("2026-11-20 14:00:00 UTC", False, at(2026, 11, 20, 14)),
        ("2026-11-20T14:00+01:00", False, at(2026, 11, 20, 13)),
        ("2026-11-20T14:00:00.5-02:00", False, dt.datetime(2026, 11, 20, 16, 0, 0, 500000, UTC)),
        ("9999-12-31", True, dt.datetime(9999, 12, 31, 23, 59, 59, 999999, UTC)),
    ],
)
def test_parse_when(text: str, end: bool, expected: dt.datetime) -> None:
    assert parse_when(text, end=end) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "bad date/time '': expected YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DD HH:MM:SS"),
        ("yesterday", "bad date/time 'yesterday': expected YYYY-MM-DD"),
        ("20/11/2026", "bad date/time '20/11/2026': expected"),
        ("2026-11-20 14", "bad date/time '2026-11-20 14': expected"),
        ("2026-13-01", "bad date '2026-13-01': month must be in 1..12"),
        ("2026-11-20T25:00", "bad date/time '2026-11-20T25:00': hour must be in 0..23"),
        ("2026-11-20T10:00+24:00", "bad date/time"),
    ],
)
def test_parse_when_rejects_bad_input(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_when(text)
    assert str(caught.value).startswith(message)


# --- LogQuery ----------------------------------------------------------------------------------


def test_empty_query_matches_everything() -> None:
    assert all(LogQuery().matches(e) for e in fixture_entries())


def test_subject_is_a_case_insensitive_substring() -> None:
    q = LogQuery(subject="q4 RENEWAL")
    assert q.matches(entry(subject="Re: Q4 renewal"))
    assert not q.matches(entry(subject="Q4 renew"))
    assert LogQuery(subject="STRASSE").matches(entry(subject="Straße"))  # casefold
    assert LogQuery(subject="").matches(entry(subject=""))


def test_time_bounds_are_inclusive() -> None:
    e = entry(time=at(2026, 11, 20, 14, 0))
    assert LogQuery(since=at(2026, 11, 20, 14), until=at(2026, 11, 20, 14)).matches(e)
    assert not LogQuery(since=at(2026, 11, 20, 14, 0, 1)).matches(e)
    assert not LogQuery(until=at(2026, 11, 20, 13, 59, 59)).matches(e)


def test_bare_date_bounds_cover_whole_days() -> None:
    q = LogQuery.from_options(since="2026-11-20", until="2026-11-20")
    assert q.matches(entry(time=at(2026, 11, 20, 0, 0)))
    assert q.matches(entry(time=dt.datetime(2026, 11, 20, 23, 59, 59, 999999, UTC)))
    assert not q.matches(entry(time=at(2026, 11, 21)))
    assert not q.matches(entry(time=at(2026, 11, 19, 23, 59, 59)))


def test_naive_bounds_are_utc() -> None:
    q = LogQuery(since=dt.datetime(2026, 11, 20, 14))
    assert q.since == at(2026, 11, 20, 14)
    assert q.matches(entry(time=at(2026, 11, 20, 14)))


def test_since_after_until_is_refused() -> None:
    with pytest.raises(ValueError, match="is after"):
        LogQuery(since=at(2026, 11, 21), until=at(2026, 11, 20))


def test_outcomes_are_codes_or_globs_ignoring_case() -> None:
    assert LogQuery(outcomes=("LOG_OK",)).matches(entry())
    assert LogQuery(outcomes=("log_ok",)).matches(entry())
    assert not LogQuery(outcomes=("NOLOG_*",)).matches(entry())
    assert LogQuery(outcomes=("nolog_*",)).matches(entry(outcome="NOLOG_CONTENT"))
    assert LogQuery(outcomes=("NOLOG_CONTENT", "LOG_OK")).matches(entry())
    assert LogQuery(outcomes=("NOLOG_NO_?SERS",)).matches(entry(outcome="NOLOG_NO_USERS"))
    assert not LogQuery(outcomes=("LOG",)).matches(entry())  # a code is not a substring
    assert LogQuery(outcomes="LOG_OK").outcomes == ("LOG_OK",)  # type: ignore[arg-type]


def test_address_matches_any_participant() -> None:
    e = entry(
        sender="alice@acme.com",
        to=("bob@customer.com",),
        cc=("dan@eu.partner.io",),
        user="Erin <Erin@Acme.com>",
    )
    for wanted in (
        "alice@acme.com",
        "BOB@customer.com",
        '"Dan D" <Dan@EU.partner.io>',
        "erin@acme.com",
    ):
        assert LogQuery(address=wanted).matches(e), wanted
    assert not LogQuery(address="carol@acme.com").matches(e)
    assert not LogQuery(address="alice@acme.co").matches(e)


def test_address_domains_cover_subdomains_only() -> None:
    e = entry(cc=("dan@eu.partner.io",))
    for wanted in ("partner.io", "@partner.io", "@EU.Partner.io", "@io"):
        assert LogQuery(address=wanted).matches(e), wanted
    for wanted in ("rtner.io", "@xeu.partner.io", "partner.io.evil", "@us.partner.io"):
        assert not LogQuery(address=wanted).matches(e), wanted


def test_address_needs_a_recorded_participant() -> None:
    stripped = entry()  # privacy-stripped: no participants at all
    assert not LogQuery(address="alice@acme.com").matches(stripped)
    assert not LogQuery(address="acme.com").matches(stripped)
    named_user = entry(user="Alice Smith")  # a user name is not an address
    assert not LogQuery(address="alice@acme.com").matches(named_user)


@pytest.mark.parametrize("bad", ["alice@", "@", "two words", "a@b@c"])
def test_bad_address_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not an email address or domain"):
        LogQuery(address=bad)


def test_blank_address_means_no_filter() -> None:
    assert LogQuery(address="  ").matches(entry())


def test_all_filters_must_hold() -> None:
    q = LogQuery.from_options(
        subject="renewal",
        since="2026-11-20",
        until="2026-11-20T15:00",
        outcomes=["NOLOG_CONTENT,log_ok"],
        address="@acme.com",
    )
    e = entry(sender="alice@acme.com")
    assert q.matches(e)
    assert not q.matches(entry(sender="alice@acme.com", subject="other"))
    assert not q.matches(entry(sender="alice@acme.com", time=at(2026, 11, 20, 15, 0, 1)))
    assert not q.matches(entry(sender="alice@acme.com", outcome="NOLOG_DUPLICATE"))
    assert not q.matches(entry(sender="alice@other.com"))


def test_from_options_reports_bad_times() -> None:
    with pytest.raises(ValueError, match="bad date/time 'soon'"):
        LogQuery.from_options(since="soon")


def test_searching_the_fixture_log() -> None:
    entries = fixture_entries()

    def search(**options: object) -> list[int]:
        q = LogQuery.from_options(**options)  # type: ignore[arg-type]
        return [e.line for e in entries if q.matches(e)]

    assert search(subject="contract draft") == [43, 49, 97, 101]
    assert search(outcomes=["NOLOG_*"], since="2026-11-20") == [82, 91, 94, 101, 110]
    assert search(until="2026-11-16", outcomes=["log_ok"]) == [1, 8, 43]
    assert search(address="partner.io") == [8, 54, 74]
    assert search(address="acme.com", outcomes=["NOLOG_NO_RECIPS"]) == [18]
    # nothing logged between the outage's start and its end
    assert search(since="2026-11-17T10:10:11", until="2026-11-20T09:00") == []


# --- properties -------------------------------------------------------------------------------

_times = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31), timezones=st.just(UTC)
)
_codes = st.sampled_from(["LOG_OK", "NOLOG_CONTENT", "NOLOG_NO_USERS", "NOLOG_DUPLICATE"])
_addrs = st.sampled_from(["a@acme.com", "b@eu.acme.com", "c@other.org", "d@acme.com.evil.io"])
_entries = st.builds(
    LogEntry,
    line=st.just(1),
    time=_times,
    subject=st.text(max_size=12),
    outcome=_codes,
    sender=st.none() | _addrs,
    to=st.none() | st.lists(_addrs, max_size=2).map(tuple),
    cc=st.none() | st.lists(_addrs, max_size=2).map(tuple),
    user=st.none() | _addrs,
)
_queries = st.fixed_dictionaries(
    {},
    optional={
        "subject": st.text(max_size=3),
        "since": _times,
        "until": _times,
        "outcomes": st.lists(
            st.sampled_from(["LOG_OK", "nolog_*", "NOLOG_NO_*", "X"]), min_size=1, max_size=2
        ).map(tuple),
        "address": st.sampled_from(["acme.com", "@eu.acme.com", "A@ACME.COM", "other.org"]),
    },
)


@given(_queries, _entries)
def test_a_query_is_the_conjunction_of_its_filters(query: dict[str, object], e: LogEntry) -> None:
    since, until = query.get("since"), query.get("until")
    if isinstance(since, dt.datetime) and isinstance(until, dt.datetime) and since > until:
        query["since"], query["until"] = until, since
    whole = LogQuery(**query).matches(e)  # type: ignore[arg-type]
    parts = [LogQuery(**{key: value}).matches(e) for key, value in query.items()]  # type: ignore[arg-type]
    assert whole == all(parts)


@given(st.text(max_size=20), _entries)
def test_subject_filter_is_casefolded_containment(text: str, e: LogEntry) -> None:
    assert LogQuery(subject=text).matches(e) == (text.casefold() in e.subject.casefold())


@given(st.text(max_size=30), st.booleans())
def test_parse_when_only_raises_value_error(text: str, end: bool) -> None:
    try:
        when = parse_when(text, end=end)
    except ValueError:
        return
    assert when.tzinfo is not None and when.utcoffset() == dt.timedelta(0)
