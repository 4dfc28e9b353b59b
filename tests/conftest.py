"""Shared fixtures: paths to the test data and the shipped starter kit."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

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
