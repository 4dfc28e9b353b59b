"""Fact specs: the relations between facts, what a log can tell, the plain phrases, and the
engine's test of a condition against :meth:`Condition.holds`."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from whynolog.engine.audit.outcomes import CONSTRAINTS
from whynolog.engine.audit.prediction import _UNKNOWN, Predictor
from whynolog.engine.base.schemas import schema
from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.rulepack import (
    OPERATORS,
    Condition,
    Rule,
    RulePack,
    fact_domains,
    load_rule_pack,
    product_of,
    shipped_rules_path,
)
from whynolog.engine.facts.derive import FACTS, FactDeriver
from whynolog.engine.read.adminlog import LogEntry
from whynolog.engine.read.config import Config, User
from whynolog.engine.read.emails import Email

CONFIG = Path(__file__).parent / "fixtures" / "diagnose" / "org.yaml"
INTERNAL = [name for name in FACTS if "_" in name]  # the others are plain words too

# A small world: every kind of sender and recipient the facts tell apart.
WORLD = Config(
    name="World",
    internal_domains=("acme.com",),
    users=(
        User("Ann", ("ann@acme.com",), True, ("@ignored.example",)),
        User("Ben", ("ben@acme.com",), True, ("x@external.example",)),
        User("Cas", ("cas@acme.com",), False),
    ),
)
SENDERS = [
    "x@external.example",
    "y@ignored.example",
    "ann@acme.com",
    "cas@acme.com",
    "zed@acme.com",
]
POOL = [
    "ann@acme.com",
    "ben@acme.com",
    "cas@acme.com",
    "zed@acme.com",
    "p@external.example",
    "x@external.example",
    "q@ignored.example",
]


def world_vectors() -> list[dict[str, Any]]:
    deriver = FactDeriver(WORLD)
    vectors = []
    for sender in SENDERS:
        for size in range(4):
            for to in itertools.combinations(POOL, size):
                for bcc in ((), ("b@external.example",)):
                    email = Email(sender=sender, to=to, bcc=bcc, subject="s")
                    vectors.append(deriver.derive(email, details=False).vector)
    return vectors


def test_every_vector_the_deriver_makes_satisfies_the_constraints() -> None:
    """A constraint never rules out what a real email gives (else a log would "disagree")."""
    vectors = world_vectors()
    assert len(vectors) > 500
    for vector in vectors:
        for facts, test in CONSTRAINTS:
            assert test(vector), (sorted(facts), vector)


def test_the_constraints_rule_out_what_no_email_gives() -> None:
    """Over small counts, most combinations the constraints allow are made by some email."""
    names = sorted({f for facts, _ in CONSTRAINTS for f in facts})
    seen = {tuple(v[n] for n in names) for v in world_vectors()}
    domains = [(0, 1, 2) if FACTS[n].type == "int" else FACTS[n].values for n in names]
    allowed = [
        combo
        for combo in itertools.product(*domains)
        if all(test(dict(zip(names, combo, strict=True))) for _, test in CONSTRAINTS)
    ]
    assert allowed
    made = sum(combo in seen for combo in allowed)
    # The world holds at most three To/Cc and one Bcc: every allowed combination within it
    # that no email gives is a constraint the hand-written list lacks.
    missing = [dict(zip(names, c, strict=True)) for c in allowed if c not in seen]
    assert made / len(allowed) > 0.7, missing[:3]


def test_unknown_facts_follow_the_parts_a_log_leaves_out() -> None:
    everything = _UNKNOWN[False, False, False]
    assert everything == {"has_date"}  # an entry's time is not the email's date
    assert _UNKNOWN[False, False, True] == {"has_date", "has_message_id"}
    sender_only = _UNKNOWN[True, False, False]
    assert {"direction", "sender_is_active_user", "all_parties_ignored"} <= sender_only
    assert "active_users_to_cc" not in sender_only and "content_filter_hits" not in sender_only
    for name, spec in FACTS.items():
        assert (name in _UNKNOWN[True, True, True]) == (not spec.recorded)


def test_a_rule_on_has_date_does_not_blame_the_configuration(tmp_path: Path) -> None:
    text = (shipped_rules_path() / "default.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "\nrules:\n",
        "\n  - {code: NOLOG_UNDATED, meaning: Emails without a date are not logged., "
        "logged: false}\nrules:\n"
        "  - {id: undated, priority: 5, when: {has_date: false}, outcome: NOLOG_UNDATED, "
        "explain: No date., remedy: Add one.}\n",
        1,
    )
    (tmp_path / "pack.yaml").write_text(text, encoding="utf-8")
    pack = load_rule_pack(tmp_path / "pack.yaml")
    from whynolog.engine.read.config import load_config

    predictor = Predictor(load_config(str(CONFIG)), pack)
    entry = LogEntry(
        1,
        dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc),
        "Q4",
        "LOG_OK",
        "alice@acme.com",
        ("bob@customer.com",),
        (),
        "<m1@acme.com>",
    )
    prediction = predictor.predict(entry)
    assert prediction.status == "undetermined", prediction
    assert set(prediction.possible) == {"NOLOG_UNDATED", "LOG_OK"}
    assert not prediction.causes


def test_the_rule_schema_lists_exactly_the_facts() -> None:
    """The schema's fact list is written from the specs (``python -m
    whynolog.engine.facts.derive`` rewrites it)."""
    names = schema("rules")["$defs"]["rule"]["properties"]["when"]["propertyNames"]["enum"]
    assert names == list(FACTS)


def test_every_fact_says_each_value_in_plain_words() -> None:
    for name, spec in FACTS.items():
        values = spec.values or (0, 1, 7)
        phrases = [spec.says(v) for v in values]
        assert len(set(phrases)) == len(phrases), name
        for phrase in phrases:
            assert "_" not in phrase, phrase
        if spec.type == "int":
            assert "7" in spec.says(7)


def test_condition_phrases_never_name_a_fact() -> None:
    for rule in load_rule_pack().rules:
        for condition in rule.conditions:
            assert "_" not in condition.plain(), condition


def _single_conditions() -> list[Condition]:
    """One condition per fact, operator and value worth testing."""
    conditions = []
    for name, spec in FACTS.items():
        values = spec.values if spec.type != "int" else (0, 1, 3)
        for op in OPERATORS:
            if op in ("lt", "lte", "gt", "gte") and spec.type != "int":
                continue
            for value in values:
                conditions.append(Condition(name, op, (value,) if op == "in" else value))
        if spec.type != "int":
            conditions.append(Condition(name, "in", tuple(spec.values)))
    return conditions


@pytest.fixture(scope="module")
def pinned() -> list[tuple[RulePack, RuleEngine]]:
    """Packs of a few one-condition rules each (durable_rules bounds a ruleset's matches)."""
    conditions = _single_conditions()
    out = []
    for start in range(0, len(conditions), 8):
        rules = tuple(
            Rule(f"c{i}", "X", i, (c,), "", "", order=i)
            for i, c in enumerate(conditions[start : start + 8], start)
        )
        pack = RulePack("pinned", rules, "<test>")
        out.append((pack, RuleEngine(pack, memoise=False)))
    return out


def test_holds_agrees_with_durable_rules_for_every_value(
    pinned: list[tuple[RulePack, RuleEngine]],
) -> None:
    """Traces and diff reasons use ``Condition.holds``: it must be durable_rules' test."""
    base = {name: (spec.values[0] if spec.values else 0) for name, spec in FACTS.items()}
    for name, spec in FACTS.items():
        for value in spec.values or range(5):
            vector = dict(base, **{name: value})
            for pack, engine in pinned:
                fired = set(engine.matches(vector))
                expected = {r.id for r in pack.rules if all(c.holds(vector) for c in r.conditions)}
                assert fired == expected, (name, value)


def test_holds_agrees_with_durable_rules_over_the_shipped_pack() -> None:
    """Every combination of the values the shipped pack's rules can tell apart."""
    pack = load_rule_pack()
    engine = RuleEngine(pack, memoise=False)
    mentioned = {c.fact for r in pack.rules for c in r.conditions}
    domains = {f: d for f, d in fact_domains(pack).items() if f in mentioned}
    base = {name: (spec.values[0] if spec.values else 0) for name, spec in FACTS.items()}
    count = 0
    for combo in product_of(domains):
        vector = dict(base, **combo)
        expected = tuple(r.id for r in pack.rules if all(c.holds(vector) for c in r.conditions))
        assert engine.matches(vector) == expected, combo
        count += 1
    assert count == 864


def test_schema_file_is_valid_json() -> None:
    path = Path(__file__).parents[1] / "engine" / "base" / "schemas" / "rules.schema.json"
    assert json.loads(path.read_text(encoding="utf-8"))["title"]
