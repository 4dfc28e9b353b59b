"""Internationalised domains: ``bücher.de`` and ``xn--bcher-kva.de`` are one domain everywhere.

The property: any mix of Unicode and ASCII spellings, in the configuration (internal
domains, user addresses, ignore entries), in emails and in admin logs, gives the outcome
the all-ASCII mix gives.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.audit.logquery import LogQuery
from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.rulepack import load_rule_pack
from whynolog.engine.read.adminlog import LogEntry, read_log
from whynolog.engine.read.config import config_from_data
from whynolog.engine.read.domains import canonical_address, canonical_domain, unicode_domain
from whynolog.engine.read.emails import Email, load_emails

PACK = load_rule_pack()

# Each domain: (Unicode spellings, the ASCII spelling).
DOMAINS = {
    "internal": (["bücher.de", "BÜCHER.de", "bu\u0308cher.de"], "xn--bcher-kva.de"),
    "partner": (["müller.example", "MÜLLER.example"], "xn--mller-kva.example"),
    "customer": (["例え.jp"], "xn--r8jz45g.jp"),
    "plain": (["acme.com"], "acme.com"),
}


def test_canonical_forms() -> None:
    assert canonical_domain("Bücher.DE") == "xn--bcher-kva.de"
    assert canonical_domain("bücher\u3002de") == "xn--bcher-kva.de"  # ideographic full stop
    assert canonical_domain("XN--BCHER-KVA.de") == "xn--bcher-kva.de"
    assert canonical_address("Anna@Bücher.de") == "anna@xn--bcher-kva.de"
    assert unicode_domain("xn--bcher-kva.de") == "bücher.de"


def _config(spell) -> dict:
    return {
        "organization": {"name": "Bücher", "internal_domains": [spell("internal")]},
        "users": [
            {"name": "Anna", "emails": [f"anna@{spell('internal')}"]},
            {
                "name": "Jo",
                "emails": [f"jo@{spell('internal')}", f"jo@{spell('partner')}"],
                "ignore": [f"@{spell('customer')}", f"kim@{spell('plain')}"],
            },
            {"name": "Old", "emails": [f"old@{spell('internal')}"], "active": False},
        ],
    }


LOCALS = ["anna", "jo", "old", "kim", "x"]
PEOPLE = st.tuples(st.sampled_from(LOCALS), st.sampled_from(sorted(DOMAINS)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sender=PEOPLE,
    to=st.lists(PEOPLE, min_size=1, max_size=3),
    cc=st.lists(PEOPLE, max_size=2),
    picks=st.lists(st.integers(0, 3), min_size=40, max_size=40),
)
def test_any_mix_of_spellings_gives_the_all_ascii_outcome(sender, to, cc, picks) -> None:
    choices = iter(picks * 4)

    def mixed(name: str) -> str:
        unicode, ascii_form = DOMAINS[name]
        spellings = [*unicode, ascii_form]
        return spellings[next(choices) % len(spellings)]

    def ascii_only(name: str) -> str:
        return DOMAINS[name][1]

    def header(people, spell) -> list[str]:
        return [f"{local}@{spell(domain)}" for local, domain in people]

    verdicts = []
    for spell in (ascii_only, mixed):
        config = config_from_data(_config(spell), "org.yaml")
        email_text = yaml.safe_dump(
            {
                "from": header([sender], spell)[0],
                "to": header(to, spell),
                "cc": header(cc, spell),
                "subject": "Angebot",
            },
            allow_unicode=True,
        )
        (email,) = load_emails("e.yaml", email_text.encode())
        log = (
            "2026-11-20 10:00:00 Subject: Angebot\n"
            f"From: {header([sender], spell)[0]}\n"
            f"To: {', '.join(header(to, spell))}\n"
            + (f"Cc: {', '.join(header(cc, spell))}\n" if cc else "")
            + "LOG_OK\n"
        )
        (entry,) = read_log("admin.log", stream=io.BytesIO(log.encode()))
        assert isinstance(entry, LogEntry)
        from_log = Email(sender=entry.sender, to=entry.to or (), cc=entry.cc or ())
        judge = Judge(config, PACK)  # type: ignore[arg-type]
        verdicts.append(
            [
                (v.outcome, v.facts)
                for v in (judge.judge(email, explain=False), judge.judge(from_log, explain=False))
            ]
        )
    assert verdicts[0] == verdicts[1]


def test_the_issue_cases(tmp_path: Path) -> None:
    config = config_from_data(
        {
            "organization": {"name": "B", "internal_domains": ["xn--bcher-kva.de"]},
            "users": [{"name": "Anna", "emails": ["anna@xn--bcher-kva.de"]}],
        },
        "org.yaml",
    )
    judge = Judge(config, PACK)  # type: ignore[arg-type]
    verdict = judge.judge(Email(sender="anna@bücher.de", to=("kunde@example.com",)))
    assert verdict.outcome == "LOG_OK" and verdict.facts["direction"] == "outbound"
    # People see their spelling; JSON adds the canonical form.
    assert any("anna@bücher.de" in r or "Anna" in r for r in verdict.reasons)
    assert verdict.to_dict()["canonical"] == {"anna@bücher.de": "anna@xn--bcher-kva.de"}

    ignoring = config_from_data(
        {
            "organization": {"name": "M", "internal_domains": ["acme.com"]},
            "users": [
                {"name": "Al", "emails": ["al@acme.com"], "ignore": ["@xn--mller-kva.example"]}
            ],
        },
        "org.yaml",
    )
    inbound = Judge(ignoring, PACK).judge(  # type: ignore[arg-type]
        Email(sender="jo@müller.example", to=("al@acme.com",))
    )
    assert inbound.outcome == "NOLOG_ALL_IGNORED"


def test_a_unicode_internal_domain_is_accepted_by_the_schema(tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(
        "organization: {name: B, internal_domains: [bücher.de]}\n"
        "users: [{name: Anna, emails: [anna@bücher.de]}]\n",
        encoding="utf-8",
    )
    mail = tmp_path / "e.yaml"
    mail.write_text("from: anna@xn--bcher-kva.de\nto: [kunde@example.com]\nsubject: hi\n")
    result = CliRunner().invoke(
        app, ["simulate", str(mail), "--config", str(org), "--format", "jsonl"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcome"] == "LOG_OK"


def test_lint_reports_an_invalid_idna_label_at_its_position(tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(
        "organization:\n"
        "  name: B\n"
        "  internal_domains: [acme.com, xn--zz.acme.net]\n"
        "users:\n"
        "  - name: Anna\n"
        "    emails: [anna@acme.com]\n"
        "    ignore: [jo@b.ünï_x.com]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["lint", "--config", str(org)])
    assert result.exit_code == 1
    assert f"{org}:3:32: error: 'xn--zz.acme.net': label 'xn--zz'" in result.output
    assert f"{org}:7:19: error: 'jo@b.ünï_x.com': label 'ünï_x'" in result.output


def test_search_by_address_in_either_spelling() -> None:
    log = (
        "2026-11-20 10:00:00 Subject: a\nFrom: jo@müller.example\nTo: al@acme.com\nLOG_OK\n\n"
        "2026-11-20 10:01:00 Subject: b\nFrom: jo@xn--mller-kva.example\nTo: al@acme.com\nLOG_OK\n"
    )
    entries = [e for e in read_log("a.log", stream=io.BytesIO(log.encode()))]
    for wanted in ("jo@MÜLLER.example", "jo@xn--mller-kva.example", "@müller.example"):
        query = LogQuery(address=wanted)
        assert [e.subject for e in entries if query.matches(e)] == ["a", "b"], wanted  # type: ignore[union-attr]
    assert entries[0].to_dict()["canonical"] == {  # type: ignore[union-attr]
        "jo@müller.example": "jo@xn--mller-kva.example"
    }
    assert "canonical" not in entries[1].to_dict()  # type: ignore[union-attr]
