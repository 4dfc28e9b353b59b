"""Shared fixtures: paths to the test data and the shipped starter kit."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from whynolog.cli.app import app

# No timed assertions: a property test's examples are not held to a deadline (a busy
# machine makes any deadline flaky).
settings.register_profile("whynolog", deadline=None)
settings.load_profile("whynolog")

# Keep the load cache of the test run out of the user's home.
os.environ.setdefault("WHYNOLOG_CACHE_DIR", tempfile.mkdtemp(prefix="whynolog-cache-"))

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def bench_generator() -> ModuleType:
    """The benchmark's corpus generator (``tests/bench/generate.py``), loaded once."""
    path = Path(__file__).parent / "bench" / "generate.py"
    spec = importlib.util.spec_from_file_location("whynolog_bench_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


Cli = Callable[..., Any]
"""``cli(*args, code=0)``: a whynolog command line run through typer's CliRunner."""


def _cli(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, list(args), env={"NO_COLOR": "1"})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def cli() -> Cli:
    """Runs a command line: no traceback, no crash, the expected exit code (0 unless
    ``code=`` says otherwise); the result, with ``stdout`` and ``stderr``."""
    return _cli
