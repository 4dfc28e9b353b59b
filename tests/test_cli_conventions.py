"""The conventions people expect of a command-line program: --version, -h, completion."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from whynolog import __version__
from whynolog.cli.app import app

runner = CliRunner()


def test_version() -> None:
    for flag in ("--version", "-V"):
        result = runner.invoke(app, [flag])
        assert (result.exit_code, result.output) == (0, f"whynolog {__version__}\n")


def test_version_from_the_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "whynolog", "--version"], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, f"whynolog {__version__}\n")


def test_short_help_on_the_program_and_its_commands() -> None:
    top = runner.invoke(app, ["-h"])
    assert top.exit_code == 0
    assert "Commands:" in top.output and "--version" in top.output
    lint = runner.invoke(app, ["lint", "-h"])
    assert lint.exit_code == 0
    assert lint.output.startswith("Usage: whynolog lint [OPTIONS]")


def test_shell_completion_is_offered() -> None:
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.output
    assert "--show-completion" in result.output
