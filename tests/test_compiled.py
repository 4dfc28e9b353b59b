"""The modules an installed copy runs compiled (``setup.py``, mypyc) answer as their source."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import whynolog

ROOT = Path(__file__).resolve().parents[1]
COMPILED = re.findall(r'"(engine/[a-z/]+\.py)"', (ROOT / "setup.py").read_text())
INSTALLED = Path(whynolog.__file__).resolve().parent
EDITABLE = INSTALLED == ROOT


def test_setup_names_the_modules_to_compile() -> None:
    assert "engine/read/adminlog.py" in COMPILED and all((ROOT / m).is_file() for m in COMPILED)


@pytest.mark.skipif(
    EDITABLE or bool(os.environ.get("WHYNOLOG_PURE_PYTHON")),
    reason="an editable or WHYNOLOG_PURE_PYTHON install is pure Python",
)
def test_installed_copy_runs_the_compiled_modules() -> None:
    for path in COMPILED:
        module = importlib.import_module("whynolog." + path.removesuffix(".py").replace("/", "."))
        assert Path(module.__file__ or "").suffix in (".so", ".pyd"), module.__file__


def _diagnose(log: Path, config: Path, source: Path | None, *options: str) -> str:
    """``whynolog diagnose`` as JSON, run from ``source`` (a folder holding the package's
    source as ``whynolog``) or from the installed copy."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(source or "")}
    code = "import sys; from whynolog.cli import main; sys.argv[0] = 'whynolog'; main()"
    command = [sys.executable, "-c", code, "diagnose", str(log), "--config", str(config)]
    run = subprocess.run(
        [*command, "--format", "json", "--as-of", "2026-12-01T00:00:00Z", *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    return run.stdout


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where ``import whynolog`` finds the repository's source."""
    folder = tmp_path_factory.mktemp("source")
    (folder / "whynolog").symlink_to(ROOT, target_is_directory=True)
    found = subprocess.run(
        [sys.executable, "-c", "import whynolog.engine.read.adminlog as m; print(m.__file__)"],
        env={**os.environ, "PYTHONPATH": str(folder)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert found.strip().endswith(".py") and str(folder) in found
    return folder


@pytest.mark.slow
def test_source_and_installed_copy_write_the_same_report(
    tmp_path: Path, source: Path, bench_generator: ModuleType
) -> None:
    """Byte for byte: a generated log, its Windows (CRLF) copy with a rejected entry, and
    the starter kit's log, with the options that change a report's rows."""
    bench_generator.generate(tmp_path, entries=6_000, users=300, seed=11)
    log, config = tmp_path / "admin.log", tmp_path / "org.yaml"
    crlf = tmp_path / "crlf.log"
    crlf.write_bytes(log.read_bytes().replace(b"\n", b"\r\n") + b"\r\nnot an entry\r\nLOG_OK\r\n")
    starter = ROOT / "cli" / "starter"
    for path, org, options in (
        (log, config, ()),
        (crlf, config, ("--redact", "--redact-key", "k", "--entries", "mismatches")),
        (log, config, ("--tz", "Europe/Berlin")),
        (starter / "admin.log", starter / "org.yaml", ()),
    ):
        installed = _diagnose(path, org, None, *options)
        assert installed.startswith('{"entries": [')
        assert _diagnose(path, org, source, *options) == installed, (path.name, options)
