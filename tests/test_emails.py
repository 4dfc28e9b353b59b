"""Loading emails from YAML/JSON, .eml, mbox, directories and standard input."""

from __future__ import annotations

import base64
import datetime as dt
import time
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whynolog.engine.base.errors import InputError, InputErrors, Position
from whynolog.engine.base.yamlio import load_yaml
from whynolog.engine.read.emails import (
    MAX_ADDRESSES,
    MAX_BODY_CHARS,
    MAX_ERRORS,
    Email,
    decode_header_text,
    email_from_mapping,
    html_to_text,
    load_emails,
    sniff_kind,
)

EMAILS = Path(__file__).parent / "fixtures" / "emails"
UTC = dt.timezone.utc


def one(name: str) -> Email:
    emails = load_emails(str(EMAILS / name))
    assert len(emails) == 1
    return emails[0]


def error_of(path: str, data: bytes) -> str:
    with pytest.raises(InputError) as info:
        load_emails(path, data)
    return str(info.value)


# ---------------------------------------------------------------------------
# RFC 5322 fixtures


def test_utf8_b_subject_encoded_display_names_and_folded_to() -> None:
    email = one("utf8_subject.eml")
    assert email.subject == "Réunion trimestrielle — budget 2027 ✓"
    assert email.sender == "zoe@customer.com"
    assert email.sender_display == "Zoë Ångström <Zoe@Customer.COM>"
    assert email.to == ("alice@acme.com", "juergen@acme.com", "bob@acme.com")
    assert email.cc == ("pat@partner.org",)
    assert email.bcc == ()
    assert email.message_id == "<20261120150300.4AbCdE@customer.com>"
    assert email.date == dt.datetime(2026, 11, 20, 14, 3, tzinfo=UTC)
    assert email.body == "Bonjour Alice,\n\nVoici l'ordre du jour de la réunion.\n"
    assert email.source == Position(str(EMAILS / "utf8_subject.eml"), 1, 1)


def test_iso_8859_1_q_subject_folded_over_lines_with_crlf() -> None:
    email = one("latin1_subject.eml")
    assert email.subject == "Grüße aus Köln und Zürich -- a long subject folded over three lines"
    assert email.sender == "rene.dupont@customer.fr"
    assert email.sender_display == '"Dupont, René" <rene.dupont@customer.fr>'  # raw 8-bit
    assert email.body == "Schöne Grüße aus Köln.\n"
    assert email.date == dt.datetime(2026, 11, 21, 14, 30, tzinfo=UTC)


def test_multipart_alternative_prefers_the_quoted_printable_text_part() -> None:
    email = one("multipart_alternative.eml")
    assert email.body == (
        "Hi Bob,\n\nThe renewal quote is €12,000 & valid until Friday. This line is long "
        "enough that quoted-printable has to wrap it with a soft line break.\n"
    )
    assert email.to == ("alice@acme.com",)


def test_html_only_message_gives_its_visible_text() -> None:
    body = one("html_only.eml").body
    assert body == (
        "What's new\nPrices <drop> by 10% this month.\nTo stop these emails, unsubscribe here."
    )
    for hidden in ("Vendor news", "font-family", "tracking", "never shown", "<p>"):
        assert hidden not in body


def test_windows_1252_body_and_encoded_display_name() -> None:
    email = one("windows1252.eml")
    assert email.body == "“Smart quotes” cost €5 – café\n"
    assert email.sender_display == "Café Owner <owner@cafe.example>"


def test_message_without_message_id_or_date() -> None:
    email = one("no_id_no_date.eml")
    assert (email.message_id, email.date) == (None, None)
    assert email.sender == "carol@acme.com"
    assert email.subject == "quick question"


def test_mbox_holds_three_messages_and_unescapes_from_lines() -> None:
    path = str(EMAILS / "three.mbox")
    emails = load_emails(path)
    assert [e.subject for e in emails] == ["First", "Second", "Third"]
    assert emails[0].body == "Hello Bob.\n"
    assert emails[1].body == (
        "Thanks Alice.\nFrom here on, we talk prices.\n>From the desk of Bob.\n"
    )
    assert emails[2].to == ("dave@customer.com", "eve@customer.com")
    assert [e.source.line for e in emails] == [2, 11, 22]
    assert emails[1].sender_display == "Bob Buyer <bob@customer.com>"


# ---------------------------------------------------------------------------
# YAML and JSON fixtures


def test_yaml_single_email() -> None:
    email = one("single.yaml")
    assert email == Email(
        sender="alice@acme.com",
        to=("bob@customer.com",),
        cc=("carol@customer.com", "dan@customer.com"),
        subject="Q4 renewal",
        body="See the attached quote.",
        message_id="<m1@acme.com>",
        date=dt.datetime(2026, 11, 20, 14, 3, tzinfo=UTC),
        sender_display="Alice Smith <Alice@Acme.com>",
        source=Position(str(EMAILS / "single.yaml"), 2, 1),
    )
    assert email.to_dict()["date"] == "2026-11-20T14:03:00+00:00"


def test_yaml_list_with_yaml_date_and_rfc_2822_string() -> None:
    first, second = load_emails(str(EMAILS / "list.yaml"))
    assert first.to == ("bob@customer.com",)
    assert first.date == dt.datetime(2026, 11, 20, tzinfo=UTC)
    assert second.date == dt.datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert (first.source.line, second.source.line) == (1, 5)


def test_yaml_emails_mapping_with_iso_offset() -> None:
    emails = load_emails(str(EMAILS / "mapping.yaml"))
    assert [e.subject for e in emails] == ["One", "Two"]
    assert emails[1].date == dt.datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert emails[1].date.tzinfo is UTC


def test_json_corpus() -> None:
    first, second = load_emails(str(EMAILS / "corpus.json"))
    assert first.sender == "pat@partner.org"
    assert first.message_id == "<j1@partner.org>"
    assert second.to == ("pat@partner.org",)
    assert second.body == "x"


def test_directory_reads_every_email_file_in_name_order(tmp_path: Path) -> None:
    emails = load_emails(str(EMAILS))
    assert len(emails) == 16
    assert emails[0].subject == "JSON one"  # corpus.json sorts first
    assert emails[-1].subject == "Invoice"  # windows1252.eml sorts last
    (tmp_path / "notes.txt").write_text("not an email")
    (tmp_path / "b.eml").write_bytes((EMAILS / "no_id_no_date.eml").read_bytes())
    (tmp_path / "a.yaml").write_text("from: zed@x.com\n")
    assert [e.sender for e in load_emails(str(tmp_path))] == ["zed@x.com", "carol@acme.com"]


def test_directory_without_email_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="directory holds no email files"):
        load_emails(str(tmp_path))


def test_directory_reports_every_bad_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("from: nobody\n")
    (tmp_path / "b.eml").write_text("")
    with pytest.raises(InputErrors) as info:
        load_emails(str(tmp_path))
    assert [str(e) for e in info.value.errors] == [
        f"{tmp_path / 'a.yaml'}:1:7: from: no email address in 'nobody'",
        f"{tmp_path / 'b.eml'}:1:1: empty message: expected RFC 5322 headers (From:, To:, ...)",
    ]


def test_missing_file_has_no_line() -> None:
    with pytest.raises(InputError) as info:
        load_emails("/nonexistent/mail.eml")
    assert info.value.position.line == 0
    assert str(info.value) == "/nonexistent/mail.eml: no such file"


# ---------------------------------------------------------------------------
# Standard input and sniffing


@pytest.mark.parametrize(
    "fixture",
    ["utf8_subject.eml", "three.mbox", "single.yaml", "corpus.json", "latin1_subject.eml"],
)
def test_stdin_sniffs_the_format(fixture: str) -> None:
    data = (EMAILS / fixture).read_bytes()
    from_stdin = load_emails("-", data)
    from_file = load_emails(str(EMAILS / fixture))
    assert [e.subject for e in from_stdin] == [e.subject for e in from_file]
    assert all(e.source.path == "<stdin>" for e in from_stdin)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"From alice@acme.com Thu Nov 19 10:00:00 2026\n", "mbox"),
        (b"Received: from x by y\n", "eml"),
        (b"Message-ID: <a@b>\n", "eml"),
        (b"X-Mailer: foo\n", "eml"),
        (b"From: Alice <a@b.com>\n", "eml"),
        (b"from: a@b.com\nto: [c@d.com]\n", "yaml"),
        (b"subject: hi\n", "yaml"),
        (b"- from: a@b.com\n", "yaml"),
        (b"emails: []\n", "yaml"),
        (b'{"from": "a@b.com"}', "yaml"),
        (b"# comment\nfrom: a@b.com\n", "yaml"),
        (b"\xef\xbb\xbfFrom: a@b.com\n", "eml"),
    ],
)
def test_sniff_kind(data: bytes, kind: str) -> None:
    assert sniff_kind(data) == kind


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "message.txt"
    path.write_bytes((EMAILS / "multipart_alternative.eml").read_bytes())
    assert load_emails(str(path))[0].subject == "Renewal quote"


# ---------------------------------------------------------------------------
# Mistakes in YAML/JSON, each at its position

ALLOWED = "allowed: bcc, body, cc, date, from, message_id, subject, to"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "from: a@b.com\nsubjet: Hi\n",
            f"m.yaml:2:1: unknown key 'subjet' (did you mean 'subject'?); {ALLOWED}",
        ),
        (
            "from: a@b.com\nmessage-id: x\n",
            f"m.yaml:2:1: unknown key 'message-id' (did you mean 'message_id'?); {ALLOWED}",
        ),
        ("from: a@b.com\nzzz: 1\n", f"m.yaml:2:1: unknown key 'zzz'; {ALLOWED}"),
        ("from: a@b.com\nsubject: [a, b]\n", "m.yaml:2:10: subject: expected a string, got a list"),
        ("from: a@b.com\nbody: 12\n", "m.yaml:2:7: body: expected a string, got a number (12)"),
        (
            "from: a@b.com\nmessage_id: true\n",
            "m.yaml:2:13: message_id: expected a string, got a boolean (True)",
        ),
        ("from: [a@b.com]\n", "m.yaml:1:7: from: expected a string, got a list"),
        ("to: [b@c.com]\nsubject: x\n", "m.yaml:1:1: 'from' is required (the sender's address)"),
        ("subject: x\nfrom:\n", "m.yaml:2:6: 'from' is required (the sender's address)"),
        ("from: Alice Smith\n", "m.yaml:1:7: from: no email address in 'Alice Smith'"),
        (
            "from: a@b.com\nto:\n  - b@c.com\n  - Bob\n",
            "m.yaml:4:5: to.1: no email address in 'Bob'",
        ),
        (
            "from: a@b.com\ncc: 'nobody, at all'\n",
            "m.yaml:2:6: cc: no email address in 'nobody, at all'",
        ),
        (
            "from: a@b.com\nbcc: 7\n",
            "m.yaml:2:6: bcc: expected a list of addresses or a string, got a number (7)",
        ),
        (
            "from: a@b.com\nto: [b@c.com, {x: 1}]\n",
            "m.yaml:2:15: to.1: expected an address string, got a mapping",
        ),
        (
            "from: a@b.com\ndate: yesterday\n",
            "m.yaml:2:7: date: 'yesterday' is not a date (use "
            "ISO 8601 like 2026-11-20T14:03:00Z or an RFC 2822 date)",
        ),
        (
            "from: a@b.com\ndate: 1700000000\n",
            "m.yaml:2:7: date: expected a date, got a number (1700000000)",
        ),
        (
            "from: a@b.com\ndate: '2026-11-31T10:00:00'\n",
            "m.yaml:2:8: date: '2026-11-31T10:00:00' "
            "is not a date (use ISO 8601 like 2026-11-20T14:03:00Z or an RFC 2822 date)",
        ),
        (
            "- from: a@b.com\n- from: x@y.com\n  cc: nobody\n",
            "m.yaml:3:7: 1.cc: no email address in 'nobody'",
        ),
        (
            "- from: a@b.com\n- just text\n",
            "m.yaml:2:3: 1: expected an email mapping, got the text 'just text'",
        ),
        (
            "emails:\n  - from: a@b.com\n    to: x\n",
            "m.yaml:3:9: emails.0.to: no email address in 'x'",
        ),
        (
            "emails:\n  - from: a@b.com\n    tto: x@y.com\n",
            f"m.yaml:3:5: emails.0: unknown key 'tto' (did you mean 'to'?); {ALLOWED}",
        ),
        ("emails: 5\n", "m.yaml:1:9: emails: expected a list of emails, got a number (5)"),
        (
            "emails: []\nfrom: a@b.com\n",
            "m.yaml:2:1: unknown key 'from' next to 'emails:'; allowed: emails",
        ),
        (
            "",
            "m.yaml:1:1: empty file: expected an email mapping with 'from:', a list of them, "
            "or 'emails:'",
        ),
        (
            "just some text\n",
            "m.yaml:1:1: expected an email mapping with 'from:', a list of them, "
            "or 'emails:', got the text 'just some text'",
        ),
    ],
)
def test_yaml_mistakes_are_reported_at_their_position(text: str, message: str) -> None:
    assert error_of("m.yaml", text.encode()) == message


def test_yaml_syntax_error_has_its_position() -> None:
    assert error_of("m.yaml", b"from: a@b.com\nsubject: [unclosed\n").startswith(
        "m.yaml:3:1: YAML syntax error: "
    )


def test_invalid_yaml_timestamp_is_an_input_error() -> None:
    assert error_of("m.yaml", b"from: a@b.com\ndate: 2026-02-30\n").startswith(
        "m.yaml:2:7: invalid value '2026-02-30'"
    )


def test_not_utf8_yaml_names_the_byte() -> None:
    assert (
        error_of("m.yaml", b"from: a@b.com\nsubject: caf\xe9\n")
        == "m.yaml:2:13: not UTF-8 text (byte 0xe9)"
    )


def test_json_mistakes_are_reported_at_their_position() -> None:
    text = b'{\n  "emails": [\n    {"from": "a@b.com",\n     "subjekt": "x"}\n  ]\n}\n'
    assert (
        error_of("c.json", text)
        == f"c.json:4:6: emails.0: unknown key 'subjekt' (did you mean 'subject'?); {ALLOWED}"
    )


def test_several_mistakes_are_reported_together_in_file_order() -> None:
    text = b"- from: nobody\n  date: soon\n- to: [a@b.com]\n  colour: red\n"
    with pytest.raises(InputErrors) as info:
        load_emails("m.yaml", text)
    assert [str(e).split(": ")[0] for e in info.value.errors] == [
        "m.yaml:1:9",
        "m.yaml:2:9",
        "m.yaml:3:3",
        "m.yaml:4:3",
    ]


def test_email_from_mapping_accepts_plain_and_positioned_mappings() -> None:
    email = email_from_mapping({"from": "Bob <BOB@X.COM>", "to": "a@b.com, c@d.com"}, "s.yaml")
    assert (email.sender, email.to, email.source) == (
        "bob@x.com",
        ("a@b.com", "c@d.com"),
        Position("s.yaml"),
    )
    suite = load_yaml("s.yaml", "cases:\n  - name: x\n    email:\n      from: nobody\n")
    with pytest.raises(InputError) as info:
        email_from_mapping(suite["cases"][0]["email"], "s.yaml", ["cases", 0, "email"])
    assert str(info.value) == "s.yaml:4:13: cases.0.email.from: no email address in 'nobody'"
    with pytest.raises(InputError, match="expected an email mapping, got a list"):
        email_from_mapping([], "s.yaml")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T14:03:00Z", dt.datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
        ("2026-11-20T14:03:00", dt.datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
        ("2026-11-20 16:03:00+02:00", dt.datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
        ("2026-11-20", dt.datetime(2026, 11, 20, tzinfo=UTC)),
        ("Fri, 20 Nov 2026 09:03:00 -0500", dt.datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
        ("20 Nov 2026 14:03:00 GMT", dt.datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
    ],
)
def test_date_strings(value: str, expected: dt.datetime) -> None:
    email = email_from_mapping({"from": "a@b.com", "date": value}, "m.yaml")
    assert email.date == expected
    assert email.date is not None and email.date.utcoffset() == dt.timedelta(0)


def test_yaml_values_are_normalised() -> None:
    email = load_emails(
        "m.yaml",
        b"from: '\"Smith, Bob\" <Bob@X.com>'\nto: Carol@Y.com\n"
        b"cc: ['\"Lee, Dan\" <DAN@z.com>, eve@z.com', dan@z.com]\n"
        b"message_id: '  '\n",
    )[0]
    assert email.sender == "bob@x.com"
    assert email.sender_display == '"Smith, Bob" <Bob@X.com>'
    assert email.to == ("carol@y.com",)
    assert email.cc == ("dan@z.com", "eve@z.com")
    assert email.message_id is None
    assert email.subject == "" and email.body == ""


# ---------------------------------------------------------------------------
# Messages that are not messages


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "m.eml:1:1: empty message: expected RFC 5322 headers (From:, To:, ...)"),
        (b"\n\n  \r\n", "m.eml:1:1: empty message: expected RFC 5322 headers (From:, To:, ...)"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "m.eml:1:1: not an email message: no RFC 5322 headers (like 'From: ...') at the start",
        ),
        (
            b"Dear Bob,\nthanks for the call.\n",
            "m.eml:1:1: not an email message: no RFC 5322 headers (like 'From: ...') at the start",
        ),
        (
            b"To: bob@x.com\nSubject: hi\n\nbody\n",
            "m.eml:1:1: not an email message: it has no From header",
        ),
        (
            b"To: bob@x.com\nSubject: hi\nFrom: Undisclosed\n\nbody\n",
            "m.eml:3:1: the From header holds no email address: 'Undisclosed'",
        ),
    ],
)
def test_not_a_message(data: bytes, message: str) -> None:
    assert error_of("m.eml", data) == message


def test_bad_message_inside_an_mbox_is_reported_at_its_line() -> None:
    data = (
        b"From a Thu Nov 19 10:00:00 2026\nFrom: a@b.com\n\nok\n\n"
        b"From b Thu Nov 19 10:00:00 2026\nTo: c@d.com\nFrom: nobody\n\nbad\n"
    )
    assert (
        error_of("m.mbox", data) == "m.mbox:8:1: the From header holds no email address: 'nobody'"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "m.mbox:1:1: empty mbox: no messages"),
        (
            b"From: a@b.com\n\nhi\n",
            "m.mbox:1:1: not an mbox file: it must start with a 'From ' line",
        ),
    ],
)
def test_not_an_mbox(data: bytes, message: str) -> None:
    assert error_of("m.mbox", data) == message


def test_bad_date_header_is_no_date() -> None:
    email = load_emails("m.eml", b"From: a@b.com\nDate: the day after tomorrow\n\nx\n")[0]
    assert email.date is None


def test_naive_date_header_is_utc() -> None:
    email = load_emails("m.eml", b"From: a@b.com\nDate: Fri, 20 Nov 2026 14:03:00 -0000\n\nx\n")[0]
    assert email.date == dt.datetime(2026, 11, 20, 14, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("charset", "payload", "body"),
    [
        ("x-klingon", "Grüße".encode(), "Grüße\n"),  # unknown: UTF-8 when it is
        ("x-klingon", "Grüße".encode("cp1252"), "Grüße\n"),  # ... else windows-1252
        ("us-ascii", "café".encode(), "café\n"),  # mislabelled 8-bit
        ("zlib", b"plain", "plain\n"),  # not a text encoding
        ("utf-8", b"caf\xe9", "caf\ufffd\n"),  # broken bytes are replaced
        ('"ISO-8859-15"', "€uro".encode("iso-8859-15"), "€uro\n"),
    ],
)
def test_body_charsets_never_crash(charset: str, payload: bytes, body: str) -> None:
    data = (
        b"From: a@b.com\nContent-Type: text/plain; charset="
        + charset.encode()
        + b"\nContent-Transfer-Encoding: 8bit\n\n"
        + payload
        + b"\n"
    )
    assert load_emails("m.eml", data)[0].body == body


def test_encoded_words_with_unknown_charsets_and_split_characters() -> None:
    assert decode_header_text("=?x-unknown?Q?caf=C3=A9?=") == "café"
    assert decode_header_text("=?utf-8?B?w6k=?= =?utf-8?B?w6k=?= x") == "éé x"
    # one character split over two adjacent words
    assert decode_header_text("=?UTF-8?B?4pw=?=\r\n =?UTF-8?B?kw==?=") == "✓"
    assert decode_header_text("=?utf-8?q?a_b?= plain =?utf-8?q?c?=") == "a b plain c"
    assert decode_header_text("=?utf-8*en?Q?hi?=") == "hi"
    assert decode_header_text("=?utf-8?B?!!!?=") == "=?utf-8?B?!!!?="  # left as written


def test_raw_utf8_headers_are_decoded() -> None:
    data = "From: Zoë <zoe@x.com>\nSubject: Grüße\n\nx\n".encode()
    email = load_emails("m.eml", data)[0]
    assert (email.subject, email.sender_display) == ("Grüße", "Zoë <zoe@x.com>")


def test_multipart_with_only_an_attachment_has_an_empty_body() -> None:
    data = (
        b"From: a@b.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
        b"--XX\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
        b"JVBERi0xLjQK\n--XX--\n"
    )
    assert load_emails("m.eml", data)[0].body == ""


def test_body_part_is_chosen_like_get_body() -> None:
    data = (
        b"From: a@b.com\nContent-Type: multipart/mixed; boundary=M\n\n"
        b"--M\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\n"
        b"attached notes\n"
        b'--M\nContent-Type: multipart/related; boundary=R; start="<two>"\n\n'
        b"--R\nContent-Type: text/plain\nContent-ID: <one>\n\nnot the start\n"
        b"--R\nContent-Type: text/html\nContent-ID: <two>\n\n<p>the start</p>\n"
        b"--R--\n--M--\n"
    )
    assert load_emails("m.eml", data)[0].body == "the start"


def test_html_to_text() -> None:
    assert html_to_text("<p>a</p><p>b<br>c</p>") == "a\nb\nc"
    assert (
        html_to_text("x <b>bo</b>ld &amp; &#x263A; &unknown; 1 < 2 > 0")
        == "x bold & ☺ &unknown; 1 < 2 > 0"
    )
    assert html_to_text("<script>never</script>shown<style>x</style><!-- no -->") == "shown"
    assert html_to_text("a<!-- unclosed comment") == "a"
    assert html_to_text("a<script>unclosed") == "a"
    assert html_to_text("<SCRIPT type=x>no</Script >yes") == "yes"
    assert html_to_text("<br/>a<img src=x />b") == "ab"


# ---------------------------------------------------------------------------
# Limits for hostile input


def test_body_is_truncated() -> None:
    long = "x" * (MAX_BODY_CHARS + 10)
    assert (
        len(email_from_mapping({"from": "a@b.com", "body": long}, "m.yaml").body) == MAX_BODY_CHARS
    )
    data = b"From: a@b.com\n\n" + b"y" * (MAX_BODY_CHARS + 10)
    assert load_emails("m.eml", data)[0].body == "y" * MAX_BODY_CHARS


def test_too_many_addresses() -> None:
    many = [f"u{i}@x.com" for i in range(MAX_ADDRESSES + 1)]
    with pytest.raises(InputError) as info:
        email_from_mapping({"from": "a@b.com", "to": many}, "m.yaml")
    assert str(info.value) == f"m.yaml: to: more than {MAX_ADDRESSES} addresses"
    with pytest.raises(InputError, match=f"cc: more than {MAX_ADDRESSES} addresses"):
        email_from_mapping({"from": "a@b.com", "cc": ", ".join(many)}, "m.yaml")
    data = b"From: a@b.com\nSubject: x\nCc: " + ", ".join(many).encode() + b"\n\nx\n"
    assert error_of("m.eml", data) == f"m.eml:3:1: Cc header: more than {MAX_ADDRESSES} addresses"
    exactly = email_from_mapping({"from": "a@b.com", "to": many[:MAX_ADDRESSES]}, "m.yaml")
    assert len(exactly.to) == MAX_ADDRESSES


def test_long_content_type_and_deep_nesting_are_refused() -> None:
    data = (
        b'From: a@b.com\nSubject: x\nContent-Type: multipart/mixed; boundary=x; a="'
        + b";" * 1_000_000
        + b"\n\nx\n"
    )
    assert error_of("m.eml", data) == "m.eml:3:1: Content-Type header longer than 2000 characters"
    nested = b"From: a@b.com\nContent-Type: multipart/mixed; boundary=b0\n\n" + b"".join(
        b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i - 1, i)
        for i in range(1, 3000)
    )
    assert error_of("m.eml", nested) == "m.eml:1:1: MIME parts nested too deeply"


def test_error_count_is_capped() -> None:
    with pytest.raises(InputErrors) as info:
        load_emails("m.mbox", b"From x\n\n" * (MAX_ERRORS + 50))
    assert len(info.value.errors) == MAX_ERRORS + 1
    assert str(info.value.errors[-1]) == "m.mbox: ... and 50 more errors"


def _timed(func: object, *args: object) -> float:
    """CPU seconds of this process: a quadratic blow-up shows, a busy machine does not."""
    start = time.process_time()
    func(*args)  # type: ignore[operator]
    return time.process_time() - start


def test_twenty_megabyte_bodies_load_in_bounded_time() -> None:
    size = 20_000_000
    plain = b"From: a@b.com\nSubject: big\n\n" + b"a line of body text\n" * (size // 20)
    html = "<p>" + "<a " * (size // 3)
    encoded = base64.encodebytes(html.encode())
    html_mail = (
        b"From: a@b.com\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n" + encoded
    )
    one_line = b"From: a@b.com\n\n" + b"x" * size
    for data in (plain, html_mail, one_line):
        assert _timed(load_emails, "big.eml", data) < 30
    assert len(load_emails("big.eml", plain)[0].body) == MAX_BODY_CHARS


@pytest.mark.parametrize(
    "markup",
    [
        "<a" * 1_000_000,
        "<a " * 700_000,
        "</" * 1_000_000,
        "<!" * 1_000_000,
        "<?" * 1_000_000,
        "<!--" * 500_000,
        "<script>" * 250_000,
        "&#" * 1_000_000,
        "<p " + "'" * 2_000_000,
    ],
)
def test_html_to_text_is_linear_on_malformed_markup(markup: str) -> None:
    assert _timed(html_to_text, markup) < 10


def test_hostile_headers_are_cheap() -> None:
    words = " ".join(["=?utf-8?q?abc?="] * 200_000)
    assert _timed(decode_header_text, words) < 5
    data = b"From: a@b.com\nSubject: " + words.encode() + b"\nTo: " + b"<" * 1_000_000 + b"\n\nx\n"
    assert _timed(load_emails, "m.eml", data) < 10


# ---------------------------------------------------------------------------
# Properties

_TEXT = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
_PROPERTY = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@_PROPERTY
@given(
    subject=st.text(_TEXT, max_size=200),
    name=st.text(_TEXT, max_size=60),
    body=st.text(st.one_of(_TEXT, st.just("\n")), max_size=500),
    local=st.from_regex(r"[A-Za-z0-9]{1,8}([._+-][A-Za-z0-9]{1,6}){0,2}", fullmatch=True),
    domain=st.from_regex(r"[A-Za-z0-9]{1,12}\.[A-Za-z]{2,6}", fullmatch=True),
)
def test_messages_round_trip(subject: str, name: str, body: str, local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    msg = EmailMessage()
    msg["From"] = Address(display_name=name, addr_spec=address)
    msg["To"] = Address(display_name=name[::-1], addr_spec="Bob@Customer.COM")
    msg["Subject"] = subject
    msg.set_content(body)
    email = load_emails("m.eml", bytes(msg))[0]
    assert email.subject == subject.strip()
    assert email.sender == address.lower()
    assert email.to == ("bob@customer.com",)
    assert email.body.rstrip("\n") == body.rstrip("\n")


@_PROPERTY
@given(
    data=st.binary(max_size=2000),
    path=st.sampled_from(["m.eml", "m.yaml", "m.json", "m.mbox", "-", "m.dat"]),
)
def test_arbitrary_bytes_load_or_raise_input_errors(data: bytes, path: str) -> None:
    try:
        emails = load_emails(path, data)
    except (InputError, InputErrors):
        return
    assert all(isinstance(e, Email) and e.sender for e in emails)


_HEADER = st.tuples(
    st.sampled_from(
        [
            "From",
            "To",
            "Cc",
            "Bcc",
            "Subject",
            "Date",
            "Message-ID",
            "Content-Type",
            "Content-Transfer-Encoding",
            "MIME-Version",
        ]
    ),
    st.one_of(
        st.binary(max_size=80),
        st.sampled_from(
            [
                b"multipart/alternative; boundary=b",
                b"text/html",
                b"multipart/mixed",
                b"base64",
                b"quoted-printable",
                b"=?utf-8?b?w6k=?=",
                b"a@b.com",
                b"text/plain; charset=x",
                b"message/rfc822",
                b'multipart/related; boundary=""',
            ]
        ),
    ),
)


@_PROPERTY
@given(
    headers=st.lists(_HEADER, max_size=8),
    body=st.one_of(
        st.binary(max_size=400), st.just(b"--b\nContent-Type: text/html\n\n<p>x</p>\n--b--\n")
    ),
)
def test_messages_with_random_headers_load_or_raise_input_errors(
    headers: list[tuple[str, bytes]], body: bytes
) -> None:
    data = b"".join(n.encode() + b": " + v.replace(b"\n", b" ") + b"\n" for n, v in headers)
    try:
        emails = load_emails("m.eml", data + b"\n" + body)
    except (InputError, InputErrors):
        return
    assert len(emails) == 1 and emails[0].sender


# ---------------------------------------------------------------------------
# Misreads found in real-world messages, each reduced to its cause


def _one(raw: bytes) -> Email:
    (email,) = load_emails("m.eml", raw)
    return email


def test_an_address_in_a_display_name_is_not_the_address() -> None:
    email = _one(
        b'From: purchasing@a.com <do-not-reply@b.gov>\nTo: "x@y.com" <carol@acme.com>\n'
        b"Cc: eve@x.com <frank@x.com>\nSubject: Invoice\n\nPay now\n"
    )
    assert (email.sender, email.to, email.cc) == (
        "do-not-reply@b.gov",
        ("carol@acme.com",),
        ("frank@x.com",),
    )


@pytest.mark.parametrize(
    ("header", "named"),
    [
        (b"From: a@x.com b@y.com", "a@x.com, b@y.com"),
        (b"From: Tim <tim@x.com> ann@x.com", "tim@x.com, ann@x.com"),
        (b"From: a@x.com, b@y.com", "several sender addresses (a@x.com, b@y.com)"),
    ],
)
def test_several_senders_are_named(header: bytes, named: str) -> None:
    with pytest.raises(InputError) as error:
        _one(header + b"\nTo: c@z.com\n\nHi\n")
    assert str(error.value).startswith("m.eml:1:1: ")
    assert named in str(error.value)


def test_several_authors_with_a_sender_header_are_sent_by_the_sender() -> None:
    email = _one(b"From: a@x.com, b@x.com\nSender: b@x.com\nTo: c@z.com\n\nHi\n")
    assert email.sender == "b@x.com"


def test_yaml_from_with_several_addresses_is_an_error() -> None:
    with pytest.raises(InputError, match="several sender addresses"):
        load_emails("e.yaml", b'from: "a@x.com, b@x.com"\nto: [c@z.com]\n')
    with pytest.raises(InputError, match="several addresses without a comma"):
        load_emails("e.yaml", b"from: a@x.com\nto: [c@z.com d@z.com]\n")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (b"=?iso-8859-1?Q?Die_Hasen_und_die_Fr\xf6sche?=", "Die Hasen und die Frösche"),
        (b"=?utf-8?Q?Fr\xc3\xb6sche?=", "Frösche"),
        (b"=?iso-8859-8-i?B?7vLw5A==?=", "מענה"),
        (b"=?ks_c_5601-1987?B?x9Gxub7u?=", "한국어"),
        (b"=?gb2312?B?hrQ=?=", "喆"),  # a GBK character declared as GB 2312
        (b"Fr\xc3\xb6sche", "Frösche"),
        (b"Fr\xf6sche", "Frösche"),
    ],
)
def test_header_text_is_decoded_once_by_its_charset(subject: bytes, expected: str) -> None:
    email = _one(b"From: a@x.com\nTo: b@y.com\nSubject: " + subject + b"\n\nHi\n")
    assert email.subject == expected


def test_raw_8bit_headers_fall_back_to_the_message_charset() -> None:
    raw = "From: a@x.com\nSubject: Привет\nContent-Type: text/plain; charset=koi8-r\n\nHi\n"
    assert _one(raw.encode("koi8-r")).subject == "Привет"


def test_bom_obsolete_header_syntax_and_stray_header_lines_are_read() -> None:
    raw = (
        b"\xef\xbb\xbfFrom  : John Doe <jdoe@machine(comment).  example>\r\n"
        b"To    : Mary Smith\r\n__\r\n          <mary@example.net>\r\n"
        b"quite Delivered-To: x@y.z\r\nSubject     : Saying Hello\r\n\r\nHello.\r\n"
    )
    email = _one(raw)
    assert (email.sender, email.to, email.subject) == (
        "jdoe@machine.example",
        ("mary@example.net",),
        "Saying Hello",
    )


def test_a_135_kb_to_header_of_encoded_words_is_read() -> None:
    to = b",\r\n ".join(b"=?utf-8?B?w6TDtsO8IFVzZXIgJWQ=?= <u%d@x.com>" % i for i in range(3000))
    email = _one(b"From: a@x.com\r\nTo: " + to + b"\r\nSubject: s\r\n\r\nHi\r\n")
    assert len(to) > 135_000
    assert len(email.to) == 3000
