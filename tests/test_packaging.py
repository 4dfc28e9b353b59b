"""The wheel installs one import package, ``whynolog``, with its data files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{done.stderr[-2000:]}")
    (built,) = out.glob("whynolog-*.whl")
    return zipfile.ZipFile(built)


def test_only_whynolog_lands_at_the_top_of_site_packages(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"whynolog"}


def test_wheel_carries_the_layers_and_their_data(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for expected in (
        "whynolog/__init__.py",
        "whynolog/__main__.py",
        "whynolog/engine/decide/judge.py",
        "whynolog/api.py",
        "whynolog/reports/render.py",
        "whynolog/cli/app.py",
        "whynolog/rules/default.yaml",
        "whynolog/engine/base/schemas/config.schema.json",
        "whynolog/reports/templates/simulate.html.j2",
        "whynolog/cli/starter/org.yaml",
        "whynolog/cli/starter/emails/welcome.eml",
    ):
        assert expected in names, expected
    assert not any(n.startswith("whynolog/tests/") for n in names)


def test_console_script_is_declared(wheel: zipfile.ZipFile) -> None:
    (entry,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    assert "whynolog = whynolog.cli.app:main" in wheel.read(entry).decode()
