"""``whynolog search``, ``why`` and ``diagnose``: the admin log, read and explained.

Logs are read as streams and never held whole: ``search`` prints matches as
it finds them, ``diagnose --format json`` writes each entry's row as soon as
it is predicted, and the other reports are rendered from aggregates.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from whynolog import __version__, api
from whynolog.cli.app import app
from whynolog.cli.common import (
    EXIT_FINDINGS,
    ConfigOption,
    DateOrderChoice,
    DiagnoseFormat,
    FailOnChoice,
    LogFormat,
    OutputOption,
    RulesOption,
    SearchFormat,
    WhyFormat,
    emit,
    load_pack,
    load_setup,
    use_colour,
)
from whynolog.engine.base.errors import InputError
from whynolog.engine.base.yamlio import dump_json_line

if TYPE_CHECKING:  # the log modules are imported by the commands that read logs
    from whynolog.engine.audit.logquery import LogQuery
    from whynolog.engine.decide.rulepack import RulePack
    from whynolog.engine.read.adminlog import LogEntry, RejectedEntry
    from whynolog.engine.read.rejections import Rejections


class EntriesChoice(str, Enum):
    """``diagnose --entries``: which entries the report lists."""

    all = "all"
    mismatches = "mismatches"
    none = "none"


SEARCH_BATCH = 500
_UNRECORDED: dict[str, Any] = {
    "from": None,
    "to": None,
    "cc": None,
    "message_id": None,
    "user": None,
}
REJECTED_SHOWN = 10
MAX_WHY_MATCHES = 50
"""``why`` explains at most this many entries (and counts the rest)."""


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
        help="Only entries at or after this date or date-time (UTC unless a zone is given)."
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option(help="Only entries at or before this date (the whole day) or date-time."),
]
TzOption = Annotated[
    str | None,
    typer.Option(
        "--tz",
        show_default=False,
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
        help="CSV/TSV headers the usual names miss, as field=Header,… (fields: time, "
        "subject, from, to, cc, bcc, message_id, outcome, user).",
    ),
]


def log_reading(tz: str | None, date_order: Any, columns: str | None) -> dict[str, Any]:
    """The reading options of a log (``--tz``, ``--date-order``, ``--columns``), checked."""
    from whynolog.engine.read.adminlog import parse_columns
    from whynolog.engine.read.logtimes import zone_of

    return {
        "tz": _option(zone_of, tz, "--tz") if tz else None,
        "date_order": date_order.value if date_order else None,
        "columns": _option(parse_columns, columns, "--columns") if columns else None,
    }


def _query(**options: Any) -> LogQuery:
    from whynolog.engine.audit.logquery import LogQuery

    try:
        return LogQuery.from_options(**options)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _entries(
    log: list[str],
    log_format: LogFormat | None,
    pack: RulePack,
    reading: dict[str, Any] | None = None,
) -> Iterator[LogEntry | RejectedEntry]:
    """The entries of the logs in order; the outcome codes known are the rule pack's."""
    from whynolog.engine.read.logsources import read_sources, resolve

    fmt = log_format.value if log_format else None
    return read_sources(resolve(log), fmt, pack.log_codes, **(reading or {}))


def _label(log: list[str]) -> str:
    """How messages and reports name the logs."""
    return ", ".join(log)


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


def _refuse_unreadable(log: list[str], read: int, rejections: Rejections, redactor: Any) -> None:
    """Stop on a log that could not be read (no entry, or most entries rejected)."""
    from whynolog.engine.read.rejections import unreadable

    problem = unreadable(_label(log), read, rejections)
    if problem is not None:
        if redactor is not None:
            problem = InputError(problem.position, redactor.text(problem.message))
        raise problem


def _report_rejected(
    log: list[str], read: int, rejections: Rejections, redactor: Any = None
) -> None:
    """Stop on a log that could not be read; else say on standard error which entries
    could not be, grouped by reason (they are never dropped)."""
    _refuse_unreadable(log, read, rejections, redactor)
    if rejections.count:
        summary = rejections.summary()
        typer.echo(redactor.text(summary) if redactor is not None else summary, err=True)


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
        help="Secret for --redact: the same secret gives the same pseudonyms in every "
        "report (default: a new random one per run).",
    ),
]


def make_redactor(
    redact: bool, key: str | None, names: Iterable[str] = (), subjects: bool = False
) -> Any:
    """The pseudonymiser for --redact (and --redact-subjects), or None."""
    if not (redact or subjects):
        return None
    from whynolog.engine.audit.diagnosis import Redactor

    return Redactor(key.encode() if key else None, names, subjects)


# --- search ----------------------------------------------------------------------------


@app.command()
def search(
    log: LogArgument,
    subject: Annotated[
        str | None, typer.Option(help="Subject contains this text (case-insensitive).")
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(
            metavar="CODE",
            help="Outcome code or glob such as NOLOG_*; repeat or separate by commas.",
        ),
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(help="A participant's address, or @domain for a domain and its subdomains."),
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
    from whynolog.engine.read.adminlog import RejectedEntry
    from whynolog.engine.read.rejections import Rejections

    pack = load_pack(rules)
    redactor = make_redactor(redact, redact_key, subjects=redact_subjects)
    query = _query(
        subject=subject,
        since=since,
        until=until,
        outcomes=outcome or (),
        address=address,
        known_codes=pack.log_codes,
    )
    reading = log_reading(tz, date_order, columns)
    rejections = Rejections()
    counts = {"matched": 0, "searched": 0}
    colour = use_colour()

    def matches() -> Iterator[LogEntry]:
        for item in _entries(log, log_format, pack, reading):
            if isinstance(item, RejectedEntry):
                rejections.add(item)
                continue
            counts["searched"] += 1
            if query.matches(item):
                counts["matched"] += 1
                yield item

    with _reader_may_stop(), _opened(output) as out:
        _search_output(format, matches(), colour and output is None, redactor, out)
        if format is SearchFormat.text:
            noun = "entry" if counts["searched"] == 1 else "entries"
            typer.echo(f"{counts['matched']} of {counts['searched']} {noun} match.", err=True)
    if output is not None:
        typer.echo(f"wrote {output}", err=True)
    _report_rejected(log, counts["searched"], rejections, redactor)
    if not counts["matched"]:
        raise typer.Exit(EXIT_FINDINGS)  # like grep (and why): nothing matched


def _search_output(
    format: SearchFormat,
    matches: Iterable[LogEntry],
    colour: bool,
    redactor: Any = None,
    out: IO[str] | None = None,
) -> None:
    """Matches as JSON Lines, a JSON array or a text table, written in batches as found."""
    scrub = redactor.scrub if redactor else (lambda row: row)
    if format is SearchFormat.jsonl:
        _write_batches((dump_json_line(scrub(e.to_dict())) + "\n" for e in matches), out)
    elif format is SearchFormat.json:
        rows = (dump_json_line(scrub(e.to_dict())) for e in matches)
        _write_batches(
            (("[" if i == 0 else ",\n") + row for i, row in enumerate(rows)), out, empty="["
        )
        _write("]\n", out)
    else:
        from whynolog.reports.render import render

        batch: list[dict[str, Any]] = []
        first = True
        for entry in matches:
            batch.append(scrub(_search_row(entry)))
            if len(batch) >= SEARCH_BATCH:
                _write(render("search", "text", {"rows": batch, "header": first}, colour), out)
                batch, first = [], False
        if batch or first:
            data = {"rows": batch, "header": first and bool(batch)}
            _write(render("search", "text", data, colour), out)


def _search_row(entry: LogEntry) -> dict[str, Any]:
    parties = [*(entry.to or ()), *(entry.cc or ())]
    return {
        **_UNRECORDED,
        **entry.to_dict(),
        "when": entry.time.strftime("%Y-%m-%d %H:%M:%S"),
        "parties": ", ".join(parties),
    }


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
        str, typer.Option(help="The email's subject, or part of it (case-insensitive).")
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
    from whynolog.engine.audit.answer import answer
    from whynolog.engine.audit.diagnosis import outcome_meaning
    from whynolog.engine.audit.prediction import Predictor
    from whynolog.engine.facts.directory import Directory
    from whynolog.engine.read.adminlog import RejectedEntry
    from whynolog.engine.read.history import is_logged, message_id_key
    from whynolog.engine.read.rejections import Rejections

    query = _query(subject=subject, since=since, until=until)
    reading = log_reading(tz, date_order, columns)
    rejections = Rejections()
    setup = load_setup(config, rules)
    predictor = Predictor(setup.config, setup.pack)
    directory = Directory(setup.config)
    matches: list[dict[str, Any]] = []
    rejected: list[RejectedEntry] = []
    searched = rejected_count = matched = 0
    for item in _entries(log, log_format, setup.pack, reading):
        if isinstance(item, RejectedEntry):
            rejected_count += 1
            rejections.add(item)
            if len(rejected) < REJECTED_SHOWN:
                rejected.append(item)
            continue
        searched += 1
        wanted = query.matches(item)
        matched += wanted
        if not wanted or len(matches) >= MAX_WHY_MATCHES:
            # Earlier logged copies still count: they make a matching entry a duplicate.
            if is_logged(item, setup.pack.logged_codes):
                predictor.logged_ids.add(message_id_key(item.message_id or "")[1])
            continue
        prediction = predictor.predict(item, explain=True)
        recorded = [a for a in (item.sender, *(item.to or ()), *(item.cc or ())) if a]
        external = [a for a in recorded if not directory.is_internal(a)]
        code = setup.pack.outcome(item.outcome)
        matches.append(
            {
                "answer": answer(item.outcome, code, prediction, external).to_dict(),
                "entry": {**_UNRECORDED, **item.to_dict()},
                "when": item.time.strftime("%Y-%m-%d %H:%M:%S UTC"),
                "meaning": outcome_meaning(item.outcome, setup.pack),
                "prediction": prediction.to_dict(),
                "predicted_meaning": outcome_meaning(prediction.outcome, setup.pack)
                if prediction.outcome
                else None,
                "recorded": {
                    "from": item.sender is not None,
                    "to": item.to is not None or item.cc is not None,
                },
                "external": external,
            }
        )
    data = {
        "query": subject,
        "log": _label(log),
        "organization": setup.config.name,
        "pack": setup.pack.label,
        "version": __version__,
        "matches": matches,
        "searched": searched,
        "matched": matched,
        "rejected_count": rejected_count,
        "rejected": [r.to_dict() for r in rejected],
        "rejected_groups": rejections.to_list(),
        "since": query.since.isoformat() if query.since else None,
        "until": query.until.isoformat() if query.until else None,
    }
    names = [u.name for u in setup.config.users]
    redactor = make_redactor(redact, redact_key, names, redact_subjects)
    if redactor is not None:
        data = {**redactor.scrub(data), "redacted": True}
    _refuse_unreadable(log, searched, rejections, redactor)
    if format is WhyFormat.json:
        emit(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", output)
    else:
        from whynolog.reports.render import render

        colour = output is None and use_colour()
        emit(render("why", format.value, data, colour=colour), output)
    _report_rejected(log, searched, rejections, redactor)
    if not matches:
        if format is WhyFormat.json or output is not None:
            asked = redactor.subject(subject) if redactor else subject
            typer.echo(
                f"no entry's subject contains {asked!r} ({searched} entries searched)",
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
        typer.Option("--as-of", help="The moment the health checks look from (default: now)."),
    ] = None,
    stale_after: Annotated[
        str,
        typer.Option(
            "--stale-after",
            help="Alert when no email has logged for longer than this (e.g. 24h, 3d).",
        ),
    ] = "24h",
    business_hours: Annotated[
        str | None,
        typer.Option(
            "--business-hours",
            metavar="HOURS",
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
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Processes for a text log in a file (output is the same as with 1).",
        ),
    ] = 1,
    tz: TzOption = None,
    date_order: DateOrderOption = None,
    columns: ColumnsOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            show_default=False,
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
            metavar="local[:N]|tcp://HOST:PORT",
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
    from whynolog.engine.audit.diagnosis import Diagnosis, parse_duration
    from whynolog.engine.audit.logquery import parse_when

    moment = _option(parse_when, as_of, "--as-of") if as_of else None
    stale = _option(parse_duration, stale_after, "--stale-after")
    from whynolog.engine.audit.rhythm import parse_business_hours

    rhythm = (
        _option(parse_business_hours, business_hours, "--business-hours")
        if business_hours
        else None
    )
    failing = _option(_findings, fail_on, "--fail-on") if fail_on else ()
    if dask is not None:
        from whynolog.engine.audit.distributed import parse_address

        _option(parse_address, dask, "--dask")
    reading = log_reading(tz, date_order, columns)
    setup = load_setup(config, rules)
    names = [u.name for u in setup.config.users]
    redactor = make_redactor(redact, redact_key, names, redact_subjects)
    diagnosis = Diagnosis(
        setup.config,
        as_of=moment,
        stale_after=stale,
        redactor=redactor,
        pack=setup.pack,
        rhythm=rhythm,
    )
    data = diagnose_log(
        log,
        log_format,
        setup,
        diagnosis,
        format,
        output,
        jobs,
        reading,
        entries.value,
        dask,
        progress or sys.stderr.isatty(),
    )
    if data is not None:
        data["redacted"] = redact or redact_subjects
        if format is DiagnoseFormat.html:
            add_charts(data)
        from whynolog.reports.render import render

        colour = output is None and use_colour()
        emit(render("diagnose", format.value, data, colour=colour), output)
    found = {
        "alert": bool(diagnosis.health()["alerts"]),
        "disagree": bool(diagnosis.status["disagree"]),
        "rejected": bool(diagnosis.rejected_count),
    }
    named = [finding for finding in failing if found[finding]]
    if named:
        typer.echo(f"--fail-on: found {', '.join(named)}", err=True)
        raise typer.Exit(EXIT_FINDINGS)


def _findings(text: str) -> tuple[str, ...]:
    """``--fail-on alert,disagree`` as the findings it names."""
    names = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in FailOnChoice]
    if unknown or not names:
        raise ValueError(
            f"unknown finding {', '.join(unknown) or text!r}: expected {', '.join(FailOnChoice)}"
        )
    return names


def _option(parse: Any, text: str, name: str) -> Any:
    try:
        return parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


def diagnose_log(
    log: list[str],
    log_format: LogFormat | None,
    setup: Any,
    diagnosis: Any,
    format: DiagnoseFormat,
    output: Path | None,
    jobs: int = 1,
    reading: dict[str, Any] | None = None,
    entries: api.EntriesChoice = "all",
    dask: str | None = None,
    progress: bool = False,
) -> dict[str, Any] | None:
    """Run the diagnosis; JSON is written as it goes (returns None), else the report data.

    With ``jobs`` > 1 a text log in a file is predicted by that many worker
    processes; CSV, JSON Lines and standard input are read in this one. A log that
    cannot be read (see :func:`~whynolog.engine.read.rejections.unreadable`) raises
    instead of giving a report.
    """
    from whynolog.engine.audit.prediction import Predictor
    from whynolog.engine.read.adminlog import detect_format

    reading = reading or {}
    fmt = log_format.value if log_format else detect_format(log[0])
    rows = "json" if format is DiagnoseFormat.json and entries != "none" else "none"
    predictor = None
    one = log[0] if len(log) == 1 else "-"
    if jobs > 1 and fmt == "text" and one != "-" and Path(one).is_file():
        from whynolog.engine.audit.parallel import parallel_reading, predict_log

        parallel = parallel_reading(one, reading)
    else:
        parallel = None
    if dask is not None:
        batches = _or_bad_option(
            lambda: api.dask_batches(
                setup,
                log,
                diagnosis,
                dask,
                log_format=log_format.value if log_format else None,
                reading=reading,
                rows=rows,
                entries=entries,
                progress=_task_bar() if progress else None,
            ),
            "--dask",
        )
    elif parallel is not None:
        pairs = predict_log(one, setup.config, setup.pack, jobs, reading=parallel)
        batches = with_progress(diagnosis.feed_predicted_batches(pairs, rows), log)
    else:
        predictor = Predictor(setup.config, setup.pack)
        batches = with_progress(
            diagnosis.feed_batches(_entries(log, log_format, setup.pack, reading), predictor, rows),
            log,
        )
    if dask is None:
        batches = api.keep_entries(batches, entries)
    meta = {
        "log": _label(log),
        "organization": setup.config.name,
        "pack": setup.pack.label,
        "version": __version__,
    }
    data: dict[str, Any] | None = None
    if format is DiagnoseFormat.json:
        with _reader_may_stop(), _opened(output) as out:
            held = _HeldOutput(out)
            write_json(held, batches, diagnosis, meta)  # type: ignore[arg-type]
            problem = _unreadable(log, diagnosis)
            if problem is None or held.released:
                held.release()
        if problem is not None:
            if output is not None and not held.released:
                output.unlink(missing_ok=True)
            raise problem
        if output is not None:
            typer.echo(f"wrote {output}", err=True)
    else:
        for _ in batches:
            pass
        problem = _unreadable(log, diagnosis)
        if problem is not None:
            raise problem
        data = api.entry_view({**diagnosis.summary(), **meta}, entries)
    if predictor is not None:
        predictor.engine.remember()  # the next diagnosis with these rules starts informed
    return data


def _unreadable(log: list[str], diagnosis: Any) -> InputError | None:
    from whynolog.engine.read.rejections import unreadable

    return unreadable(_label(log), diagnosis.total, diagnosis.rejections)


HOLD_CHARS = 32 << 20
"""JSON reports up to this size are held back until the whole log is read, so that a log
found unreadable at its end gives one error, not a report (longer ones stream on)."""


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


def _or_bad_option(make: Any, name: str) -> Any:
    try:
        return make()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


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


def write_json(
    out: IO[str], batches: Iterable[list[tuple[str, Any]]], diagnosis: Any, meta: dict[str, Any]
) -> None:
    """The JSON report, streamed: entry rows (JSON texts) as they come, aggregates and
    rejected rows (dicts) last.

    Rejected rows wait in a spool file that stays in memory while small.
    """
    with tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8") as spool:
        out.write('{"entries": [')
        separator = "\n"
        for batch in batches:
            rows = [row for kind, row in batch if kind == "entry"]
            if len(rows) < len(batch):
                spool.writelines(
                    dump_json_line(row) + "\n" for kind, row in batch if kind == "rejected"
                )
            if rows:
                out.write(separator + ",\n".join(rows))
                separator = ",\n"
        out.write("\n],\n")
        for key, value in {**diagnosis.aggregates(), **meta}.items():
            out.write(f"{json.dumps(key)}: {dump_json_line(value)},\n")
        out.write('"rejected": [')
        spool.seek(0)
        separator = "\n"
        for line in spool:
            out.write(separator + line.rstrip("\n"))
            separator = ",\n"
        out.write("\n]}\n")
    out.flush()


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


def add_charts(data: dict[str, Any]) -> None:
    """The report's SVG charts: the daily timeline and the predicted-by-logged matrix."""
    from whynolog.reports.charts import matrix_svg, timeline_svg

    data["charts"] = {
        "timeline": timeline_svg(data["days"], data["by_day"], data["codes"]),
        "matrix": matrix_svg(data["matrix"], data["predicted_codes"], data["codes"]),
    }
