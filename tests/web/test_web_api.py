"""The JSON API gives the CLI's JSON objects, through FastAPI's test client."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from whynolog.cli.app import app

AS_OF = "2026-11-26T09:00:00Z"


def cli_json(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_simulate_equals_cli_jsonl(client: TestClient, starter: Path) -> None:
    emails = yaml.safe_load((starter / "emails.yaml").read_text(encoding="utf-8"))["emails"]
    got = client.post("/api/simulate", json=json.loads(json.dumps(emails, default=str)))
    assert got.status_code == 200
    cli = cli_json(
        "simulate",
        str(starter / "emails.yaml"),
        "--config",
        str(starter / "org.yaml"),
        "-f",
        "jsonl",
    )
    expected = [json.loads(line) for line in cli.splitlines()]
    verdicts = got.json()
    for row in (*verdicts, *expected):
        row["email"].pop("source")  # where the email was read: the file, or the request
    assert verdicts == expected
    assert [v["outcome"] for v in expected].count("LOG_OK") >= 1
    assert {v["outcome"] for v in expected} > {"LOG_OK", "NOLOG_DUPLICATE"}


def test_one_mapping_gives_one_verdict(client: TestClient) -> None:
    got = client.post("/api/simulate", json={"from": "zoe@acme.com", "to": ["pat@customer.com"]})
    assert got.status_code == 200
    verdict = got.json()
    assert verdict["outcome"] == "NOLOG_SENDER_NOT_USER"
    assert any("zoe@acme.com" in reason for reason in verdict["reasons"])
    assert verdict["fix"]["outcome"] == "LOG_OK"


def test_a_bad_email_is_a_422_naming_the_field(client: TestClient) -> None:
    got = client.post("/api/simulate", json={"from": "not an address", "to": "bob@x.com"})
    assert got.status_code == 422
    (error,) = got.json()["errors"]
    assert error["message"].startswith("0.from: no email address")


def test_a_body_that_is_no_email_is_a_422(client: TestClient) -> None:
    assert client.post("/api/simulate", json=42).status_code == 422
    assert client.post("/api/simulate", content=b"{not json").status_code == 422


def test_diagnose_equals_cli_json(client: TestClient, starter: Path) -> None:
    log = starter / "admin.log"
    got = client.post(
        "/api/diagnose", params={"as_of": AS_OF, "stale_after": "3d"}, content=log.read_bytes()
    )
    assert got.status_code == 200
    cli = cli_json(
        "diagnose",
        str(log),
        "--config",
        str(starter / "org.yaml"),
        "--as-of",
        AS_OF,
        "--stale-after",
        "3d",
        "-f",
        "json",
    )
    expected = json.loads(cli)
    report = got.json()
    assert report.pop("log") == "<request body>" and expected.pop("log") == str(log)
    # The CLI run from the checkout finds ./rules/ (the same shipped rules) and says so.
    assert report.pop("pack") == "default" and expected.pop("pack").startswith("default")
    assert report == expected
    assert report["total"] == report["agree"] + report["disagree"] + report["undetermined"] > 0


def test_diagnose_reads_csv_by_content_type(client: TestClient) -> None:
    csv = (
        "time,subject,from,to,cc,message_id,outcome\n"
        "2026-11-20 14:03:11,Q4 renewal,alice@acme.com,bob@customer.com,,<m1@acme.com>,LOG_OK\n"
    )
    got = client.post(
        "/api/diagnose",
        params={"as_of": AS_OF},
        content=csv.encode(),
        headers={"content-type": "text/csv"},
    )
    assert got.status_code == 200, got.text
    assert got.json()["total"] == 1
    assert got.json()["entries"][0]["status"] == "agree"


def test_diagnose_bad_option_is_a_422(client: TestClient) -> None:
    got = client.post("/api/diagnose", params={"stale_after": "soon"}, content=b"")
    assert got.status_code == 422
    assert "soon" in got.json()["errors"][0]["message"]


def test_search_equals_cli_jsonl(client: TestClient, starter: Path) -> None:
    got = client.get("/api/search", params={"subject": "re", "outcome": "NOLOG_*"})
    assert got.status_code == 200
    cli = cli_json(
        "search",
        str(starter / "admin.log"),
        "--subject",
        "re",
        "--outcome",
        "NOLOG_*",
        "-f",
        "jsonl",
    )
    expected = [json.loads(line) for line in cli.splitlines()]
    assert got.json() == expected
    assert expected and all(row["outcome"].startswith("NOLOG_") for row in expected)


def test_search_bad_address_is_a_422(client: TestClient) -> None:
    got = client.get("/api/search", params={"address": "not an address@"})
    assert got.status_code == 422


def test_rules_equals_cli(client: TestClient) -> None:
    got = client.get("/api/rules")
    assert got.status_code == 200
    assert got.json() == json.loads(cli_json("rules", "--format", "json"))


def test_openapi_documents_the_json_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/simulate", "/api/diagnose", "/api/search", "/api/rules"} <= set(paths)
    assert "/" not in paths  # the pages are not part of the API
