"""Lint problems as SARIF 2.1.0, the format code-scanning dashboards read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning"}


def sarif(problems: list[dict[str, Any]], codes: dict[str, str], version: str) -> dict[str, Any]:
    """One SARIF run: ``problems`` as ``Problem.to_dict()`` rows, ``codes`` the rule texts."""
    rules = [
        {"id": code, "shortDescription": {"text": text}} for code, text in sorted(codes.items())
    ]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for p in problems:
        location: dict[str, Any] = {"artifactLocation": {"uri": Path(p["path"]).as_posix()}}
        if p["line"] > 0:
            location["region"] = {"startLine": p["line"], "startColumn": max(p["column"], 1)}
        results.append(
            {
                "ruleId": p["code"],
                "ruleIndex": index[p["code"]],
                "level": _LEVEL.get(p["severity"], "note"),
                "message": {"text": p["message"]},
                "locations": [{"physicalLocation": location}],
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "whynolog",
                        "version": version,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
