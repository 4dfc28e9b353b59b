"""The diagnosis: statuses of single entries, aggregates, health alerts, pseudonyms."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from whynolog.engine.audit import diagnosis as diag
from whynolog.engine.audit import mismatches
from whynolog.engine.audit.diagnosis import Diagnosis, outcome_meaning
from whynolog.engine.audit.health import (
    CREDENTIALS_INVALID,
    NO_RECENT_LOGGING,
    describe_duration,
    health_alerts,
    parse_duration,
)
from whynolog.engine.audit.prediction import Predictor
from whynolog.engine.audit.redaction import Redactor
from whynolog.engine.audit.rows import iso_time, iso_times, utc_midnight
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry, read_log
from whynolog.engine.read.config import load_config

HERE = Path(__file__).parent / "fixtures" / "diagnose"
UTC = dt.timezone.utc
CASES = yaml.safe_load((HERE / "statuses.yaml").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def config() -> Any:
    return load_config(str(HERE / "org.yaml"))


@pytest.fixture(scope="module")
def pack() -> Any:
    return load_rule_pack()


def entry(line: int = 1, when: str = "2026-11-16T09:00:00", **fields: Any) -> LogEntry:
    """A log entry; ``from``/``to``/``cc`` as in the log, absent when not recorded."""
    return LogEntry(
        line=line,
        time=dt.datetime.fromisoformat(when).replace(tzinfo=UTC),
        subject=fields.get("subject", ""),
        outcome=fields["outcome"],
        sender=fields.get("from"),
        to=tuple(fields["to"]) if "to" in fields else None,
        cc=tuple(fields["cc"]) if "cc" in fields else None,
        message_id=fields.get("message_id"),
        user=fields.get("user"),
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_status_of_one_entry(case: dict[str, Any], config: Any, pack: Any) -> None:
    prediction = Predictor(config, pack).predict(entry(**case["entry"]))
    assert prediction.status == case["status"]
    if "predicted" in case:
        assert prediction.outcome == case["predicted"]
    for code in case.get("possible_includes", ()):
        assert code in prediction.possible
    if case["status"] == "undetermined":
        assert len(prediction.possible) > 1
        assert case["entry"]["outcome"] in prediction.possible
    if case["status"] == "disagree":
        assert prediction.causes
        assert case["entry"]["outcome"] not in prediction.possible or prediction.outcome
    if "cause_kind" in case:
        assert prediction.cause_kind == case["cause_kind"]
    if "cause_contains" in case:
        assert any(case["cause_contains"] in c for c in prediction.causes), prediction.causes


def run(config: Any, pack: Any, path: Path, **options: Any) -> tuple[Diagnosis, list[Any]]:
    diagnosis = Diagnosis(config, **options)
    rows = list(diagnosis.feed(read_log(str(path)), Predictor(config, pack)))
    return diagnosis, rows


def test_diagnosis_counts_every_entry_and_keeps_rejected_with_lines(config: Any, pack: Any) -> None:
    diagnosis, rows = run(
        config, pack, HERE / "admin.log", as_of=dt.datetime(2026, 11, 20, 12, tzinfo=UTC)
    )
    out = diagnosis.summary()
    assert out["total"] == 9
    assert out["agree"] + out["disagree"] + out["undetermined"] == out["total"]
    assert [r["line"] for kind, r in rows if kind == "rejected"] == [23, 36]
    lines = [r["line"] for _, r in rows]
    assert lines == sorted(lines)  # rejected rows among the entries' rows, in log order
    assert [r["line"] for r in out["rejected"]] == [23, 36]
    assert out["rejected_count"] == 2
    assert "no outcome code" in out["rejected"][0]["reason"]
    assert "month must be in 1..12" in out["rejected"][1]["reason"]
    statuses = {r["subject"]: r["status"] for kind, r in rows if kind == "entry"}
    assert statuses["Out of office until Monday"] == "disagree"
    assert statuses["Demo recording"] == "undetermined"
    assert statuses["Hello from Pat"] == "disagree"
    # The second copy's Message-ID differs only in case: a duplicate of the first.
    assert statuses["Welcome aboard"] == "agree"
    assert (
        sum(
            1
            for k, r in rows
            if k == "entry" and r["logged"] == "NOLOG_DUPLICATE" and r["status"] == "agree"
        )
        == 1
    )


def test_a_batch_is_counted_as_its_entries_one_by_one(config: Any, pack: Any) -> None:
    """A batch (rejected items among its entries, days apart) gives the counts of its
    entries added one at a time."""
    as_of = dt.datetime(2026, 11, 20, 12, tzinfo=UTC)
    batched, _ = run(config, pack, HERE / "admin.log", as_of=as_of)
    one_by_one = Diagnosis(config, as_of=as_of)
    predictor = Predictor(config, pack)
    for item in read_log(str(HERE / "admin.log")):
        if isinstance(item, RejectedEntry):
            one_by_one.reject(item)
        else:
            one_by_one.add(item, predictor.predict(item))
    assert batched.summary() == one_by_one.summary()


def test_aggregates(config: Any, pack: Any) -> None:
    diagnosis, _ = run(
        config, pack, HERE / "admin.log", as_of=dt.datetime(2026, 11, 20, 12, tzinfo=UTC)
    )
    out = diagnosis.summary()
    assert out["by_outcome"] == {
        "LOG_OK": 5,
        "NOLOG_DUPLICATE": 1,
        "NOLOG_NO_RECIPS": 1,
        "NOLOG_NO_USERS": 2,
    }
    assert out["by_day"]["2026-11-16"]["LOG_OK"] == 3
    assert set(out["by_day"]) == {"2026-11-16", "2026-11-17", "2026-11-20"}
    # Every day of the span is listed, so a stop shows as days without entries.
    assert out["days"][:5] == ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
    assert out["day_totals"]["2026-11-18"] == 0
    assert out["by_user"]["Alice Smith"]["LOG_OK"] == 2  # by User: line, then by sender
    assert sum(c["count"] for c in out["matrix"]) == out["total"]
    cells = {(c["predicted"], c["logged"]): c["count"] for c in out["matrix"]}
    assert cells[("LOG_OK", "LOG_OK")] == 2
    assert cells[("NOLOG_NO_USERS", "LOG_OK")] == 1
    groups = out["mismatches"]["groups"]
    assert sum(g["count"] for g in groups) == out["disagree"] == 2
    assert out["mismatches"]["by_kind"] == {"configuration": 2}
    assert {g["examples"][0]["line"] for g in groups} == {12, 18}
    assert out["health"]["gaps"][0]["start"].startswith("2026-11-17T11:00")
    assert out["health"]["gaps"][0]["end"].startswith("2026-11-20T08:00")


def test_memory_stays_bounded(config: Any, pack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups, examples, samples and kept rejected rows stop growing at their caps."""
    monkeypatch.setattr(diag, "MAX_GROUPS", 1)
    monkeypatch.setattr(diag, "SAMPLE_ENTRIES", 3)
    monkeypatch.setattr(diag, "MAX_REJECTED_KEPT", 1)
    monkeypatch.setattr(mismatches, "EXAMPLES_PER_GROUP", 1)
    diagnosis = Diagnosis(config)
    predictor = Predictor(config, pack)
    for i in range(50):
        diagnosis.add(
            e := entry(line=i, subject=f"Out of office {i}", outcome="LOG_OK"), predictor.predict(e)
        )
        diagnosis.add(
            e := entry(
                line=i,
                **{"from": "pat@customer.com"},
                to=["carol@acme.com"],
                subject=f"Hi {i}",
                outcome="LOG_OK",
            ),
            predictor.predict(e),
        )
        diagnosis.reject(RejectedEntry(i, "bad"))
    out = diagnosis.summary()
    assert out["disagree"] == 100
    assert len(diagnosis.groups) <= 2  # one itemised, one for the further causes
    assert all(len(g["examples"]) == 1 for g in out["mismatches"]["groups"])
    assert sum(g["count"] for g in out["mismatches"]["groups"]) == 100
    assert len(diagnosis.sample) == 3 and out["sample"] == []  # too many to list
    assert out["rejected_count"] == 50 and len(out["rejected"]) == 1


# --- health -----------------------------------------------------------------------------


def test_no_recent_logging_names_the_password_and_the_alert_address(config: Any) -> None:
    last = dt.datetime(2026, 11, 20, 9, tzinfo=UTC)
    alerts = health_alerts(config, last, last, last + dt.timedelta(days=3), dt.timedelta(hours=24))
    assert [a.code for a in alerts] == [NO_RECENT_LOGGING]
    message = alerts[0].message
    assert "admin password+token" in message and "probably bad" in message
    assert "daily" in message and "crm-admin@acme.com" in message
    assert "3 d" in message


def test_recent_logging_is_healthy(config: Any) -> None:
    last = dt.datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert (
        health_alerts(config, last, last, last + dt.timedelta(hours=23), dt.timedelta(hours=24))
        == []
    )


def test_no_log_ok_at_all_is_an_alert(config: Any) -> None:
    last = dt.datetime(2026, 11, 20, 9, tzinfo=UTC)
    alerts = health_alerts(config, last, None, last, dt.timedelta(hours=24))
    assert [a.code for a in alerts] == [NO_RECENT_LOGGING]
    assert "No entry of this log logged" in alerts[0].message
    empty = health_alerts(config, None, None, last, dt.timedelta(hours=24))
    assert "no entries at all" in empty[0].message


def test_credentials_invalid_and_no_alert_address() -> None:
    config = load_config(str(HERE / "org-invalid.yaml"))
    now = dt.datetime(2026, 11, 20, 9, tzinfo=UTC)
    alerts = health_alerts(config, now, now, now, dt.timedelta(hours=24))
    assert [a.code for a in alerts] == [CREDENTIALS_INVALID]
    assert "integration.credentials: invalid" in alerts[0].message
    assert "No alert address is configured" in alerts[0].message


def test_as_of_before_the_log_is_not_stale(config: Any) -> None:
    last = dt.datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert (
        health_alerts(config, last, last, last - dt.timedelta(days=5), dt.timedelta(hours=1)) == []
    )


# --- durations, meanings, pseudonyms --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("24h", 24),
        ("3d", 72),
        ("90m", 1.5),
        ("1w", 168),
        ("1d12h", 36),
        (" 2 D ", 48),
        ("0.5h", 0.5),
    ],
)
def test_parse_duration(text: str, hours: float) -> None:
    assert parse_duration(text) == dt.timedelta(hours=hours)


@pytest.mark.parametrize("text", ["", "24", "h", "3 days", "-1h", "0h", "1h junk"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_describe_duration() -> None:
    assert describe_duration(dt.timedelta(days=3, hours=4, minutes=5)) == "3 d 4 h"
    assert describe_duration(dt.timedelta(hours=5, minutes=12)) == "5 h 12 min"
    assert describe_duration(dt.timedelta(seconds=42)) == "42 s"


def test_outcome_meanings(pack: Any) -> None:
    assert "another address" in outcome_meaning("LOG_OK")["remedy"]
    assert "ignore list" in outcome_meaning("NOLOG_ALL_IGNORED", pack)["meaning"]
    assert "no rule" in outcome_meaning("NOLOG_QUARANTINED", pack)["meaning"].lower()
    custom = dataclasses.replace(
        pack.rules[-1], id="held", outcome="HELD", description="Held for review."
    )
    extended = dataclasses.replace(pack, rules=(*pack.rules, custom))
    assert outcome_meaning("HELD", extended)["meaning"] == "Held for review."


def test_redactor_is_stable_keyed_and_thorough() -> None:
    one = Redactor(b"k1", names=["Alice Smith"])
    again = Redactor(b"k1")
    other = Redactor(b"k2")
    alias = one.address("Alice@Acme.com")
    assert alias == one.address("alice@acme.com") == again.address("alice@acme.com")
    assert alias != other.address("alice@acme.com")
    assert alias.endswith("@redacted.invalid") and alias.startswith("user-")
    assert one.address("bob@x.com") != alias
    text = one.text('Re: call alice@acme.com, <bob@customer.com> or "Alice Smith" (Dan)')
    assert "alice@acme.com" not in text and "bob@customer.com" not in text
    assert "Alice Smith" not in text and "person-" in text
    assert "(Dan)" in text and text.startswith("Re: call user-")
    assert one.text("no address @ all, a@b") == "no address @ all, a@b"


def test_redacted_diagnosis_keeps_no_address(config: Any, pack: Any) -> None:
    redactor = Redactor(b"key", names=[u.name for u in config.users])
    diagnosis, rows = run(
        config,
        pack,
        HERE / "admin.log",
        redactor=redactor,
        as_of=dt.datetime(2026, 11, 30, tzinfo=UTC),
    )
    text = repr(rows) + repr(diagnosis.summary())
    for secret in ("alice@acme.com", "crm-admin@acme.com", "bob@customer.com", "Alice Smith"):
        assert secret not in text
    assert redactor.address("crm-admin@acme.com") in text  # the alert still names a mailbox


_DAYS: dict[dt.date, str] = {}


_ZONES = st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=2))])


@given(st.datetimes(timezones=_ZONES), st.booleans())
def test_row_times_are_the_iso_times(when: dt.datetime, whole: bool) -> None:
    """The fast time text of JSON rows is exactly ``isoformat()``, whatever the time."""
    if whole:
        when = when.replace(microsecond=0)
    assert iso_time(when, _DAYS) == when.isoformat()


@given(
    st.datetimes(timezones=_ZONES),
    st.lists(st.integers(0, 2 * 86_400), min_size=1, max_size=40),
    st.booleans(),
)
def test_a_batch_of_row_times_is_the_iso_times(
    start: dt.datetime, seconds: list[int], whole: bool
) -> None:
    """A batch's time texts are exactly ``isoformat()``: within one day or across midnight,
    in whole UTC seconds or not."""
    if whole:
        start = start.replace(microsecond=0)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    times = [max(start, midnight + dt.timedelta(seconds=s)) for s in seconds]
    found = utc_midnight(times, min(times), max(times))
    if found is not None:
        assert {when.date() for when in times} == {found.date()}
    assert iso_times(times, found, _DAYS) == [when.isoformat() for when in times]
