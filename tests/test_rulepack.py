"""Rule packs: loading, validation errors with positions, and custom packs changing outcomes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from whynolog.engine.base.errors import InputError, InputErrors
from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.rulepack import load_rule_pack, shipped_rules_path
from whynolog.engine.facts.derive import FACTS
from whynolog.engine.read.config import load_config
from whynolog.engine.read.emails import Email

CONFIG = Path(__file__).parent / "fixtures" / "cases" / "org.yaml"
SHIPPED = shipped_rules_path() / "default.yaml"


def _shipped_rules() -> list[dict]:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))["rules"]


def _pack(tmp_path: Path, rules: list[dict], name: str = "custom") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        yaml.safe_dump({"name": name, "rules": rules}, sort_keys=False), encoding="utf-8"
    )
    return path


def _errors(path: Path) -> list[str]:
    with pytest.raises((InputError, InputErrors)) as info:
        load_rule_pack(path)
    exc = info.value
    return [str(e) for e in (exc.errors if isinstance(exc, InputErrors) else [exc])]


def test_shipped_pack_order_is_the_spec_order() -> None:
    pack = load_rule_pack()
    assert [(r.id, r.outcome) for r in pack.rules] == [
        ("credentials-invalid", "NOT_PROCESSED"),
        ("duplicate", "NOLOG_DUPLICATE"),
        ("sender-not-user", "NOLOG_SENDER_NOT_USER"),
        ("no-users", "NOLOG_NO_USERS"),
        ("no-recips", "NOLOG_NO_RECIPS"),
        ("content-filter", "NOLOG_CONTENT"),
        ("all-ignored", "NOLOG_ALL_IGNORED"),
        ("log-ok", "LOG_OK"),
    ]


def test_reordered_pack_changes_the_outcome(tmp_path: Path) -> None:
    rules = _shipped_rules()
    for rule in rules:
        if rule["id"] == "content-filter":
            rule["priority"] = 30  # before sender-not-user
    custom = load_rule_pack(_pack(tmp_path, rules))
    email = Email(sender="carol@acme.com", to=("bob@customer.com",), subject="Out of office")
    config = load_config(str(CONFIG))
    assert Judge(config, load_rule_pack()).judge(email).outcome == "NOLOG_SENDER_NOT_USER"
    verdict = Judge(config, custom).judge(email)
    assert verdict.outcome == "NOLOG_CONTENT"
    assert verdict.also_matched[0] == "sender-not-user"


def test_pack_can_add_an_outcome_code_and_remove_rules(tmp_path: Path) -> None:
    rules = [r for r in _shipped_rules() if r["id"] != "content-filter"]
    rules.insert(
        0,
        {
            "id": "vip-bcc",
            "priority": 5,
            "outcome": "NOLOG_BCC_ONLY",
            "when": {"direction": "inbound", "active_users_to_cc": 0, "recipients": {"gt": 1}},
            "explain": "Only Bcc'd users ({{ bcc | join_and }}) received it.",
            "remedy": "Ask the sender to put {{ bcc | first }} on To or Cc.",
        },
    )
    pack = load_rule_pack(_pack(tmp_path, rules))
    assert "NOLOG_BCC_ONLY" in pack.outcomes and "NOLOG_CONTENT" not in pack.outcomes
    judge = Judge(load_config(str(CONFIG)), pack)
    bcc = judge.judge(
        Email(
            sender="pat@customer.com", to=("sales@acme.com",), bcc=("alice@acme.com",), subject="Hi"
        )
    )
    assert (bcc.outcome, bcc.rule) == ("NOLOG_BCC_ONLY", "vip-bcc")
    assert bcc.reasons == ("Only Bcc'd users (alice@acme.com) received it.",)
    filtered = judge.judge(
        Email(sender="pat@customer.com", to=("alice@acme.com",), subject="Out of office")
    )
    assert filtered.outcome == "LOG_OK"  # the content rule was removed


def test_two_packs_side_by_side_in_one_process(tmp_path: Path) -> None:
    first, same = load_rule_pack(), load_rule_pack()
    rules = [r for r in _shipped_rules() if r["id"] != "content-filter"]
    other = load_rule_pack(_pack(tmp_path, rules))
    engines = [RuleEngine(first), RuleEngine(same), RuleEngine(other)]
    # The same rules share one ruleset in durable_rules; other rules get their own.
    assert engines[0].ruleset == engines[1].ruleset != engines[2].ruleset
    vector = {name: spec.values[0] if spec.values else 0 for name, spec in FACTS.items()}
    filtered = {**vector, "credentials_valid": True, "content_filter_hits": 1}
    assert "content-filter" in engines[0].matches(filtered)
    assert "content-filter" not in engines[2].matches(filtered)


def test_many_judgements_reuse_one_session() -> None:
    # durable_rules holds at most 1,024 live sessions: judging more emails must not leak them.
    engine = RuleEngine(load_rule_pack(), memoise=False)
    vector = {name: spec.values[0] if spec.values else 0 for name, spec in FACTS.items()}
    for i in range(1500):
        engine.matches({**vector, "recipients": i})
    assert engine.evaluations == 1500


def test_unknown_fact_with_suggestion(tmp_path: Path) -> None:
    rules = _shipped_rules()
    rules[2]["when"] = {"direction": "outbound", "sender_is_activ_user": False}
    (error,) = _errors(_pack(tmp_path, rules))
    assert "unknown fact 'sender_is_activ_user'" in error
    assert "did you mean 'sender_is_active_user'" in error


def test_error_positions_point_into_the_pack(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "rules:\n"
        "  - id: a\n    priority: 1\n    outcome: LOG_OK\n    when: {direction: sideways}\n"
        "    explain: ok\n    remedy: ok\n"
        "  - id: a\n    priority: 2\n    outcome: LOG_OK\n    when: {}\n"
        "    explain: '{{ broken'\n    remedy: ok\n"
        "  - id: Bad_Id\n    priority: x\n    outcome: LOG_OK\n    when: {}\n"
        "    explain: ok\n    remedy: ok\n    colour: red\n",
        encoding="utf-8",
    )
    errors = _errors(path)
    text = "\n".join(errors)
    assert f"{path}:14:9: rules.2.id: 'Bad_Id' is not well-formed" in text
    assert f"{path}:15:15: rules.2.priority: expected integer" in text
    assert f"{path}:20:5: rules.2: unknown key 'colour'" in text
    path.write_text(path.read_text().split("  - id: Bad_Id")[0], encoding="utf-8")
    text = "\n".join(_errors(path))
    assert f"{path}:5:23: rule 'a': direction: expected one of inbound, outbound" in text
    assert f"{path}:8:9: duplicate rule id 'a'" in text


def test_template_syntax_error_is_reported_at_load(tmp_path: Path) -> None:
    rules = _shipped_rules()[:1]
    rules[0]["explain"] = "{% if x %}unterminated"
    (error,) = _errors(_pack(tmp_path, rules))
    assert "rule 'credentials-invalid': explain: template error" in error


def test_condition_types_are_checked(tmp_path: Path) -> None:
    rules = _shipped_rules()[:1]
    rules[0]["when"] = {"direction": {"gt": 1}, "recipients": "many"}
    errors = "\n".join(_errors(_pack(tmp_path, rules)))
    assert "direction: 'gt' compares numbers, but this fact is enum" in errors
    assert "recipients: expected a whole number, got 'many'" in errors


def test_empty_folder_and_missing_pack(tmp_path: Path) -> None:
    assert "no rule files" in _errors(tmp_path)[0]
    assert "no such file or folder" in _errors(tmp_path / "nope.yaml")[0]


def test_pack_folder_merges_files(tmp_path: Path) -> None:
    rules = _shipped_rules()
    _pack(tmp_path, rules[:4], "a")
    _pack(tmp_path, rules[4:], "b")
    pack = load_rule_pack(tmp_path)
    assert [r.id for r in pack.rules] == [r.id for r in load_rule_pack().rules]
    assert pack.name == "a + b"
