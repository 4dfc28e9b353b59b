"""Look-alike domains: an outside party whose domain imitates the organisation's gets a
LOOKALIKE_DOMAIN warning in every output, and no outcome changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.read.lookalikes import LookalikeIndex, one_edit, skeleton

ORG = (
    "organization: {name: Acme, internal_domains: [acme.com, bücher.de]}\n"
    "users:\n"
    "  - {name: Alice, emails: [alice@acme.com, alice.private@gmail.com]}\n"
)
CYRILLIC_A = "\u0430"


@pytest.mark.parametrize(
    ("domain", "imitates", "how"),
    [
        (f"{CYRILLIC_A}cme.com", "acme.com", f"Cyrillic {CYRILLIC_A} in place of a"),
        (f"mail.{CYRILLIC_A}cme.com", "acme.com", f"Cyrillic {CYRILLIC_A} in place of a"),
        ("xn--cme-5cd.com", "acme.com", f"Cyrillic {CYRILLIC_A} in place of a"),
        ("acm\u0435.com", "acme.com", "Cyrillic \u0435 in place of e"),
        ("b\u00fc\u0441her.de", "bücher.de", "Cyrillic \u0441 in place of c"),
        ("acne.com", "acme.com", "n in place of m"),
        ("amce.com", "acme.com", "c and m swapped"),
        ("acmee.com", "acme.com", "an extra e"),
        ("acm.com", "acme.com", "e left out"),
        ("gmai1.com", "gmail.com", "1 in place of l"),
    ],
)
def test_look_alikes_are_found_and_explained(domain: str, imitates: str, how: str) -> None:
    index = LookalikeIndex(["acme.com", "bücher.de"], ["gmail.com"])
    found = index.of(domain)
    assert found is not None and (found.imitates, found.how) == (imitates, how)
    assert imitates in found.message and how in found.message


@pytest.mark.parametrize(
    "domain", ["acme.com", "eu.acme.com", "xn--bcher-kva.de", "customer.com", "example.org"]
)
def test_own_and_unrelated_domains_are_not_look_alikes(domain: str) -> None:
    assert LookalikeIndex(["acme.com", "bücher.de"]).of(domain) is None


def test_skeleton_and_edits() -> None:
    assert skeleton(f"{CYRILLIC_A}cme.com") == "acme.com"
    assert one_edit("acme.com", "acme.com") is None
    assert one_edit("axxe.com", "acme.com") is None


def _run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def org(tmp_path: Path) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(ORG, encoding="utf-8")
    return path


def _email(tmp_path: Path, sender: str) -> Path:
    path = tmp_path / f"{sender.split('@')[1]}.yaml"
    path.write_text(f"from: {sender}\nto: [alice@acme.com]\nsubject: Wire transfer\n", "utf-8")
    return path


def test_ceo_at_cyrillic_acme_carries_a_warning_and_the_same_outcome(
    tmp_path: Path, org: Path
) -> None:
    fake = _email(tmp_path, f"ceo@{CYRILLIC_A}cme.com")
    plain = _email(tmp_path, "ceo@customer.com")
    result = _run("simulate", str(fake), str(plain), "--config", str(org), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lookalike, unrelated = (json.loads(line) for line in result.stdout.splitlines())
    assert lookalike["outcome"] == unrelated["outcome"] == "LOG_OK"
    assert unrelated["warnings"] == []
    (warning,) = lookalike["warnings"]
    assert warning["code"] == "LOOKALIKE_DOMAIN"
    assert "acme.com" in warning["message"]
    assert f"Cyrillic {CYRILLIC_A} in place of a" in warning["message"]


@pytest.mark.parametrize(("fmt", "mark"), [("text", "warning:"), ("markdown", "**Warning:**")])
def test_every_text_format_shows_the_warning(
    tmp_path: Path, org: Path, fmt: str, mark: str
) -> None:
    fake = _email(tmp_path, f"ceo@{CYRILLIC_A}cme.com")
    result = _run("simulate", str(fake), "--config", str(org), "--format", fmt)
    assert result.exit_code == 0
    assert mark in result.stdout and "looks like acme.com" in result.stdout


def test_html_escapes_and_shows_the_warning(tmp_path: Path, org: Path) -> None:
    fake = _email(tmp_path, f"ceo@{CYRILLIC_A}cme.com")
    result = _run("simulate", str(fake), "--config", str(org), "--format", "html")
    assert 'class="warning"' in result.stdout and "looks like acme.com" in result.stdout


def test_diagnose_counts_look_alike_entries(tmp_path: Path, org: Path) -> None:
    log = tmp_path / "admin.log"
    log.write_text(
        f"2026-11-20 10:00:00 Subject: a\nFrom: ceo@{CYRILLIC_A}cme.com\nTo: alice@acme.com\n"
        "LOG_OK\n\n"
        "2026-11-20 10:01:00 Subject: b\nFrom: bob@customer.com\nTo: alice@acme.com\nLOG_OK\n\n"
        "2026-11-20 10:02:00 Subject: c\nFrom: alice@acme.com\nTo: x@acne.com\nLOG_OK\n",
        encoding="utf-8",
    )
    as_of = ["--as-of", "2026-11-20T12:00:00Z"]
    result = _run("diagnose", str(log), "--config", str(org), "--format", "json", *as_of)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["warnings"] == {"LOOKALIKE_DOMAIN": 2}
    assert [(x["domain"], x["entries"]) for x in report["lookalikes"]] == [
        ("acne.com", 1),
        (f"{CYRILLIC_A}cme.com", 1),
    ]
    assert report["agree"] == 3  # outcomes untouched
    text = _run("diagnose", str(log), "--config", str(org), *as_of).stdout
    assert "2 entries have a party whose domain looks like" in text


def test_lint_warns_about_look_alike_internal_domains_and_ignore_entries(tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(
        f"organization: {{name: Acme, internal_domains: [acme.com, {CYRILLIC_A}cme.com]}}\n"
        "users: [{name: A, emails: [a@acme.com], ignore: ['@acne.com', bob@gmail.com]}]\n",
        encoding="utf-8",
    )
    result = _run("lint", "--config", str(org))
    lines = [line for line in result.output.splitlines() if "[lookalike-domain]" in line]
    assert lines == [
        f"{org}:1:57: warning: {CYRILLIC_A}cme.com looks like acme.com, another internal domain "
        f"(Cyrillic {CYRILLIC_A} in place of a): a typo, or a look-alike domain [lookalike-domain]",
        f"{org}:2:51: warning: acne.com looks like acme.com, an internal domain "
        "(n in place of m): a typo, or a look-alike domain [lookalike-domain]",
    ]


def test_short_names_are_not_one_edit_look_alikes() -> None:
    index = LookalikeIndex(["a.com", "ibm.com"])
    assert index.of("b.com") is None and index.of("ibn.com") is None
    assert index.of(f"{CYRILLIC_A}.com") is not None  # a confusable is one at any length
