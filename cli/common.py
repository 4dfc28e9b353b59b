"""What every command shares: options, exit codes, colour, writing output."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from whynolog.api import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT_ERROR = 0, 1, 2

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="WHYNOLOG_CONFIG",
        show_default=False,
        help="The organisation's configuration (default: ./org.yaml).",
    ),
]
RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        "-r",
        show_default=False,
        help="A rule-pack file or folder (default: $WHYNOLOG_RULES, else ./rules/ when it "
        "holds rule files, else the shipped pack).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the report to this file instead of standard output."
    ),
]


def choice(name: str, *values: str) -> Any:
    """A set of option values for typer: a ``str`` Enum whose members are ``values``."""
    return Enum(name, {value: value for value in values}, type=str)


# The values of the commands' choice options, in one place.
SimulateFormat = choice("SimulateFormat", "text", "jsonl", "json", "markdown", "html")
LogFormat = choice("LogFormat", "text", "csv", "jsonl")
DateOrderChoice = choice("DateOrderChoice", "mdy", "dmy", "ymd")
FailOnChoice = ("alert", "disagree", "rejected")
SearchFormat = choice("SearchFormat", "text", "jsonl", "json")
WhyFormat = choice("WhyFormat", "text", "markdown", "html", "json")
DiagnoseFormat = choice("DiagnoseFormat", "text", "markdown", "html", "json")
LintFormat = choice("LintFormat", "text", "json", "sarif")
SuiteFormat = choice("SuiteFormat", "text", "json", "markdown")
DiffFormat = choice("DiffFormat", "text", "markdown", "html", "json")
ReferenceFormat = choice("ReferenceFormat", "text", "markdown", "json")
CorpusKind = choice("CorpusKind", "auto", "emails", "log")
SchemaName = choice("SchemaName", "config", "rules", "suite")


ColourMode = choice("ColourMode", "auto", "always", "never")
colour_mode = "auto"
"""``--color``, set once per run by the program's own options."""


def use_colour(stream: Any = None) -> bool:
    """``--color always|never`` decides; with ``auto``, ``NO_COLOR`` turns colour off,
    ``FORCE_COLOR`` on, and otherwise only a terminal gets it."""
    if colour_mode != "auto":
        return colour_mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def emit(text: str, output: Path | None = None) -> None:
    """Write a report to ``output`` or standard output."""
    if output is None:
        # Colour codes are only in text rendered for colour (use_colour); email text never has any.
        typer.echo(text, nl=not text.endswith("\n"), color=True)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(str(output), f"cannot write: {exc.strerror}") from None
    typer.echo(f"wrote {output}", err=True)


RedactOption = Annotated[
    bool,
    typer.Option(
        help="Replace addresses and user names by stable pseudonyms, to share the output."
    ),
]
RedactSubjectsOption = Annotated[
    bool,
    typer.Option(
        "--redact-subjects",
        help="Also replace every subject by a stable pseudonym (implies --redact).",
    ),
]
RedactKeyOption = Annotated[
    str | None,
    typer.Option(
        envvar="WHYNOLOG_REDACT_KEY",
        show_default=False,
        metavar="<secret>",
        help="Secret for --redact: the same secret gives the same pseudonyms in every "
        "report (default: a new random one per run).",
    ),
]


def jobs_option(what: str) -> Any:
    """``--jobs/-j N``: worker processes for ``what``; the output never depends on N."""
    return typer.Option(
        "--jobs",
        "-j",
        min=1,
        metavar="<n>",
        help=f"Processes {what} (output is the same as with 1).",
    )
