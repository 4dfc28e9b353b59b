"""Every engine case (tests/fixtures/cases) through ``POST /api/simulate`` equals the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.web.app import create_app
from whynolog.web.settings import ServeSettings

CASES = Path(__file__).parents[1] / "fixtures" / "cases"


def _plain(value: Any) -> Any:
    """YAML values as JSON sends them (dates as ISO text)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _files() -> list[Path]:
    return [
        f for f in sorted(CASES.glob("*.yaml")) if "cases" in (yaml.safe_load(f.read_text()) or {})
    ]


@pytest.mark.parametrize("file", _files(), ids=lambda f: f.stem)
def test_every_case_through_the_api_equals_the_cli(file: Path, tmp_path: Path) -> None:
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    config = CASES / data["config"]
    client = TestClient(create_app(ServeSettings(config=config)), base_url="http://127.0.0.1")
    for case in data["cases"]:
        emails = _plain(case["emails"])
        got = client.post("/api/simulate", json=emails)
        assert got.status_code == 200, (case["name"], got.text)
        outcomes = [v["outcome"] for v in got.json()]
        assert outcomes[-1] == case["expect"], case["name"]
        corpus = tmp_path / f"{case['name']}.yaml"
        corpus.write_text(json.dumps(emails), encoding="utf-8")
        cli = CliRunner().invoke(
            app, ["simulate", str(corpus), "--config", str(config), "-f", "jsonl"]
        )
        assert cli.exit_code == 0, cli.output
        expected = [json.loads(line) for line in cli.stdout.splitlines()]
        api_rows = got.json()
        for row in (*api_rows, *expected):
            row["email"].pop("source")
        assert api_rows == expected, case["name"]


DIAGNOSE = Path(__file__).parents[1] / "fixtures" / "diagnose"
_TYPES = {".csv": "text/csv", ".jsonl": "application/x-ndjson", ".log": "text/plain"}


@pytest.mark.parametrize(
    ("log", "config"),
    [
        ("admin.log", "org.yaml"),
        ("admin.csv", "org.yaml"),
        ("admin.jsonl", "org.yaml"),
        ("hostile.log", "org.yaml"),
        ("admin.log", "org-invalid.yaml"),
    ],
)
def test_every_diagnosis_fixture_through_the_api_equals_the_cli(log: str, config: str) -> None:
    path, settings = DIAGNOSE / log, ServeSettings(config=DIAGNOSE / config)
    client = TestClient(create_app(settings), base_url="http://127.0.0.1")
    got = client.post(
        "/api/diagnose",
        params={"as_of": "2026-11-26T09:00:00Z"},
        content=path.read_bytes(),
        headers={"content-type": _TYPES[path.suffix]},
    )
    assert got.status_code == 200, got.text
    cli = CliRunner().invoke(
        app,
        ["diagnose", str(path), "--config", str(settings.config), "--as-of",
         "2026-11-26T09:00:00Z", "-f", "json"],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    expected, report = json.loads(cli.stdout), got.json()
    assert report.pop("log") == "<request body>" and expected.pop("log") == str(path)
    # The CLI run from the checkout finds ./rules/ (the same shipped rules) and says so.
    assert report.pop("pack") == "default" and expected.pop("pack").startswith("default")
    assert report == expected
