"""mypy --strict is clean over the whole package (configuration in pyproject.toml)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_finds_no_error(tmp_path: Path) -> None:
    # The repository's top-level folders are the package (package-dir), so mypy sees it as
    # `whynolog` through a link; an editable install alone hides it from mypy.
    (tmp_path / "whynolog").symlink_to(ROOT, target_is_directory=True)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-error-summary",
            "-p",
            "whynolog",
        ],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": ""},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0 and not run.stdout.strip(), run.stdout + run.stderr
