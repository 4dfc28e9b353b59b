"""The library API: the one typed entry point for the CLI, the web app and distributed jobs.

Every front end loads a :class:`Setup` once and calls these functions; they
return plain, typed results that ``whynolog.reports`` renders. Nothing here
prints or exits: user mistakes raise :class:`~whynolog.engine.base.errors.InputError`
(``file:line:col: message``) or ``ValueError`` for a bad option value.

    from whynolog import api

    setup = api.load("org.yaml")
    [verdict] = api.simulate(setup, [{"from": "alice@acme.com", "to": ["bob@x.com"]}])
    report = api.diagnose(setup, "admin.log", as_of="2026-11-26T09:00:00Z")
    report.to_dict()  # == the output of `whynolog diagnose --format json`
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from whynolog import __version__
from whynolog.engine.audit.entryrows import EntriesChoice, entry_view, keep_entries
from whynolog.engine.base.errors import InputError, InputErrors, WhynologError, problems_of
from whynolog.engine.base.schemas import SCHEMA_NAMES
from whynolog.engine.base.schemas import schema_text as _schema_text
from whynolog.engine.base.yamlio import dump_json_line
from whynolog.engine.decide.rulepack import RulePack, load_rule_pack, shipped_rules_path
from whynolog.engine.decide.setup import Setup
from whynolog.engine.decide.verdict import Fix, Verdict
from whynolog.engine.facts.directory import load_indexed_config
from whynolog.engine.read.config import Config
from whynolog.engine.read.emails import Email

if TYPE_CHECKING:  # what only the log verbs need is imported when they run (a quick start)
    from whynolog.engine.audit.diagnosis import Diagnosis
    from whynolog.engine.audit.impact import Impact
    from whynolog.engine.audit.logquery import LogQuery, Search
    from whynolog.engine.audit.redaction import Redactor as Redactor
    from whynolog.engine.audit.rhythm import Rhythm
    from whynolog.engine.decide.inference import RuleEngine as RuleEngine
    from whynolog.engine.qa.lint import Problem
    from whynolog.engine.qa.suite import RunResult
    from whynolog.engine.read.adminlog import LogEntry as LogEntry
    from whynolog.engine.read.adminlog import RejectedEntry as RejectedEntry
    from whynolog.engine.read.logtimes import DateOrder
    from whynolog.engine.read.rejections import Rejections
    from whynolog.engine.read.userimport import Merge

__all__ = [
    "DEFAULT_CONFIG",
    "SCHEMA_NAMES",
    "DiagnosisStream",
    "EntriesChoice",
    "Fix",
    "InputError",
    "InputErrors",
    "LogBytes",
    "LogReading",
    "Report",
    "Setup",
    "UserImport",
    "Verdict",
    "Why",
    "WhynologError",
    "check_read",
    "dask_batches",
    "diagnose",
    "diagnose_stream",
    "diff",
    "find_rules",
    "import_users",
    "json_line",
    "lint",
    "lint_data",
    "load",
    "load_rules",
    "problems_of",
    "read_email_files",
    "read_emails",
    "rules_reference",
    "run_suite",
    "schema_text",
    "search",
    "shared_engine",
    "shipped_rules_path",
    "simulate",
    "why",
]

DEFAULT_CONFIG = "org.yaml"
"""The configuration :func:`load` reads when none is named (in the current folder)."""

PathLike = str | Path
RowForm = Literal["dict", "json", "none"]
Row = tuple[str, Any]
"""One row of a diagnosis: ``("entry", row)`` or ``("rejected", row)``."""


def json_line(value: Any) -> str:
    """One compact, stable JSON line (as every JSON Lines output writes it)."""
    return dump_json_line(value)


def json_text(value: Any) -> str:
    """An indented JSON document (as the ``--format json`` reports write it)."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n"


# --- loading ---------------------------------------------------------------------------


def resolve_config_path(config: PathLike | None) -> str:
    """The configuration to read: ``config``, else ``./org.yaml`` when it exists."""
    if config is not None:
        return str(config)
    if Path(DEFAULT_CONFIG).is_file():
        return DEFAULT_CONFIG
    raise InputError(
        DEFAULT_CONFIG,
        "no configuration: pass --config FILE (or run 'whynolog init DIR' for a starter kit)",
    )


def load_rules(rules: PathLike | RulePack | None = None, *, locate: bool = False) -> RulePack:
    """A rule pack: a file or folder, an already loaded pack, or None for the shipped one.

    ``locate``: find it as the command line does (``rules``, else ``$WHYNOLOG_RULES``, else
    ``./rules/`` when it holds rule files, else the shipped pack), labelled with where it
    came from.
    """
    if isinstance(rules, RulePack):
        return rules
    if not locate:
        return load_rule_pack(rules)
    path, origin = find_rules(rules)
    return dataclasses.replace(load_rule_pack(path), origin=origin)


def find_rules(rules: PathLike | None = None) -> tuple[Path | None, str]:
    """Which rule pack the command line uses, and how it was found: ``rules``, else
    ``$WHYNOLOG_RULES``, else ``./rules/`` when it holds rule files, else the shipped pack
    (None)."""
    from whynolog.engine.decide.rulepack import locate_rule_pack

    return locate_rule_pack(rules, os.environ, Path.cwd())


def load(
    config: PathLike | Config | None = None,
    rules: PathLike | RulePack | None = None,
    *,
    locate: bool = False,
) -> Setup:
    """The configuration (default ``./org.yaml``) and the rule pack (default: the shipped one;
    ``locate``: see :func:`load_rules`).

    Load once and reuse: a setup is plain data, safe to share between threads
    and to send to other processes.
    """
    if isinstance(config, Config):
        loaded = config
    else:
        loaded = load_indexed_config(resolve_config_path(config))
    return Setup(loaded, load_rules(rules, locate=locate))


# --- simulate --------------------------------------------------------------------------

EmailsInput = PathLike | Iterable[PathLike | Mapping[str, Any] | Email]


def read_emails(emails: EmailsInput, stdin: bytes | None = None) -> list[Email]:
    """Emails from a path (file, folder, ``-``), or from paths, mappings (the keys of an
    emails file) and :class:`Email` values, in order.

    ``stdin``: the bytes standard input holds, for the path ``-``.
    """
    from whynolog.engine.read.emails import email_from_mapping, load_emails

    items: Iterable[Any] = [emails] if isinstance(emails, (str, Path)) else emails
    out: list[Email] = []
    for index, item in enumerate(items):
        if isinstance(item, Email):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(email_from_mapping(dict(item), "<input>", [index]))
        else:
            out.extend(load_emails(str(item), stdin if str(item) == "-" else None))
    return out


def read_email_files(
    paths: Iterable[PathLike], stdin: bytes | None = None
) -> tuple[list[Email], list[InputError]]:
    """Every readable email of every path, in order, and the errors of the unreadable ones:
    a run judges what it can, then reports the rest. Raises when none is readable."""
    from whynolog.engine.read.emails import raise_errors
    from whynolog.engine.read.emails import read_emails as read_path

    emails: list[Email] = []
    errors: list[InputError] = []
    for path in paths:
        found, problems = read_path(str(path), stdin if str(path) == "-" else None)
        emails.extend(found)
        errors.extend(problems)
    if not emails:
        raise_errors(errors)
    return emails, errors


def raise_errors(errors: list[InputError]) -> None:
    """Raise the one error, or all of them (the first few), if there are any."""
    from whynolog.engine.read.emails import raise_errors as raise_all

    raise_all(errors)


def simulate(
    setup: Setup,
    emails: EmailsInput,
    *,
    history: PathLike | None = None,
    on_rejected: Callable[[RejectedEntry], Any] | None = None,
    stdin: bytes | None = None,
) -> list[Verdict]:
    """Each email's verdict, judged in order (later copies of a logged email are duplicates).

    ``history``: an admin log whose ``LOG_OK`` entries count as already logged;
    its entries that cannot be read go to ``on_rejected``.
    """
    from whynolog.engine.decide.judge import Judge

    known: list[tuple[str, str]] = []
    if history is not None:
        from whynolog.engine.read.history import logged_keys

        known = list(
            logged_keys(
                str(history),
                setup.pack.logged_codes,
                known_codes=setup.pack.log_codes,
                on_rejected=on_rejected,
            )
        )
    judge = Judge(setup.config, setup.pack, history=known)
    return list(judge.judge_all(read_emails(emails, stdin)))


# --- reading logs ----------------------------------------------------------------------


@dataclass(frozen=True)
class LogBytes:
    """An admin log held in memory (an upload, a request body): a name for messages, and
    its bytes. Nothing is written to disk."""

    name: str
    data: bytes

    def __str__(self) -> str:
        return self.name


LogName = PathLike | LogBytes
LogInput = LogName | Sequence[LogName]
"""The log to read: a path (``-`` is standard input), a folder, a glob, an fsspec URL
(``s3://…``, ``memory://…``; ``.gz`` is decompressed), :class:`LogBytes`, or a sequence of
these, read in order as one log."""


def log_names(log: LogInput) -> list[LogName]:
    """The logs of ``log`` as a list (one log or several)."""
    return [log] if isinstance(log, (str, Path, LogBytes)) else list(log)


def log_label(log: LogInput) -> str:
    """How reports name the log: its name, or the names given, comma-separated."""
    return ", ".join(str(name) for name in log_names(log))


@dataclass(frozen=True)
class LogReading:
    """How to read a log's times and CSV headers (``--tz``, ``--date-order``, ``--columns``);
    the defaults read UTC times, the date order the log shows, the usual header names."""

    tz: dt.tzinfo | None = None
    date_order: DateOrder | None = None
    columns: Mapping[str, str] | None = None

    def options(self) -> dict[str, Any]:
        """The keyword arguments of the log reader."""
        return {"tz": self.tz, "date_order": self.date_order, "columns": self.columns}


def parse_zone(text: str) -> dt.tzinfo:
    """``--tz``: an IANA zone name (or UTC) as a zone (``ValueError`` when unknown)."""
    from whynolog.engine.read.logtimes import zone_of

    return zone_of(text)


def parse_columns(text: str) -> dict[str, str]:
    """``--columns field=Header,…`` as a mapping (``ValueError`` when malformed)."""
    from whynolog.engine.read.adminlog import parse_columns as parse

    return parse(text)


def _read_log(
    log: LogInput, log_format: str | None, pack: RulePack, reading: LogReading | None = None
) -> Iterator[LogEntry | RejectedEntry]:
    """The entries of every log of ``log`` in order; the outcome codes known are the rule
    pack's. Names are resolved at once (a missing file stops before any output)."""
    from whynolog.engine.read.adminlog import read_log
    from whynolog.engine.read.logsources import read_sources, resolve

    options = (reading or LogReading()).options()
    parts: list[LogBytes | list[Any]] = []
    for name in log_names(log):
        parts.append(name if isinstance(name, LogBytes) else resolve([str(name)]))

    several = sum(1 if isinstance(part, LogBytes) else len(part) for part in parts) > 1

    if len(parts) == 1 and not isinstance(parts[0], LogBytes):
        return read_sources(parts[0], log_format, pack.log_codes, name_each=several, **options)

    def entries() -> Iterator[LogEntry | RejectedEntry]:
        for part in parts:
            if isinstance(part, LogBytes):
                stream = io.BytesIO(part.data)
                label = part.name if several else None
                yield from read_log(
                    part.name, log_format, pack.log_codes, stream, label=label, **options
                )
            else:
                yield from read_sources(
                    part, log_format, pack.log_codes, name_each=several, **options
                )

    return entries()


def unreadable(
    log: LogInput, read: int, rejections: Rejections, redactor: Redactor | None = None
) -> InputError | None:
    """Why a log cannot be used (no entry read, or most entries rejected), or None."""
    from whynolog.engine.read.rejections import unreadable as problem_of

    problem = problem_of(log_label(log), read, rejections)
    if problem is not None and redactor is not None:
        problem = InputError(problem.position, redactor.text(problem.message))
    return problem


def rejected_note(rejections: Rejections, redactor: Redactor | None = None) -> str | None:
    """One line saying which entries could not be read, grouped by reason (they are never
    dropped), or None when all were read."""
    if not rejections.count:
        return None
    summary = rejections.summary()
    return redactor.text(summary) if redactor is not None else summary


def check_read(
    log: LogInput, read: int, rejections: Rejections, redactor: Redactor | None = None
) -> str | None:
    """Raise the :class:`InputError` of a log that could not be used (see :func:`unreadable`);
    else :func:`rejected_note`."""
    problem = unreadable(log, read, rejections, redactor)
    if problem is not None:
        raise problem
    return rejected_note(rejections, redactor)


# --- search ----------------------------------------------------------------------------


def search(
    log: LogInput,
    *,
    subject: str | None = None,
    since: str | dt.datetime | None = None,
    until: str | dt.datetime | None = None,
    outcomes: Iterable[str] = (),
    address: str | None = None,
    log_format: str | None = None,
    pack: Setup | RulePack | None = None,
    reading: LogReading | None = None,
) -> Search:
    """The admin-log search box: entries by subject, time, outcome (codes or globs) and
    address (or ``@domain``). ``pack``: the rule pack (or setup) whose outcome codes the log
    holds (default: the shipped pack). Raises ``ValueError`` on a bad bound, or an outcome
    pattern that matches none of the pack's codes."""
    from whynolog.engine.audit.logquery import Search

    rules = pack.pack if isinstance(pack, Setup) else load_rules(pack)
    return Search(
        log_query(
            subject=subject,
            since=since,
            until=until,
            outcomes=outcomes,
            address=address,
            known_codes=rules.log_codes,
        ),
        _read_log(log, log_format, rules, reading),
    )


def log_query(
    *,
    subject: str | None = None,
    since: str | dt.datetime | None = None,
    until: str | dt.datetime | None = None,
    outcomes: Iterable[str] = (),
    address: str | None = None,
    known_codes: Collection[str] = (),
) -> LogQuery:
    """A search query; text bounds as ``--since``/``--until`` read them (a bare date
    ``until`` covers that whole day), outcome options may be comma-separated. With
    ``known_codes``, an outcome that can match none of them is a ``ValueError``."""
    from whynolog.engine.audit.logquery import LogQuery

    query = LogQuery.from_options(
        subject=subject,
        since=since if isinstance(since, str) else None,
        until=until if isinstance(until, str) else None,
        outcomes=outcomes,
        address=address,
        known_codes=known_codes,
    )
    if isinstance(since, dt.datetime) or isinstance(until, dt.datetime):
        query = dataclasses.replace(
            query,
            since=since if isinstance(since, dt.datetime) else query.since,
            until=until if isinstance(until, dt.datetime) else query.until,
        )
    return query


# --- diagnose --------------------------------------------------------------------------


def parse_as_of(as_of: str | dt.datetime | None) -> dt.datetime | None:
    """``--as-of`` as a moment (``ValueError`` when it is not one)."""
    from whynolog.engine.audit.logquery import parse_when

    return parse_when(as_of) if isinstance(as_of, str) else as_of


def parse_stale_after(stale_after: str | dt.timedelta) -> dt.timedelta:
    """``--stale-after`` as a duration (``ValueError`` when it is not one)."""
    from whynolog.engine.audit.health import parse_duration

    return parse_duration(stale_after) if isinstance(stale_after, str) else stale_after


def parse_business_hours(hours: str | Rhythm | None) -> Rhythm | None:
    """``--business-hours`` (e.g. ``Mon-Fri 08:00-18:00 Europe/Berlin``) as a rhythm
    (``ValueError`` when it is not one); None: learned from the log."""
    if hours is None or not isinstance(hours, str):
        return hours
    from whynolog.engine.audit.rhythm import parse_business_hours as parse

    return parse(hours)


@dataclass
class Report:
    """A finished diagnosis: every entry's row, the aggregates and the rejected entries."""

    entries: list[dict[str, Any]]
    aggregates: dict[str, Any]
    meta: dict[str, Any]
    rejected: list[dict[str, Any]]
    summary: dict[str, Any]
    """What the reports render (aggregates, days, sample, first rejected rows) with ``meta``
    and ``redacted``."""

    def to_dict(self) -> dict[str, Any]:
        """The report as ``diagnose --format json`` writes it."""
        return {
            "entries": self.entries,
            **self.aggregates,
            **self.meta,
            "rejected": self.rejected,
        }


FINDINGS = ("alert", "disagree", "rejected")
"""What ``diagnose --fail-on`` can ask about."""


class DiagnosisStream:
    """A diagnosis as it runs, for big logs: batches of rows as entries are predicted.

    Iterate it (once) for lists of :data:`Row`, or call :meth:`write_json`;
    :meth:`report` then gives the aggregates (the entries are not kept).
    """

    def __init__(
        self,
        diagnosis: Diagnosis,
        batches: Iterator[list[Row]],
        meta: dict[str, Any],
        on_done: Callable[[], None] = lambda: None,
        redacted: bool = False,
        entries: EntriesChoice = "all",
    ) -> None:
        self.diagnosis = diagnosis
        self.entries = entries
        self.batches = batches
        """The rows still to come; a caller may wrap it (a progress bar) before iterating."""
        self.meta = meta
        self.redacted = redacted
        self._on_done = on_done
        self._done = False

    def __iter__(self) -> Iterator[list[Row]]:
        yield from self.batches
        self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._on_done()

    def unreadable(self) -> InputError | None:
        """Why the log cannot be diagnosed (no entry, or most entries rejected), or None;
        complete once every row was read."""
        return unreadable(self.meta["log"], self.diagnosis.total, self.diagnosis.rejections)

    def findings(self) -> dict[str, bool]:
        """Which of :data:`FINDINGS` the finished diagnosis holds."""
        return {
            "alert": bool(self.diagnosis.health()["alerts"]),
            "disagree": bool(self.diagnosis.status["disagree"]),
            "rejected": bool(self.diagnosis.rejected_count),
        }

    def report(self) -> Report:
        """The aggregates, after the rows still to come are counted; raises the
        :class:`InputError` of a log that could not be read."""
        for _ in self:
            pass
        self._finish()
        problem = self.unreadable()
        if problem is not None:
            raise problem
        return Report(
            [],
            self.diagnosis.aggregates(),
            self.meta,
            list(self.diagnosis.rejected),
            entry_view(
                {**self.diagnosis.summary(), **self.meta, "redacted": self.redacted}, self.entries
            ),
        )

    def write_json(self, out: IO[str]) -> None:
        """The JSON report, streamed: entry rows as they come, aggregates and rejected rows
        last. The stream must give JSON rows (``rows="json"``). Check :meth:`unreadable`
        afterwards: a log found unreadable still gets its (useless) report written.

        Rejected rows wait in a spool file that stays in memory while small.
        """
        with tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8") as spool:
            out.write('{"entries": [')
            separator = "\n"
            for batch in self:
                rows = [row for kind, row in batch if kind == "entry"]
                if len(rows) < len(batch):
                    spool.writelines(
                        dump_json_line(row) + "\n" for kind, row in batch if kind == "rejected"
                    )
                if rows:
                    out.write(separator)  # on its own: a batch's text is copied once less
                    out.write(",\n".join(rows))
                    separator = ",\n"
            out.write("\n],\n")
            for key, value in {**self.diagnosis.aggregates(), **self.meta}.items():
                out.write(f"{json.dumps(key)}: {dump_json_line(value)},\n")
            out.write('"rejected": [')
            spool.seek(0)
            separator = "\n"
            for line in spool:
                out.write(separator + line.rstrip("\n"))
                separator = ",\n"
            out.write("\n]}\n")
        out.flush()


def make_redactor(
    setup: Setup | Sequence[Setup] | None,
    redact: bool,
    key: str | bytes | None = None,
    subjects: bool = False,
) -> Redactor | None:
    """The pseudonymiser of ``--redact`` (with the user names of ``setup``, or of several
    setups) or of ``--redact-subjects`` (``subjects``: whole subjects too, implies
    ``redact``), or None."""
    if not (redact or subjects):
        return None
    from whynolog.engine.audit.redaction import Redactor as Redactor

    secret = key.encode() if isinstance(key, str) else key
    setups = [] if setup is None else [setup] if isinstance(setup, Setup) else list(setup)
    names = [u.name for one in setups for u in one.config.users]
    return Redactor(secret or None, names, subjects)


def diagnose_stream(
    setup: Setup,
    log: LogInput,
    *,
    as_of: str | dt.datetime | None = None,
    stale_after: str | dt.timedelta = "24h",
    business_hours: str | Rhythm | None = None,
    redact: bool = False,
    redact_subjects: bool = False,
    redact_key: str | bytes | None = None,
    log_format: str | None = None,
    reading: LogReading | None = None,
    jobs: int = 1,
    rows: RowForm = "json",
    entries: EntriesChoice = "all",
    dask: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DiagnosisStream:
    """:func:`diagnose` as a stream of row batches, in bounded memory however long the log.

    ``rows``: each entry's row as its JSON text (``"json"``), a dict, or
    ``None`` (``"none"``: only the aggregates are wanted). With ``jobs`` > 1 a
    text log in a file is predicted by that many worker processes (the same result).
    ``entries``: which entry rows come (see :data:`EntriesChoice`). ``dask``: run on a Dask
    cluster (see :func:`dask_batches`; ``progress(done, total)`` follows its parts).
    """
    from whynolog.engine.audit.diagnosis import Diagnosis
    from whynolog.engine.audit.prediction import Predictor
    from whynolog.engine.read.adminlog import detect_format

    diagnosis = Diagnosis(
        setup.config,
        as_of=parse_as_of(as_of),
        stale_after=parse_stale_after(stale_after),
        redactor=make_redactor(setup, redact, redact_key, redact_subjects),
        pack=setup.pack,
        rhythm=parse_business_hours(business_hours),
    )
    reading = reading or LogReading()
    path = log_label(log)
    fmt = log_format or detect_format(path)
    if entries == "none":
        rows = "none"
    parallel = None
    local = isinstance(log, (str, Path)) and path != "-" and Path(path).is_file()
    if jobs > 1 and fmt == "text" and local:
        from whynolog.engine.audit.parallel import parallel_reading

        parallel = parallel_reading(path, reading.options())
    on_done: Callable[[], None] = lambda: None  # noqa: E731
    if dask is not None:
        batches = dask_batches(
            setup,
            log,
            diagnosis,
            dask,
            log_format=log_format,
            reading=reading,
            rows=rows,
            entries=entries,
            progress=progress,
        )
    elif parallel is not None:
        from whynolog.engine.audit.parallel import predict_log

        pairs = predict_log(path, setup.config, setup.pack, jobs, reading=parallel)
        batches = diagnosis.feed_predicted_batches(pairs, rows)
    else:
        predictor = Predictor(setup.config, setup.pack)
        items = _read_log(log, log_format, setup.pack, reading)
        batches = diagnosis.feed_batches(items, predictor, rows)
        on_done = predictor.engine.remember  # the next diagnosis with these rules starts informed
    if dask is None:
        batches = keep_entries(batches, entries)
    meta = {
        "log": path,
        "organization": setup.config.name,
        "pack": setup.pack.label,
        "version": __version__,
    }
    return DiagnosisStream(diagnosis, batches, meta, on_done, redact or redact_subjects, entries)


def parse_dask(address: str) -> str:
    """``--dask``: ``local``, ``local:N`` or ``tcp://HOST:PORT`` (``ValueError`` otherwise)."""
    from whynolog.engine.audit.distributed import parse_address

    parse_address(address)
    return address


def dask_batches(
    setup: Setup,
    log: LogInput,
    diagnosis: Diagnosis,
    address: str,
    *,
    log_format: str | None = None,
    reading: LogReading | None = None,
    rows: RowForm = "json",
    entries: EntriesChoice = "all",
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[list[Row]]:
    """The row batches of ``diagnosis`` computed on a Dask cluster: ``address`` is ``local``
    (a local cluster of one worker process per core), ``local:N`` (N workers) or a scheduler's
    address (``tcp://HOST:PORT``). The same rows and counts as one process, a part of the
    log at a time (a part's entry rows come as one JSON text); ``diagnosis`` holds the
    counts once the batches are taken. ``ValueError`` for a bad address or a log that is
    not a file or URL; the cluster starts when the first batch is asked for.
    """
    from whynolog.engine.audit.distributed import diagnose_batches
    from whynolog.engine.read.logsources import resolve

    parse_dask(address)
    names = log_names(log)
    if any(isinstance(name, LogBytes) or str(name) == "-" for name in names):
        raise ValueError("--dask reads logs from files or URLs, not standard input or bytes")
    return diagnose_batches(
        address,
        resolve([str(name) for name in names]),
        diagnosis,
        setup.pack,
        log_format=log_format,
        reading=(reading or LogReading()).options(),
        rows=rows,
        entries=entries,
        progress=progress,
    )


def diagnose(
    setup: Setup,
    log: LogInput,
    *,
    as_of: str | dt.datetime | None = None,
    stale_after: str | dt.timedelta = "24h",
    business_hours: str | Rhythm | None = None,
    redact: bool = False,
    redact_subjects: bool = False,
    redact_key: str | bytes | None = None,
    log_format: str | None = None,
    reading: LogReading | None = None,
    jobs: int = 1,
    entries: EntriesChoice = "all",
    dask: str | None = None,
) -> Report:
    """The diagnosis of an admin log: health, predicted against logged, mismatches.

    ``as_of`` is "now" for the health checks (default: now); ``stale_after``
    how long without a logged email raises ``NO_RECENT_LOGGING``, counted in the
    ``business_hours`` (default: learned from the log). Every entry's row is kept:
    for big logs use :func:`diagnose_stream`. A log that cannot be read (no entry,
    or most entries rejected) raises :class:`InputError`.
    """
    stream = diagnose_stream(
        setup,
        log,
        as_of=as_of,
        stale_after=stale_after,
        business_hours=business_hours,
        redact=redact,
        redact_subjects=redact_subjects,
        redact_key=redact_key,
        log_format=log_format,
        reading=reading,
        jobs=jobs,
        rows="dict",
        entries=entries,
        dask=dask,
    )
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for batch in stream:
        for kind, row in batch:
            (rows if kind == "entry" else rejected).append(row)
    report = stream.report()
    report.entries = rows
    report.rejected = rejected
    return report


# --- why -----------------------------------------------------------------------------


@dataclass
class Why:
    """The entries of one email, each explained (:meth:`to_dict` is ``why --format json``)."""

    data: dict[str, Any]
    rejected: list[RejectedEntry]
    """The first entries that could not be read (``data["rejected"]`` as values)."""
    note: str | None = None
    """The line saying which entries could not be read, grouped (redacted when asked)."""

    @property
    def found(self) -> bool:
        """Whether any entry matched."""
        return bool(self.data["matches"])

    def to_dict(self) -> dict[str, Any]:
        return self.data


def why(
    setup: Setup,
    log: LogInput,
    *,
    subject: str,
    since: str | dt.datetime | None = None,
    until: str | dt.datetime | None = None,
    log_format: str | None = None,
    reading: LogReading | None = None,
    redact: bool = False,
    redact_subjects: bool = False,
    redact_key: str | bytes | None = None,
) -> Why:
    """Find the entries of an email someone expected to log (by subject, part of it),
    explain each logged code, re-simulate it and say what to do. A log that cannot be
    read (no entry, or most entries rejected) raises :class:`InputError`."""
    from whynolog.engine.audit.why import explain_entries

    query = log_query(subject=subject, since=since, until=until)
    found = explain_entries(setup, _read_log(log, log_format, setup.pack, reading), query)
    data: dict[str, Any] = {
        "query": subject,
        "log": log_label(log),
        "organization": setup.config.name,
        "pack": setup.pack.label,
        "version": __version__,
        "matches": found.matches,
        "searched": found.searched,
        "matched": found.matched,
        "rejected_count": found.rejected_count,
        "rejected": [r.to_dict() for r in found.rejected],
        "rejected_groups": found.rejections.to_list(),
        "since": query.since.isoformat() if query.since else None,
        "until": query.until.isoformat() if query.until else None,
    }
    redactor = make_redactor(setup, redact, redact_key, redact_subjects)
    if redactor is not None:
        data = {**redactor.scrub(data), "redacted": True}
    note = check_read(log, found.searched, found.rejections, redactor)
    return Why(data, found.rejected, note)


# --- the rule reference ----------------------------------------------------------------


def rules_reference(setup: Setup | RulePack) -> list[dict[str, Any]]:
    """Each rule of the pack in priority order: its conditions, and facts (found by the
    engine) for which it decides and for which it does not match."""
    from whynolog.engine.qa.reference import document

    pack = setup.pack if isinstance(setup, Setup) else setup
    return [doc.to_dict() for doc in document(pack)]


# --- QA: lint, test suites, diff -------------------------------------------------------


def lint(config: PathLike | None = None, rules: PathLike | None = None) -> list[Problem]:
    """Every problem of a configuration (when given) and a rule pack (default: the shipped
    one), sorted by position; each with ``path, line, column, severity, code, message``."""
    from whynolog.engine.qa.lint import lint as run_lint

    return run_lint(str(config) if config is not None else None, rules)


def lint_data(problems: Iterable[Problem]) -> dict[str, Any]:
    """``lint --format json``: every problem, and how many are errors and warnings."""
    from whynolog.engine.qa.lint import ERROR

    rows = [p.to_dict() for p in problems]
    errors = sum(row["severity"] == ERROR for row in rows)
    return {"problems": rows, "errors": errors, "warnings": len(rows) - errors}


def lint_codes() -> dict[str, str]:
    """Every code lint can give, with its meaning (a SARIF report lists them)."""
    from whynolog.engine.qa.lint import CODES

    return {code: meaning for code, (_, meaning) in CODES.items()}


def run_suite(
    path: PathLike | Iterable[PathLike],
    *,
    config: PathLike | None = None,
    rules: PathLike | None = None,
    default_config: PathLike | None = None,
    min_coverage: float | None = None,
) -> RunResult:
    """Run QA test suites (one path or several): every case, then rule coverage.

    ``config``/``rules`` replace what each suite names; ``default_config`` serves
    suites that name none. ``RunResult.ok`` says whether everything passed;
    ``RunResult.to_dict()`` is ``test --format json``.
    """
    from whynolog.engine.qa.suite import run_suites

    paths = [path] if isinstance(path, (str, Path)) else list(path)
    return run_suites(
        [str(p) for p in paths],
        str(config) if config is not None else None,
        str(rules) if rules is not None else None,
        str(default_config) if default_config is not None else None,
        min_coverage,
    )


def junit_xml(run: RunResult) -> str:
    """A suite run as JUnit XML (one testcase per case), for CI dashboards."""
    from whynolog.engine.qa.suite import junit_xml as xml

    return xml(run)


def diff(
    corpus: PathLike,
    old: Setup,
    new: Setup,
    *,
    kind: Literal["auto", "emails", "log"] = "auto",
    jobs: int = 1,
) -> Impact:
    """Which emails of ``corpus`` (an emails file, a folder of ``.eml`` or an admin log) change
    outcome, and why, between two setups. ``Impact.to_dict()`` is ``diff --format json``."""
    from whynolog.engine.audit.impact import compare, load_corpus

    loaded = load_corpus(str(corpus), kind, old.pack.log_codes | new.pack.log_codes)
    return compare(loaded.emails, old, new, str(corpus), loaded.skipped, jobs)


def schema_text(name: str) -> str:
    """A shipped JSON Schema (``config``, ``rules`` or ``suite``) as text."""
    return _schema_text(name)


def shared_engine(setup: Setup) -> RuleEngine:
    """The rule engine every judge of ``setup``'s pack shares; hold it to keep it (and its
    remembered decisions) alive, as a server does for its lifetime."""
    from whynolog.engine.decide.inference import RuleEngine as RuleEngine

    return RuleEngine.shared(setup.pack)


# --- configuration in -------------------------------------------------------------------


@dataclass(frozen=True)
class UserImport:
    """A CRM user export merged into a configuration: the text before and after, and one
    line per change. Nothing is written until :meth:`write`."""

    path: str
    before: str
    merge: Merge

    @property
    def after(self) -> str:
        return self.merge.text

    @property
    def changes(self) -> list[str]:
        return list(self.merge.changes)

    def write(self) -> None:
        """Write the merged configuration over the old one."""
        try:
            Path(self.path).write_text(self.after, encoding="utf-8")
        except OSError as exc:
            raise InputError(self.path, f"cannot write: {exc.strerror}") from None


def import_users(export: PathLike, config: PathLike | None = None) -> UserImport:
    """Merge a CRM user export (CSV/TSV) into ``config`` (default ``./org.yaml``): users are
    matched by address, then by name; comments and order are kept."""
    from whynolog.engine.base.yamlio import read_bytes, read_text
    from whynolog.engine.read.userimport import export_text, merge_users, read_user_export

    path = resolve_config_path(config)
    users = read_user_export(str(export), export_text(str(export), read_bytes(export)))
    before = read_text(path)
    return UserImport(path, before, merge_users(path, before, users))
