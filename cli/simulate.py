"""``whynolog simulate``: predict each email's outcome and explain why."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from whynolog import api
from whynolog.cli.app import app
from whynolog.cli.common import (
    ConfigOption,
    OutputOption,
    RedactKeyOption,
    RedactOption,
    RedactSubjectsOption,
    RulesOption,
    SimulateFormat,
    emit,
    use_colour,
)

if TYPE_CHECKING:
    from whynolog.api import Redactor, RejectedEntry


@app.command()
def simulate(
    emails: Annotated[
        list[Path],
        typer.Argument(
            metavar="EMAIL...",
            help="Email files: YAML/JSON, .eml, mbox, a folder, or - for standard input.",
        ),
    ],
    config: ConfigOption = None,
    rules: RulesOption = None,
    format: Annotated[
        SimulateFormat,
        typer.Option(
            "--format",
            "-f",
            help="text, jsonl (one object per email), json (one array), markdown or html.",
        ),
    ] = SimulateFormat.text,
    output: OutputOption = None,
    history: Annotated[
        Path | None,
        typer.Option(
            help="An admin log whose logged entries count as already logged (duplicates)."
        ),
    ] = None,
    redact: RedactOption = False,
    redact_subjects: RedactSubjectsOption = False,
    redact_key: RedactKeyOption = None,
) -> None:
    """Predict each email's outcome, say which rule decided and why, and what to change."""
    setup = api.load(config, rules, locate=True)
    redactor = api.make_redactor(setup, redact, redact_key, redact_subjects)

    def not_read(entry: RejectedEntry) -> None:
        reason = redactor.text(entry.reason) if redactor else entry.reason
        typer.echo(f"{history}:{entry.line}: history entry not read: {reason}", err=True)

    stdin = sys.stdin.buffer.read() if any(str(path) == "-" for path in emails) else None
    readable, unreadable = api.read_email_files(emails, stdin)
    verdicts = api.simulate(setup, readable, history=history, on_rejected=not_read)
    show_verdicts(verdicts, setup, format, output, redactor)
    api.raise_errors(unreadable)  # every readable email was judged; the unreadable ones exit 2


def show_verdicts(
    verdicts: list[api.Verdict],
    setup: api.Setup,
    format: SimulateFormat,
    output: Path | None = None,
    redactor: Redactor | None = None,
) -> None:
    """Write the verdicts as JSON, JSON Lines or a rendered report (pseudonymised by
    ``redactor`` when given)."""
    scrub: Callable[[Any], Any] = redactor.scrub if redactor else (lambda data: data)
    if format is SimulateFormat.json:
        rows = ",\n".join(api.json_line(scrub(v.to_dict())) for v in verdicts)
        emit(f"[{rows}]\n" if rows else "[]\n", output)
    elif format is SimulateFormat.jsonl:
        emit("".join(api.json_line(scrub(v.to_dict())) + "\n" for v in verdicts), output)
    else:
        from whynolog.reports.data import simulation_data
        from whynolog.reports.render import render

        data = scrub(simulation_data(verdicts, setup))
        colour = output is None and use_colour()
        emit(render("simulate", format.value, data, colour=colour), output)
