"""A starter kit behaves: its own rules/ are used, and its suggested commands raise no false
alarm on its own sample log."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app

runner = CliRunner()


@pytest.fixture
def kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[list[str]]]:
    """A kit made by ``init``, the current folder, and the commands ``init`` suggests."""
    monkeypatch.delenv("WHYNOLOG_RULES", raising=False)
    monkeypatch.delenv("WHYNOLOG_CONFIG", raising=False)
    result = runner.invoke(app, ["init", str(tmp_path / "kit")])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path / "kit")
    suggested = [
        shlex.split(line.strip())[1:]
        for line in result.output.splitlines()
        if line.strip().startswith("whynolog ")
    ]
    return tmp_path / "kit", suggested


def test_the_suggested_commands_succeed_without_a_false_alarm(
    kit: tuple[Path, list[list[str]]],
) -> None:
    _, suggested = kit
    assert [args[0] for args in suggested] == ["simulate", "diagnose", "lint", "test"]
    for args in suggested:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Traceback" not in result.output
    diagnose = next(a for a in suggested if a[0] == "diagnose")
    report = json.loads(runner.invoke(app, [*diagnose, "-f", "json"]).stdout)
    assert report["health"]["alerts"] == []
    assert report["health"]["gaps"] == []  # its weekend is not an outage
    assert report["pack"] == "default (from ./rules/)"


def test_the_kit_uses_its_own_rules(kit: tuple[Path, list[list[str]]]) -> None:
    folder, _ = kit
    email = ["simulate", "emails.yaml", "-f", "jsonl"]
    before = json.loads(runner.invoke(app, email).stdout.splitlines()[0])
    assert before["outcome"] == "LOG_OK"
    pack = folder / "rules" / "default.yaml"
    pack.write_text(
        pack.read_text(encoding="utf-8").replace("Attach {{ sender }}", "Attach {{ sendr }}"),
        encoding="utf-8",
    )
    broken = runner.invoke(app, email)
    assert broken.exit_code == 2
    assert "rules/default.yaml" in broken.stderr
    assert "did you mean 'sender'?" in broken.stderr


def test_the_pack_comes_from_option_then_environment_then_rules_folder(
    kit: tuple[Path, list[list[str]]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from whynolog.engine.decide.rulepack import shipped_rules_path

    folder, _ = kit

    def pack_used(*args: str) -> str:
        result = runner.invoke(app, ["lint", *args])
        assert result.exit_code == 0, result.output
        return result.output.splitlines()[-1]

    assert pack_used().endswith("rule pack rules (from ./rules/).")
    other = str(shipped_rules_path() / "default.yaml")
    monkeypatch.setenv("WHYNOLOG_RULES", other)
    assert pack_used().endswith(f"rule pack {other} (from $WHYNOLOG_RULES={other}).")
    assert pack_used("--rules", "rules").endswith("rule pack rules.")
    monkeypatch.delenv("WHYNOLOG_RULES")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "org.yaml").write_bytes((folder / "org.yaml").read_bytes())
    assert pack_used().endswith("the shipped rule pack.")
