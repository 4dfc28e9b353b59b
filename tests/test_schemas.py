"""JSON Schemas: one source of truth, shipped, printed by ``whynolog schema``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.engine.base.schemas import SCHEMA_NAMES, schema, schema_text, validate
from whynolog.engine.base.yamlio import load_yaml
from whynolog.engine.facts.derive import FACTS

ROOT = Path(__file__).parents[1]
STARTER = ROOT / "cli" / "starter"
FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()

VALID = [
    ("rules", ROOT / "rules" / "default.yaml"),
    ("config", STARTER / "org.yaml"),
    ("suite", STARTER / "suite.yaml"),
    ("config", FIXTURES / "cases" / "org.yaml"),
    ("suite", FIXTURES / "suites" / "mixed.yaml"),
    ("suite", FIXTURES / "suites" / "passing.yaml"),
    ("rules", FIXTURES / "diff" / "reordered.yaml"),
    ("config", FIXTURES / "diff" / "org-edited.yaml"),
]


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))
    assert schema(name)["$id"].endswith(f"/{name}.schema.json")


def test_fact_names_have_one_source_of_truth() -> None:
    when = schema("rules")["$defs"]["rule"]["properties"]["when"]
    assert when["propertyNames"]["enum"] == list(FACTS)


@pytest.mark.parametrize(("name", "path"), VALID, ids=lambda v: str(v).split("whynolog/")[-1])
def test_shipped_and_starter_files_validate(name: str, path: Path) -> None:
    validate(load_yaml(path), name, str(path))


@pytest.mark.parametrize("path", sorted(STARTER.glob("*.yaml")), ids=lambda p: p.name)
def test_starter_files_point_editors_at_their_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=\./schemas/(\w+)\.schema\.json", first)
    if path.name == "emails.yaml":  # emails have no schema of their own
        return
    assert match, first
    validate(load_yaml(path), match[1], str(path))


def test_suite_schema_rejects_with_positions(tmp_path: Path) -> None:
    from whynolog.engine.base.errors import InputErrors

    suite = tmp_path / "s.yaml"
    suite.write_text(
        "cases:\n  - name: a\n    email: {from: x@y.z, body: 3}\n    expect: LOG_OK\n",
        encoding="utf-8",
    )
    with pytest.raises(InputErrors) as info:
        validate(load_yaml(suite), "suite", str(suite))
    [error] = info.value.errors
    assert str(error) == f"{suite}:3:32: cases.0.email.body: expected string, got int 3"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_cli_prints_the_schema(name: str) -> None:
    result = runner.invoke(app, ["schema", name])
    assert result.exit_code == 0
    assert json.loads(result.output) == schema(name)
    assert result.output == schema_text(name)


def test_cli_writes_the_schema_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "org.schema.json"
    result = runner.invoke(app, ["schema", "config", "-o", str(target)])
    assert (result.exit_code, result.output) == (0, f"wrote {target}\n")
    assert target.read_text(encoding="utf-8") == schema_text("config")


def test_cli_unknown_schema() -> None:
    result = runner.invoke(app, ["schema", "emails"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_init_writes_the_schemas(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    for name in SCHEMA_NAMES:
        written = tmp_path / "schemas" / f"{name}.schema.json"
        assert json.loads(written.read_text(encoding="utf-8")) == schema(name)
