"""``whynolog search``, ``why`` and ``diagnose``: the admin log, read and explained.

Logs are read as streams and never held whole: ``search`` prints matches as
it finds them, ``diagnose --format json`` writes each entry's row as soon as
it is predicted, and the other reports are rendered from aggregates.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from whynolog import api
from whynolog.api import InputError
from whynolog.cli.app import app
from whynolog.cli.common import (
    EXIT_FINDINGS,
    ConfigOption,
    DateOrderChoice,
    DiagnoseFormat,
    FailOnChoice,
    LogFormat,
    OutputOption,
    RedactKeyOption,
    RedactOption,
    RedactSubjectsOption,
    RulesOption,
    SearchFormat,
    WhyFormat,
    emit,
    jobs_option,
    use_colour,
)

if TYPE_CHECKING:
    from whynolog.api import LogEntry, Redactor


class EntriesChoice(str, Enum):
    """``diagnose --entries``: which entries the report lists."""

    all = "all"
    mismatches = "mismatches"
    none = "none"


SEARCH_BATCH = 500


LogArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="LOG...",
        help="The admin log: text export, .csv or .jsonl; - for standard input. Several logs "
        "(files, folders, globs, .gz, URLs such as s3://…) are read in order as one log.",
    ),
]
LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option("--log-format", help="The log's format when its extension does not say."),
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        metavar="<time>",
        help="Only entries at or after this date or date-time (UTC unless a zone is given).",
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option(
        metavar="<time>", help="Only entries at or before this date (the whole day) or date-time."
    ),
]
TzOption = Annotated[
    str | None,
    typer.Option(
        "--tz",
        show_default=False,
        metavar="<zone>",
        help="The zone of log times written without one: an IANA name such as "
        "Europe/Berlin (default UTC).",
    ),
]
DateOrderOption = Annotated[
    DateOrderChoice | None,
    typer.Option(
        "--date-order",
        show_default=False,
        help="How to read slashed dates such as 11/10/2026: mdy, dmy or ymd "
        "(default: as the log shows, by a day above 12).",
    ),
]
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        show_default=False,
        metavar="<field=header,…>",
        help="CSV/TSV headers the usual names miss, as field=Header,… (fields: time, "
        "subject, from, to, cc, bcc, message_id, outcome, user).",
    ),
]


def log_reading(tz: str | None, date_order: Any, columns: str | None) -> api.LogReading:
    """The reading options of a log (``--tz``, ``--date-order``, ``--columns``), checked."""
    return api.LogReading(
        tz=_option(lambda: api.parse_zone(tz), "--tz") if tz else None,
        date_order=date_order.value if date_order else None,
        columns=_option(lambda: api.parse_columns(columns), "--columns") if columns else None,
    )


@contextmanager
def _reader_may_stop() -> Iterator[None]:
    """A reader that stops early (``| head``) ends the output quietly, not with a traceback."""
    try:
        yield
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise typer.Exit(0) from None


def _report_rejected(note: str | None) -> None:
    """Say on standard error which entries could not be read (they are never dropped)."""
    if note:
        typer.echo(note, err=True)


# --- search ----------------------------------------------------------------------------


@app.command()
def search(
    log: LogArgument,
    subject: Annotated[
        str | None,
        typer.Option(metavar="<text>", help="Subject contains this text (case-insensitive)."),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(
            metavar="<code>",
            help="Outcome code or glob such as NOLOG_*; repeat or separate by commas.",
        ),
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(
            metavar="<address>",
            help="A participant's address, or @domain for a domain and its subdomains.",
        ),
    ] = None,
    log_format: LogFormatOption = None,
    format: Annotated[
        SearchFormat,
        typer.Option(
            "--format",
            "-f",
            help="text (a table), jsonl (one object per entry) or json (one array).",
        ),
    ] = SearchFormat.text,
    output: OutputOption = None,
    redact: RedactOption = False,
    redact_subjects: RedactSubjectsOption = False,
    redact_key: RedactKeyOption = None,
    rules: RulesOption = None,
    tz: TzOption = None,
    date_order: DateOrderOption = None,
    columns: ColumnsOption = None,
) -> None:
    """The admin-log search box: entries by subject, time, outcome and address."""
    pack = api.load_rules(rules, locate=True)
    redactor = api.make_redactor(None, redact, redact_key, redact_subjects)
    reading = log_reading(tz, date_order, columns)
    found = _option(
        lambda: api.search(
            log,
            subject=subject,
            since=since,
            until=until,
            outcomes=outcome or (),
            address=address,
            log_format=log_format.value if log_format else None,
            pack=pack,
            reading=reading,
        )
    )
    colour = use_colour()
    with _reader_may_stop(), _opened(output) as out:
        _search_output(format, found, colour and output is None, redactor, out)
        if format is SearchFormat.text:
            noun = "entry" if found.searched == 1 else "entries"
            typer.echo(f"{found.matched} of {found.searched} {noun} match.", err=True)
    if output is not None:
        typer.echo(f"wrote {output}", err=True)
    _report_rejected(api.check_read(log, found.searched, found.rejections, redactor))
    if not found.matched:
        raise typer.Exit(EXIT_FINDINGS)  # like grep (and why): nothing matched


def _search_output(
    format: SearchFormat,
    matches: Iterable[LogEntry],
    colour: bool,
    redactor: Redactor | None = None,
    out: IO[str] | None = None,
) -> None:
    """Matches as JSON Lines, a JSON array or a text table, written in batches as found."""
    scrub = redactor.scrub if redactor else (lambda row: row)
    if format is SearchFormat.jsonl:
        _write_batches((api.json_line(scrub(e.to_dict())) + "\n" for e in matches), out)
    elif format is SearchFormat.json:
        rows = (api.json_line(scrub(e.to_dict())) for e in matches)
        _write_batches(
            (("[" if i == 0 else ",\n") + row for i, row in enumerate(rows)), out, empty="["
        )
        _write("]\n", out)
    else:
        from whynolog.reports.data import search_row
        from whynolog.reports.render import render

        batch: list[dict[str, Any]] = []
        first = True
        for entry in matches:
            batch.append(scrub(search_row(entry)))
            if len(batch) >= SEARCH_BATCH:
                _write(render("search", "text", {"rows": batch, "header": first}, colour), out)
                batch, first = [], False
        if batch or first:
            data = {"rows": batch, "header": first and bool(batch)}
            _write(render("search", "text", data, colour), out)


def _write(text: str, out: IO[str] | None = None) -> None:
    stream = out or sys.stdout
    stream.write(text)
    stream.flush()


def _write_batches(lines: Iterable[str], out: IO[str] | None = None, empty: str = "") -> None:
    """``lines`` written in batches; ``empty`` is written when there is none."""
    stream = out or sys.stdout
    buffer: list[str] = []
    wrote = False
    for line in lines:
        buffer.append(line)
        wrote = True
        if len(buffer) >= SEARCH_BATCH:
            stream.write("".join(buffer))
            buffer.clear()
    stream.write("".join(buffer) if wrote else empty)
    stream.flush()


# --- why -------------------------------------------------------------------------------


@app.command()
def why(
    log: LogArgument,
    subject: Annotated[
        str,
        typer.Option(
            metavar="<text>", help="The email's subject, or part of it (case-insensitive)."
        ),
    ],
    since: SinceOption = None,
    until: UntilOption = None,
    config: ConfigOption = None,
    rules: RulesOption = None,
    log_format: LogFormatOption = None,
    format: Annotated[
        WhyFormat, typer.Option("--format", "-f", help="text, markdown, html or json.")
    ] = WhyFormat.text,
    output: OutputOption = None,
    redact: RedactOption = False,
    redact_subjects: RedactSubjectsOption = False,
    redact_key: RedactKeyOption = None,
    tz: TzOption = None,
    date_order: DateOrderOption = None,
    columns: ColumnsOption = None,
) -> None:
    """Find the entries of an email someone expected to log, explain each, and say what to do."""
    query = _option(lambda: api.log_query(subject=subject, since=since, until=until))
    reading = log_reading(tz, date_order, columns)
    setup = api.load(config, rules, locate=True)
    found = api.why(
        setup,
        log,
        subject=subject,
        since=query.since,
        until=query.until,
        log_format=log_format.value if log_format else None,
        reading=reading,
        redact=redact,
        redact_subjects=redact_subjects,
        redact_key=redact_key,
    )
    data = found.to_dict()
    if format is WhyFormat.json:
        emit(api.json_text(data), output)
    else:
        from whynolog.reports.render import render

        colour = output is None and use_colour()
        emit(render("why", format.value, data, colour=colour), output)
    _report_rejected(found.note)
    if not found.found:
        if format is WhyFormat.json or output is not None:
            typer.echo(
                f"no entry's subject contains {data['query']!r} "
                f"({data['searched']} entries searched)",
                err=True,
            )
        raise typer.Exit(EXIT_FINDINGS)


# --- diagnose --------------------------------------------------------------------------


@app.command()
def diagnose(
    log: LogArgument,
    config: ConfigOption = None,
    rules: RulesOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="<time>",
            help="The moment the health checks look from (default: now).",
        ),
    ] = None,
    stale_after: Annotated[
        str,
        typer.Option(
            "--stale-after",
            metavar="<duration>",
            help="Alert when no email has logged for longer than this (e.g. 24h, 3d).",
        ),
    ] = "24h",
    business_hours: Annotated[
        str | None,
        typer.Option(
            "--business-hours",
            metavar="<hours>",
            help="When the log is normally busy, e.g. 'Mon-Fri 08:00-18:00' or 'Mon-Sat 7-19 "
            "Europe/Berlin': only busy time counts towards --stale-after and gaps (default: "
            "learned from the log; a log under a week long is judged around the clock).",
        ),
    ] = None,
    format: Annotated[
        DiagnoseFormat,
        typer.Option(
            "--format", "-f", help="text, markdown, html (one self-contained file) or json."
        ),
    ] = DiagnoseFormat.text,
    output: OutputOption = None,
    redact: RedactOption = False,
    redact_subjects: RedactSubjectsOption = False,
    redact_key: RedactKeyOption = None,
    log_format: LogFormatOption = None,
    jobs: Annotated[int, jobs_option("for a text log in a file")] = 1,
    tz: TzOption = None,
    date_order: DateOrderOption = None,
    columns: ColumnsOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            show_default=False,
            metavar="<finding,…>",
            help="Exit 1 when any of these findings exists: alert, disagree, rejected "
            "(comma-separated).",
        ),
    ] = None,
    entries: Annotated[
        EntriesChoice,
        typer.Option(
            "--entries",
            help="Which entries the report lists: all, mismatches (those that disagree) or "
            "none (counts only); for big audits.",
        ),
    ] = EntriesChoice.all,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            envvar="DASK_SCHEDULER_ADDRESS",
            show_default=False,
            metavar="<local[:n]|tcp://host:port>",
            help="Run on Dask (pip install 'whynolog[dask]'): a local cluster of N worker "
            "processes (default: one per core) or the scheduler at an address; the output is "
            "the same.",
        ),
    ] = None,
    progress: Annotated[
        bool,
        typer.Option(
            "--progress", help="Show the progress bar on standard error even when not a terminal."
        ),
    ] = False,
) -> None:
    """The diagnosis report: are emails logging, predicted vs logged, mismatches and causes."""
    moment = _option(lambda: api.parse_as_of(as_of), "--as-of") if as_of else None
    stale = _option(lambda: api.parse_stale_after(stale_after), "--stale-after")
    rhythm = (
        _option(lambda: api.parse_business_hours(business_hours), "--business-hours")
        if business_hours
        else None
    )
    failing = _option(lambda: _findings(fail_on), "--fail-on") if fail_on else ()
    if dask is not None:
        _option(lambda: api.parse_dask(dask), "--dask")
    reading = log_reading(tz, date_order, columns)
    setup = api.load(config, rules, locate=True)
    stream = _option(
        lambda: api.diagnose_stream(
            setup,
            log,
            as_of=moment,
            stale_after=stale,
            business_hours=rhythm,
            redact=redact,
            redact_subjects=redact_subjects,
            redact_key=redact_key,
            log_format=log_format.value if log_format else None,
            reading=reading,
            jobs=jobs,
            rows="json" if format is DiagnoseFormat.json else "none",
            entries=entries.value,
            dask=dask,
            progress=_task_bar()
            if dask is not None and (progress or sys.stderr.isatty())
            else None,
        ),
        "--dask" if dask is not None else None,
    )
    if dask is None:
        stream.batches = with_progress(stream.batches, log)
    if format is DiagnoseFormat.json:
        _write_json_report(stream, output)
    else:
        show_diagnosis(stream.report(), format, output)
    found = stream.findings()
    named = [finding for finding in failing if found[finding]]
    if named:
        typer.echo(f"--fail-on: found {', '.join(named)}", err=True)
        raise typer.Exit(EXIT_FINDINGS)


def show_diagnosis(report: api.Report, format: DiagnoseFormat, output: Path | None = None) -> None:
    """Render a diagnosis's aggregates as text, markdown or html."""
    from whynolog.reports.data import with_charts
    from whynolog.reports.render import render

    data = report.summary
    if format is DiagnoseFormat.html:
        data = with_charts(data)
    colour = output is None and use_colour()
    emit(render("diagnose", format.value, data, colour=colour), output)


def _findings(text: str) -> tuple[str, ...]:
    """``--fail-on alert,disagree`` as the findings it names."""
    names = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in FailOnChoice]
    if unknown or not names:
        raise ValueError(
            f"unknown finding {', '.join(unknown) or text!r}: expected {', '.join(FailOnChoice)}"
        )
    return names


T = TypeVar("T")


def _option(make: Callable[[], T], name: str | None = None) -> T:
    """``make()``; a bad option value (``ValueError``) is a usage error, exit 2."""
    try:
        return make()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


def _write_json_report(stream: api.DiagnosisStream, output: Path | None) -> None:
    """The JSON report, written as the log is read. A log found unreadable at its end gives
    one error, not a report, unless the report was too long to hold back."""
    with _reader_may_stop(), _opened(output) as out:
        held = _HeldOutput(out)
        stream.write_json(held)  # type: ignore[arg-type]
        problem = stream.unreadable()
        if problem is None or held.released:
            held.release()
    if problem is not None:
        if output is not None and not held.released:
            output.unlink(missing_ok=True)
        raise problem
    if output is not None:
        typer.echo(f"wrote {output}", err=True)


HOLD_CHARS = 4 << 20
"""JSON reports up to this size are held back until the whole log is read, so that a log
found unreadable at its end gives one error, not a report (longer ones stream on). An
unreadable log reads few entries, so its report stays short; a bigger bound would only cost
memory on big logs (about 8,000 entry rows fit)."""


class _HeldOutput:
    """A text stream that holds what is written until released or :data:`HOLD_CHARS`."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.parts: list[str] = []
        self.size = 0
        self.released = False

    def write(self, text: str) -> int:
        if self.released:
            return self.out.write(text)
        self.parts.append(text)
        self.size += len(text)
        if self.size > HOLD_CHARS:
            self.release()
        return len(text)

    def flush(self) -> None:
        if self.released:
            self.out.flush()

    def release(self) -> None:
        """Write what is held, and pass everything after it straight on."""
        self.released = True
        self.out.write("".join(self.parts))
        self.parts.clear()
        self.out.flush()


PROGRESS_BYTES = 8 << 20
"""A log at least this big shows a progress bar on a terminal."""


def with_progress(batches: Iterator[list[Any]], log: list[str] | Path) -> Iterator[list[Any]]:
    """``batches`` of entries, the entries counted on a stderr progress bar when stderr is a
    terminal and the logs big."""
    names = [str(log)] if isinstance(log, Path) else log
    big = sum(os.path.getsize(name) for name in names if os.path.isfile(name)) >= PROGRESS_BYTES
    if not (big and sys.stderr.isatty()):
        return batches
    from tqdm import tqdm

    def counted() -> Iterator[list[Any]]:
        with tqdm(
            unit=" entries",
            unit_scale=True,
            file=sys.stderr,
            mininterval=0.5,
            leave=False,
            desc="diagnosing",
        ) as bar:
            for batch in batches:
                yield batch
                bar.update(len(batch))

    return counted()


def _task_bar() -> Any:
    """A stderr progress bar of a distributed run's parts, as ``progress(done, total)``."""
    from tqdm import tqdm

    bar: list[Any] = []

    def update(done: int, total: int) -> None:
        if not bar:
            bar.append(
                tqdm(
                    total=total,
                    unit=" parts",
                    file=sys.stderr,
                    mininterval=0.5,
                    leave=False,
                    desc="diagnosing on Dask",
                )
            )
        bar[0].update(done - bar[0].n)
        if done >= total:
            bar[0].close()

    return update


@contextmanager
def _opened(output: Path | None) -> Iterator[IO[str]]:
    if output is None:
        yield sys.stdout
        return
    try:
        handle = open(output, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputError(str(output), f"cannot write: {exc.strerror}") from None
    with handle:
        yield handle
