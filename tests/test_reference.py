"""``whynolog rules``: the rule reference with engine-found examples."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.decide.inference import RuleEngine
from whynolog.engine.decide.rulepack import load_rule_pack, shipped_rules_path
from whynolog.engine.qa.reference import document


def test_every_shipped_rule_has_a_deciding_and_a_missing_example() -> None:
    pack = load_rule_pack()
    engine = RuleEngine(pack)
    docs = document(pack, engine)
    assert [d.id for d in docs] == [r.id for r in pack.rules]
    for doc in docs:
        assert doc.decides is not None, doc.id
        if doc.id != "log-ok":
            assert doc.misses is not None, doc.id
    sender = next(d for d in docs if d.id == "sender-not-user")
    assert sender.decides is not None
    assert sender.decides["direction"] == "outbound"
    assert sender.decides["sender_is_active_user"] is False


def test_a_shadowed_rule_is_documented_as_never_deciding(tmp_path: Path) -> None:
    rules = yaml.safe_load((shipped_rules_path() / "default.yaml").read_text())["rules"]
    rules.append({**rules[-2], "id": "late-ignored", "priority": 90})  # all-ignored again
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")
    late = next(d for d in document(load_rule_pack(path)) if d.id == "late-ignored")
    assert late.decides is None


def test_rules_command_formats() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["rules"])
    assert text.exit_code == 0 and "sender-not-user" in text.stdout
    md = runner.invoke(app, ["rules", "--format", "markdown"])
    assert md.exit_code == 0 and md.stdout.startswith("# Rule reference: default")
    data = json.loads(runner.invoke(app, ["rules", "--format", "json"]).stdout)
    assert data["rules"][0]["id"] == "credentials-invalid"
