"""The admin log as history: LOG_OK entries with Message-IDs make later copies duplicates."""

from __future__ import annotations

import io
from pathlib import Path

from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.facts.derive import duplicate_key
from whynolog.engine.read.adminlog import RejectedEntry
from whynolog.engine.read.config import load_config
from whynolog.engine.read.emails import Email
from whynolog.engine.read.history import logged_keys, message_id_key

HERE = Path(__file__).parent / "fixtures" / "diagnose"
LOGGED = load_rule_pack().logged_codes

LOG = b"""2026-11-16 09:00:00 Subject: Logged with an id
Message-ID:  <A1@Acme.com>
LOG_OK

2026-11-16 09:01:00 Subject: Logged without an id
From: alice@acme.com
To: bob@customer.com
LOG_OK

2026-11-16 09:02:00 Subject: Not logged
Message-ID: <b2@acme.com>
NOLOG_CONTENT

2026-11-16 09:03:00 Subject: Broken
Message-ID: <c3@acme.com>

2026-11-16 09:04:00 Subject: Logged again
Message-ID: <d4@acme.com>
LOG_OK
"""


def test_only_logged_entries_with_a_message_id_are_history() -> None:
    rejected: list[RejectedEntry] = []
    keys = list(logged_keys("-", LOGGED, stream=io.BytesIO(LOG), on_rejected=rejected.append))
    assert keys == [("message-id", "<a1@acme.com>"), ("message-id", "<d4@acme.com>")]
    assert [r.line for r in rejected] == [14]


def test_keys_match_the_duplicate_keys_of_emails() -> None:
    email = Email(
        sender="alice@acme.com", to=("bob@customer.com",), subject="x", message_id=" <A1@ACME.COM> "
    )
    assert duplicate_key(email) == message_id_key("<a1@acme.com>")


def test_every_log_format(tmp_path: Path) -> None:
    expected = [("message-id", "<w1@acme.com>")]
    for name in ("admin.log", "admin.csv", "admin.jsonl"):
        assert list(logged_keys(str(HERE / name), LOGGED)) == expected, name
    copy = tmp_path / "history.txt"
    copy.write_bytes((HERE / "admin.jsonl").read_bytes())
    assert list(logged_keys(str(copy), LOGGED, fmt="jsonl")) == expected


def test_a_copy_of_a_logged_email_is_a_duplicate() -> None:
    config = load_config(str(HERE / "org.yaml"))
    judge = Judge(config, load_rule_pack(), history=logged_keys(str(HERE / "admin.log"), LOGGED))
    copy = Email(
        sender="alice@acme.com",
        to=("bob@customer.com",),
        subject="Welcome aboard",
        message_id="<w1@acme.com>",
    )
    fresh = Email(
        sender="alice@acme.com",
        to=("bob@customer.com",),
        subject="Welcome aboard",
        message_id="<other@acme.com>",
    )
    assert judge.judge(copy, explain=False).outcome == "NOLOG_DUPLICATE"
    assert judge.judge(fresh, explain=False).outcome == "LOG_OK"
