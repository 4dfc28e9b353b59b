"""The wheel installs one import package, ``whynolog``, with its data files."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import whynolog

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist and a wheel built the way a release is: ``python -m build`` (wheel from sdist)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"python -m build failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> zipfile.ZipFile:
    (built,) = dist.glob("whynolog-*.whl")
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


@pytest.mark.skipif(
    bool(os.environ.get("WHYNOLOG_PURE_PYTHON")), reason="WHYNOLOG_PURE_PYTHON builds pure Python"
)
def test_wheel_carries_the_compiled_modules_and_their_source(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    for module in ("engine/read/adminlog", "engine/audit/prediction"):
        assert f"whynolog/{module}.py" in names
        assert any(n.startswith(f"whynolog/{module}.") and n.endswith(".so") for n in names)
    assert any(n.startswith("whynolog/native__mypyc.") for n in names)  # their runtime
    assert "whynolog/setup.py" not in names


def test_console_script_is_declared(wheel: zipfile.ZipFile) -> None:
    (entry,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    assert "whynolog = whynolog.cli:main" in wheel.read(entry).decode()


def test_sdist_and_wheel_pass_twine_check(dist: Path) -> None:
    files = sorted(str(f) for f in dist.iterdir())
    assert any(f.endswith(".tar.gz") for f in files) and any(f.endswith(".whl") for f in files)
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_version_lives_in_one_place(wheel: zipfile.ZipFile) -> None:
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    lines = wheel.read(metadata).decode().splitlines()
    assert f"Version: {whynolog.__version__}" in lines
    assert "Requires-Python: <3.14,>=3.10" in lines
    assert "whynolog/py.typed" in wheel.namelist()


@pytest.mark.slow
def test_wheel_runs_the_demo_in_a_fresh_venv_outside_the_checkout(
    dist: Path, tmp_path: Path
) -> None:
    """A file missing from the package data shows up here, not in a user's first run."""
    (built,) = dist.glob("whynolog-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {**os.environ, "CPPFLAGS": "-DPyEval_CallObject=PyObject_CallObject"}
    env.pop("PYTHONPATH", None)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(built)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=env,
    )
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    demo = subprocess.run(
        [str(venv / "bin" / "whynolog"), "demo"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=work,
        env=env,
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert (work / "whynolog-report.html").stat().st_size > 1000
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import whynolog; print(whynolog.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=work,
        env=env,
    )
    assert str(venv) in where.stdout, "the installed package, not the checkout, ran"


def test_wheel_carries_every_module_of_the_source_tree(wheel: zipfile.ZipFile) -> None:
    """A sub-package missing from pyproject's list installs nowhere but in editable mode."""
    skip = {"tests", "build", "dist", ".venv", ".git"}
    sources = {
        "whynolog/" + str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if not skip.intersection(path.relative_to(ROOT).parts)
        and not path.relative_to(ROOT).parts[0].startswith(".")
        and path != ROOT / "setup.py"  # the build hook, not a module of the package
    }
    missing = sorted(sources - set(wheel.namelist()))
    assert not missing, f"not in the wheel (add the package to pyproject.toml): {missing}"
