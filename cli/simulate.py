"""``whynolog simulate``: predict each email's outcome and explain why."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from whynolog import __version__
from whynolog.cli.app import app
from whynolog.cli.common import (
    ConfigOption,
    OutputOption,
    RulesOption,
    SimulateFormat,
    emit,
    load_setup,
    use_colour,
)
from whynolog.engine.base.errors import InputError
from whynolog.engine.base.yamlio import dump_json_line
from whynolog.engine.decide.judge import Judge
from whynolog.engine.decide.verdict import Verdict
from whynolog.engine.read.emails import Email, raise_errors
from whynolog.engine.read.emails import read_emails as read_path


def read_emails(paths: list[Path]) -> tuple[list[Email], list[InputError]]:
    """Every readable email of every path, in order (``-`` reads standard input), and the
    errors of the unreadable ones."""
    emails: list[Email] = []
    errors: list[InputError] = []
    for path in paths:
        data = sys.stdin.buffer.read() if str(path) == "-" else None
        found, problems = read_path(str(path), data)
        emails.extend(found)
        errors.extend(problems)
    if not emails:
        raise_errors(errors)
    return emails, errors


def simulation_data(verdicts: list[Verdict], organization: str, pack: str) -> dict[str, Any]:
    """Plain data for the simulate templates."""
    counts = Counter(v.outcome for v in verdicts)
    summary = ", ".join(f"{n} {code}" for code, n in counts.most_common())
    return {
        "verdicts": [v.to_dict() for v in verdicts],
        "organization": organization,
        "pack": pack,
        "summary": f"{len(verdicts)} emails: {summary}" if len(verdicts) > 1 else "",
        "version": __version__,
    }


@app.command()
def simulate(
    emails: Annotated[
        list[Path],
        typer.Argument(
            help="Email files: YAML/JSON, .eml, mbox, a folder, or - for standard input."
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
) -> None:
    """Predict each email's outcome, say which rule decided and why, and what to change."""
    setup = load_setup(config, rules)
    known: list[Any] = []
    if history is not None:
        from whynolog.engine.read.history import logged_keys

        rejected: list[Any] = []
        known = list(
            logged_keys(
                str(history),
                setup.pack.logged_codes,
                known_codes=setup.pack.log_codes,
                on_rejected=rejected.append,
            )
        )
        for entry in rejected:
            typer.echo(f"{history}:{entry.line}: history entry not read: {entry.reason}", err=True)
    judge = Judge(setup.config, setup.pack, history=known)
    readable, unreadable = read_emails(emails)
    verdicts = list(judge.judge_all(readable))
    if format is SimulateFormat.json:
        rows = ",\n".join(dump_json_line(v.to_dict()) for v in verdicts)
        emit(f"[{rows}]\n" if rows else "[]\n", output)
    elif format is SimulateFormat.jsonl:
        emit("".join(dump_json_line(v.to_dict()) + "\n" for v in verdicts), output)
    else:
        from whynolog.reports.render import render

        data = simulation_data(verdicts, setup.config.name, setup.pack.label)
        colour = output is None and use_colour()
        emit(render("simulate", format.value, data, colour=colour), output)
    raise_errors(unreadable)  # every readable email was judged; the unreadable ones exit 2
