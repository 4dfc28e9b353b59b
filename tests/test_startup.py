"""What a cold ``simulate`` imports: only what judging and writing one email needs.

An admin waits for ``whynolog simulate one.eml`` at every question, so its start is
budgeted (300 ms, measured by ``tests/bench/simulate.py``). The web stack, the
round-trip YAML editor of ``import users``, JSON Schema validation, pydantic (which
typer 0.29 brought) and the chart and progress libraries each cost tens of
milliseconds; none of them may creep back into the start of a command that does
not use them. PyYAML itself is only needed when a configuration or rule pack is
not in the load cache yet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

STARTER = Path(__file__).resolve().parent.parent / "cli" / "starter"

# Run the console script's entry point, then write the names of every imported module.
PROBE = """
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["PROBE_OUT"], "w").write(json.dumps(sorted(sys.modules))))
from whynolog.cli import main
sys.argv[0] = "whynolog"
main()
"""

NEVER = (
    "fastapi",
    "starlette",
    "uvicorn",
    "multipart",
    "pydantic",
    "ruamel",
    "pygal",
    "tqdm",
    "rich",
    "dask",
)
"""Never imported by ``simulate``."""
NOT_WHEN_CACHED = ("yaml", "jsonschema", "idna", "confusable_homoglyphs")
"""Imported to read and check a configuration, not when it comes from the load cache."""


def _imported(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "PROBE_OUT": str(out), "WHYNOLOG_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("WHYNOLOG_NO_CACHE", None)
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "LOG_OK" in run.stdout or "NOLOG" in run.stdout, run.stdout
    return set(json.loads(out.read_text()))


def _heavy(modules: set[str], heavy: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in heavy)


def test_simulate_one_email_imports_no_heavy_library(tmp_path: Path) -> None:
    args = ("simulate", str(STARTER / "emails" / "welcome.eml"), "--config")
    first = _imported(tmp_path, *args, str(STARTER / "org.yaml"))
    assert _heavy(first, NEVER) == []
    assert "yaml" in first  # the configuration was read: the probe sees real imports

    again = _imported(tmp_path, *args, str(STARTER / "org.yaml"))
    assert _heavy(again, NEVER + NOT_WHEN_CACHED) == []
    assert "whynolog.engine.decide.judge" in again and "jinja2" in again
