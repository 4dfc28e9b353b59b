"""The conventions people expect of a command-line program: --version, -h, completion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
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


def _commands() -> list[list[str]]:
    top = typer.main.get_command(app)
    names: list[list[str]] = []
    for name, command in top.commands.items():  # type: ignore[attr-defined]
        subs = getattr(command, "commands", None)
        names += [[name, sub] for sub in subs] if subs else [[name]]
    return names


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_help_speaks_in_words_not_python_types(command: list[str]) -> None:
    """Usage names arguments as EMAIL... or LOG..., options as <time>, never {emails}, <str>."""
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    usage = result.output.splitlines()[0]
    assert usage.startswith(f"Usage: whynolog {' '.join(command)} [OPTIONS]"), usage
    assert "{" not in usage and ":" not in usage.removeprefix("Usage:")
    for internal in ("<str>", "<int", "<float", "list[", "<path>..."):
        assert internal not in result.output, f"{internal} in {' '.join(command)} --help"


def test_usage_names_the_arguments() -> None:
    expected = {
        "simulate": "EMAIL...",
        "diagnose": "LOG...",
        "search": "LOG...",
        "why": "LOG...",
        "diff": "CORPUS",
        "test": "SUITE...",
        "init": "DIRECTORY",
    }
    for command, argument in expected.items():
        usage = runner.invoke(app, [command, "-h"]).output.splitlines()[0]
        assert usage == f"Usage: whynolog {command} [OPTIONS] {argument}"


def test_shell_completion_is_offered() -> None:
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.output
    assert "--show-completion" in result.output


STARTER = Path(__file__).parents[1] / "cli" / "starter"
SIMULATE = ["simulate", str(STARTER / "emails.yaml"), "-c", str(STARTER / "org.yaml")]


@pytest.mark.parametrize(
    ("options", "env", "coloured"),
    [
        ([], {}, False),  # not a terminal
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_option_and_environment(
    options: list[str], env: dict[str, str], coloured: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, [*options, *SIMULATE])
    assert result.exit_code == 0, result.output
    assert ("\x1b[" in result.stdout) is coloured


def test_option_errors_in_plain_words_with_a_did_you_mean() -> None:
    result = runner.invoke(app, ["search", str(STARTER / "admin.log"), "--format", "jsn"])
    assert result.exit_code == 2
    assert "Value error" not in result.output
    assert "'jsn' is not one of 'text', 'jsonl', 'json' (did you mean 'json'?)" in result.output
    verb = runner.invoke(app, ["serch"])
    assert verb.exit_code == 2 and "Did you mean 'search'" in verb.output


def test_json_beside_jsonl_and_output_on_search(tmp_path: Path) -> None:
    import json

    log = str(STARTER / "admin.log")
    lines = runner.invoke(app, ["search", log, "--subject", "renewal", "-f", "jsonl"]).stdout
    target = tmp_path / "found.json"
    result = runner.invoke(
        app, ["search", log, "--subject", "renewal", "-f", "json", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert json.loads(target.read_text("utf-8")) == [json.loads(x) for x in lines.splitlines()]
    none = runner.invoke(app, ["search", log, "--subject", "zzz", "-f", "json"])
    assert (none.exit_code, none.stdout) == (1, "[]\n")
    verdicts = runner.invoke(app, [*SIMULATE, "-f", "json"])
    jsonl = runner.invoke(app, [*SIMULATE, "-f", "jsonl"])
    assert json.loads(verdicts.stdout) == [json.loads(x) for x in jsonl.stdout.splitlines()]


@pytest.mark.parametrize(
    ("args", "built"),
    [
        (["--color", "never", "simulate", "x.eml"], ["simulate"]),
        (["--color=always", "import", "users", "-h"], ["import"]),
        (["why", "--help"], ["why"]),
        ([], None),
        (["-h"], None),
        (["-V", "simulate"], None),
        (["simlate", "x.eml"], None),
    ],
)
def test_a_run_builds_only_the_command_it_invokes(args: list[str], built: list[str] | None) -> None:
    everything = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    with app.building_only(args):
        group = typer.main.get_command(app)
        assert sorted(group.commands) == (built or everything)  # type: ignore[attr-defined]
    assert sorted(typer.main.get_command(app).commands) == everything  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--color=never", *SIMULATE], 0, "LOG_OK"),
        (["simlate"], 2, "Did you mean 'simulate'?"),
        (["import", "users", "-h"], 0, "Usage: whynolog import users [OPTIONS] EXPORT"),
        (["-h"], 0, "serve"),
    ],
)
def test_the_console_script_runs_and_helps_as_ever(args: list[str], code: int, says: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "whynolog", *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == code, result.stderr
    assert says in result.stdout + result.stderr
