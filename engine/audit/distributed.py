"""``diagnose --dask``: a diagnosis on a Dask cluster, byte for byte what one process writes.

The logs are cut into parts: a text file at blank lines (``\\n\\n``, or
``\\r\\n\\r\\n`` in a CRLF file), a JSON Lines file at line ends, into blocks of about
``blocksize`` bytes, read with :func:`fsspec.utils.read_block` (the cut dask's
``read_text`` makes: each block starts after the first delimiter at or after its
offset); a ``.gz`` or CSV file (a quoted cell may hold a line end), or a log that must
be read whole (see :func:`~whynolog.engine.audit.parallel.splittable`), is one part.

A prediction depends on earlier entries only through duplicates: an entry whose
Message-ID logged before (as the log says: its code, not its prediction). So
the work runs in two waves of tasks:

1. *scan* each part: its line count, and a quick guess (a byte-level look at the
   ``Message-ID:`` and code lines, about a twentieth of the parser's cost) of the
   Message-IDs it logged and of those it may repeat from earlier parts (met before
   any logged copy in the part); CSV, JSON Lines and logs that are not UTF-8 are
   read by the parser instead;
2. *diagnose* each part, the Message-IDs that logged in earlier parts (by the
   guesses, united in order by the driver: cheap set arithmetic) seeded as logged,
   counting into a :class:`~whynolog.engine.audit.tally.PartTally` and writing the
   part's JSON rows. The part also reports its exact Message-IDs, as the parser
   read them: the driver checks, in order, that the seed was the one a single
   process would have had (the parts it depends on) and diagnoses the part again
   with the exact seed when it was not (a guess the parser disagrees with: rare).

Tallies are merged on the workers in a tree as parts are checked (earlier parts on
the left), and the driver fetches only the rows, part by part in order, a few parts
ahead: memory stays flat however long the logs (but for the Message-IDs that
logged, which one process keeps too). Each worker process builds its rule engine
once (:func:`_predictor`, a cache in this module, never pickled: a durable_rules
host cannot be); tasks carry parts, sets of Message-IDs and tallies.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import sys
import threading
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from whynolog.engine.audit.diagnosis import Diagnosis
from whynolog.engine.audit.entryrows import EntriesChoice, Row, keep
from whynolog.engine.audit.parallel import splittable
from whynolog.engine.audit.prediction import Predictor
from whynolog.engine.audit.tally import PartTally, merge, put, take, unbounded
from whynolog.engine.base.errors import WhynologError
from whynolog.engine.decide.rulepack import RulePack
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry, read_log
from whynolog.engine.read.config import Config
from whynolog.engine.read.logsources import LogSource

if TYPE_CHECKING:
    from distributed import Client, Future

BLOCKSIZE = 16 << 20
"""Bytes of text log per part at most: big enough that a task's overhead is small."""
PARTS_PER_WORKER = 4
"""Parts per worker at least (smaller blocks for smaller logs): the load stays balanced."""
MIN_BLOCKSIZE = 1 << 20
AHEAD = 2
"""Parts per worker diagnosed ahead of the one whose rows the driver writes."""
_SAMPLE = 1 << 16
_NO_ROWS: list[Row] = []


@dataclass(frozen=True)
class Part:
    """A part of a log: a byte block of a text file, or a whole file (``length`` None)."""

    index: int
    source: str
    """The log's name as given (messages name it)."""
    path: str
    """Where workers open it: a URL, or an absolute path (workers may run elsewhere)."""
    fmt: str
    start: int = 0
    length: int | None = None
    delimiter: bytes | None = None
    """What separates its entries (a text log in UTF-8), else None."""
    file: int = 0
    """Which of the sources it is part of (a file named twice is read twice)."""
    label: str | None = None
    """The log's name in each entry: set when several logs are read as one."""

    @property
    def guessable(self) -> bool:
        """Its Message-IDs may be guessed from its bytes (a text log cut at blank lines; see
        :func:`_guess`); the parser reads any other part's."""
        return self.delimiter is not None and self.fmt == "text"


@dataclass(frozen=True)
class Job:
    """What every task of one run needs; sent to each worker once (``Client.scatter``)."""

    token: str
    config: Config
    pack: RulePack
    diagnosis: dict[str, Any]
    """The :class:`Diagnosis` arguments: ``as_of``, ``stale_after``, ``redactor``."""
    reading: dict[str, Any] = field(default_factory=dict)
    rows: str = "json"
    """``json`` (each entry's row as its JSON text) or ``none``."""
    entries: EntriesChoice = "all"


@dataclass
class Ids:
    """The Message-IDs of a part: those it logged, and those it may repeat from earlier
    parts (met before any logged copy in the part), keyed as ``Predictor`` keys them."""

    logged: set[str] = field(default_factory=set)
    repeats: set[str] = field(default_factory=set)

    def add(self, message_id: str, logged: bool) -> None:
        mid = message_id.strip().lower()
        if mid not in self.logged:
            self.repeats.add(mid)
        if logged:
            self.logged.add(mid)


@dataclass
class Scan:
    """What the first wave learns of a part: its line count and its Message-IDs (a guess)."""

    newlines: int = 0
    ids: Ids = field(default_factory=Ids)


@dataclass
class Done:
    """What the second wave makes of a part: its rows (a JSON text), its rejected rows, its
    exact Message-IDs and its tally."""

    rows: str | None
    rejected: list[dict[str, Any]]
    ids: Ids
    tally: PartTally
    newlines: int = 0  # of a block: where the next block's lines start


# --- the cluster ------------------------------------------------------------------------


def parse_address(address: str) -> tuple[str, int | None]:
    """``local``, ``local:N`` or a scheduler address as ``("local", N)`` or ``(address, None)``;
    ``ValueError`` for anything else."""
    text = address.strip()
    if text == "local" or text.startswith("local:"):
        count = text.partition(":")[2]
        if count and (not count.isdigit() or int(count) < 1):
            raise ValueError(f"bad --dask {address!r}: expected local, local:N (N >= 1) or tcp://…")
        return "local", int(count) if count else None
    if "://" in text and text.partition("://")[2]:
        return text, None
    raise ValueError(f"bad --dask {address!r}: expected local, local:N or tcp://HOST:PORT")


def _need_dask() -> None:
    if importlib.util.find_spec("distributed") is None:
        raise WhynologError(
            "--dask needs Dask: pip install 'whynolog[dask]' (dask and distributed)"
        )


FORK = sys.platform.startswith("linux")
"""Local workers are forked from this process (Linux), not spawned: a spawned worker imports
Dask and whynolog and builds its engine (about a second of CPU each, several on a loaded
machine), a forked one has them all already. macOS and Windows spawn (fork is unsafe or
missing there)."""


@contextmanager
def session(address: str) -> Iterator[Client]:
    """A client of a new local cluster (``local[:N]``: N worker processes, one thread each)
    or of the scheduler at ``address``; closed (and the local cluster stopped) on exit.

    With :data:`FORK` the caller's other threads must not be in the middle of a rule engine
    while this starts the cluster (the workers are copies of this process)."""
    where, workers = parse_address(address)
    _need_dask()
    from distributed import Client, LocalCluster

    with ExitStack() as stack:
        if where == "local":
            import dask

            settings: dict[str, Any] = {
                # The workers' stack sampling (every 10 ms) costs every task time; no one reads it.
                "distributed.worker.profile.enabled": False,
                # Dask's own watchers (a 20 ms event-loop tick, a 500 ms system monitor for the
                # dashboard, a 100 ms memory check of each worker) cost an idle cluster of two
                # workers 14% of a core; at these intervals, 2%.
                "distributed.admin.tick.interval": "1s",
                "distributed.admin.system-monitor.interval": "5s",
                "distributed.worker.memory.monitor-interval": "1s",
                # A worker busy with a part takes no queued scan (the default, 1.1, gives each
                # worker a second task, and the next part's scan then waits for this part).
                "distributed.scheduler.worker-saturation": 1.0,
            }
            if FORK:
                settings["distributed.worker.multiprocessing-method"] = "fork"
            stack.enter_context(dask.config.set(settings))
            with warnings.catch_warnings():
                # Python 3.12+ warns of fork in a process with threads (Dask's event loop):
                # the workers fork while this thread waits and no other runs whynolog.
                warnings.filterwarnings("ignore", "This process .* is multi-threaded")
                cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,  # durable_rules hosts one engine per process
                    processes=True,
                    dashboard_address=None,  # no web dashboard: nobody looks at it
                    # Its plain HTTP server (health, metrics) on a free port: the default 8787
                    # may be taken by a cluster of the user's own.
                    scheduler_kwargs={"dashboard_address": ":0"},
                    silence_logs=40,  # errors only: nothing else of Dask's on the user's terminal
                )
            stack.callback(cluster.close)
            # Not the default client: it is made in one thread and used from another.
            client = Client(cluster, set_as_default=False)  # type: ignore[no-untyped-call]
            stack.callback(client.close)
        else:
            try:
                client = Client(where, timeout="20s", set_as_default=False)  # type: ignore[no-untyped-call]
                stack.callback(client.close)
            except (OSError, TimeoutError) as exc:
                raise WhynologError(
                    f"--dask: cannot reach the scheduler at {where}: {exc}"
                ) from None
        yield client


# --- the parts ----------------------------------------------------------------------------


def plan(
    sources: Sequence[LogSource],
    fmt: str | None,
    workers: int,
    date_order: str | None = None,
    blocksize: int | None = None,
) -> list[Part]:
    """The parts of ``sources`` in log order."""
    sizes = [s.size() or 0 for s in sources]
    if blocksize is None:
        blocksize = max(
            MIN_BLOCKSIZE, min(BLOCKSIZE, sum(sizes) // max(1, workers * PARTS_PER_WORKER) + 1)
        )
    parts: list[Part] = []
    several = len(sources) > 1
    for file, (source, size) in enumerate(zip(sources, sizes, strict=True)):
        form = source.format(fmt)
        path = source.name if source.remote else os.path.abspath(source.name)
        delimiter = _delimiter(source, date_order, form)
        label = source.name if several else None
        if delimiter is None or source.compressed or size <= blocksize:
            # A gzip stream cannot be entered in the middle: one part, read whole.
            parts.append(Part(len(parts), source.name, path, form, 0, None, delimiter, file, label))
            continue
        for start in range(0, size, blocksize):
            parts.append(
                Part(len(parts), source.name, path, form, start, blocksize, delimiter, file, label)
            )
    return parts


def _delimiter(source: LogSource, date_order: str | None, form: str) -> bytes | None:
    """What separates the entries of a text or JSON Lines log where it may be cut (see
    :func:`~whynolog.engine.audit.parallel.splittable`), or None."""
    if source.name == "-" or form not in ("text", "jsonl"):
        return None
    with source.open() as stream:
        sample = stream.read(_SAMPLE)
    if not splittable(sample, date_order):
        return None
    if form == "jsonl":
        return b"\n"  # a JSON object's line holds no raw line end
    return b"\r\n\r\n" if b"\r\n" in sample else b"\n\n"


@contextmanager
def _opened(part: Part) -> Iterator[BinaryIO]:
    """The bytes of ``part``: its block, or its whole file as a stream."""
    source = LogSource(part.path)
    with source.open() as stream:
        if part.length is None:
            yield stream
            return
        from fsspec.utils import read_block

        yield io.BytesIO(read_block(stream, part.start, part.length, part.delimiter))


def _entries(
    part: Part, stream: BinaryIO, job: Job, first_line: int = 1
) -> Iterator[LogEntry | RejectedEntry]:
    return read_log(
        part.source,
        part.fmt,
        job.pack.log_codes,
        stream,
        first_line=first_line,
        label=part.label,
        **job.reading,
    )


# --- the tasks (run on the workers) ----------------------------------------------------------

_engines: dict[str, Predictor] = {}
"""The predictor of the current run, built once per worker process (durable_rules engines
cannot be pickled, and a ruleset is registered once per process)."""


def _predictor(job: Job) -> Predictor:
    found = _engines.get(job.token)
    if found is None:
        _engines.clear()  # a new run: the last run's engine is released
        found = _engines[job.token] = Predictor(job.config, job.pack)
    return found


_MESSAGE_ID = re.compile(rb"^[ \t]*message[-_ ]?id[ \t]*:(.*)$", re.IGNORECASE | re.MULTILINE)
_SCAN_BYTES = 8 << 20


def _warm(job: Job) -> None:
    _predictor(job)


def _scan(part: Part, job: Job) -> Scan:
    """The first wave: ``part``'s line count (of a block) and its Message-IDs (a guess for
    text: see :func:`_guess`; read by the parser otherwise)."""
    scan = Scan()
    with _opened(part) as stream:
        if part.length is not None:
            scan.newlines = stream.getvalue().count(b"\n")  # type: ignore[attr-defined]
        delimiter = part.delimiter
        if delimiter is None or not part.guessable:
            for item in _entries(part, stream, job):
                if isinstance(item, LogEntry) and item.message_id:
                    scan.ids.add(item.message_id, item.outcome in job.pack.logged_codes)
            return scan
        codes = {code.encode() for code in job.pack.logged_codes}
        tail = b""
        while block := stream.read(_SCAN_BYTES):
            data = tail + block
            cut = data.rfind(delimiter)
            if cut >= 0:
                _guess(data[:cut], delimiter, codes, scan.ids)
                data = data[cut:]
            tail = data
        _guess(tail, delimiter, codes, scan.ids)
    return scan


def _guess(data: bytes, delimiter: bytes, logged_codes: set[bytes], ids: Ids) -> None:
    """The Message-IDs of the entries in ``data`` as the bytes show them: an entry's
    ``Message-ID:`` line, and whether its last line is a code that means it logged."""
    search = _MESSAGE_ID.search
    for entry in data.split(delimiter):
        found = search(entry)
        if found is None:
            continue
        mid = found[1].strip()
        if mid:
            code = entry.rstrip().rpartition(b"\n")[2].strip()
            ids.add(mid.decode("utf-8", "replace"), code in logged_codes)


def _diagnose(part: Part, job: Job, first_line: int, seed: set[str]) -> Done:
    """The second wave: ``part`` diagnosed, the Message-IDs in ``seed`` logged before it."""
    predictor = _predictor(job)
    predictor.logged_ids = set(seed)
    diagnosis = unbounded(Diagnosis(job.config, pack=job.pack, **job.diagnosis))
    rows: list[str] = []
    rejected: list[dict[str, Any]] = []
    first: list[Any] = []
    ids = Ids()
    with _opened(part) as stream:
        newlines = stream.getvalue().count(b"\n") if part.length is not None else 0  # type: ignore[attr-defined]
        items = _noted(_entries(part, stream, job, first_line), first, ids, job.pack.logged_codes)
        for batch in diagnosis.feed_batches(items, predictor, job.rows):  # type: ignore[arg-type]
            for kind, row in keep(batch, job.entries):
                (rows if kind == "entry" else rejected).append(row)
    text = ",\n".join(rows) if job.rows == "json" and rows else None
    tally = take(diagnosis, part.index, first[0] if first else None)
    return Done(text, rejected, ids, tally, newlines)


def _noted(
    items: Iterator[LogEntry | RejectedEntry], first: list[Any], ids: Ids, logged: Any
) -> Iterator[LogEntry | RejectedEntry]:
    """``items``, noting the first entry's time (for the gap across a cut) and the
    Message-IDs as the parser read them."""
    for item in items:
        if isinstance(item, LogEntry):
            if not first:
                first.append(item.time)
            if item.message_id:
                ids.add(item.message_id, item.outcome in logged)
        yield item


def _rows(done: Done) -> tuple[str | None, list[dict[str, Any]], Ids]:
    return done.rows, done.rejected, done.ids


def _tally(done: Done) -> PartTally:
    return done.tally


def _merge(a: PartTally, b: PartTally, job: Job) -> PartTally:
    return merge(a, b, job.diagnosis["stale_after"])


# --- the driver ----------------------------------------------------------------------------


class _Tree:
    """Tallies merged in a binary tree as parts are submitted, earlier parts on the left:
    ``levels[i]`` covers 2**i parts, and higher levels cover earlier ones."""

    def __init__(self, client: Client, job: Any) -> None:
        self.client, self.job = client, job
        self.levels: list[Future[PartTally] | None] = []

    def add(self, tally: Future[PartTally]) -> None:
        level = 0
        while level < len(self.levels) and self.levels[level] is not None:
            tally = self.client.submit(_merge, self.levels[level], tally, self.job, pure=False)
            self.levels[level] = None
            level += 1
        if level == len(self.levels):
            self.levels.append(None)
        self.levels[level] = tally

    def result(self) -> PartTally:
        merged: Future[PartTally] | None = None
        for tally in reversed(self.levels):
            if tally is not None:
                merged = tally if merged is None else self._merge(merged, tally)
        return merged.result() if merged is not None else PartTally()

    def _merge(self, a: Future[PartTally], b: Future[PartTally]) -> Future[PartTally]:
        return self.client.submit(_merge, a, b, self.job, pure=False)


class _Start:
    """A cluster being reached in the background (a local one takes seconds to start)."""

    def __init__(self, address: str, job: Job | None = None) -> None:
        """``job``: the run whose rule engine each worker builds as soon as it is up."""
        self.address, self.job = address, job
        self._stack = ExitStack()
        self._client: Client | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._connect, name="whynolog-dask", daemon=True)
        self._thread.start()

    def _connect(self) -> None:
        try:
            self._client = client = self._stack.enter_context(session(self.address))
            if self.job is not None:
                client.run(_warm, self.job)  # imports and engine, before the first part
        except BaseException as exc:  # raised in the driver by client()
            self._error = exc

    def ready(self) -> bool:
        return not self._thread.is_alive()

    def client(self) -> Client:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._client is not None
        return self._client

    def close(self) -> None:
        self._thread.join()
        self._stack.close()


def diagnose_batches(
    address: str,
    sources: Sequence[LogSource],
    diagnosis: Diagnosis,
    pack: RulePack,
    *,
    log_format: str | None = None,
    reading: dict[str, Any] | None = None,
    rows: str = "json",
    entries: EntriesChoice = "all",
    blocksize: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[list[Row]]:
    """The row batches of ``diagnosis`` run on the Dask cluster at ``address`` (see
    :func:`session`), a part at a time in order (the entry rows of a part come as one JSON
    text, their rows joined by ``,\n``); once they are all taken, ``diagnosis`` holds the
    whole log's counts. A local cluster forks its workers at once (see :data:`FORK`); one
    that spawns them takes seconds to start, and meanwhile this process diagnoses the first
    parts itself (the same work, in order, so nothing waits for the workers' start).

    ``progress(done, total)`` is called as parts are written.
    """
    if any(s.name == "-" for s in sources):
        raise ValueError("--dask reads logs from files or URLs, not standard input")
    where, count = parse_address(address)
    _need_dask()
    reading = dict(reading or {})
    with ExitStack() as stack:
        if where == "local":
            workers = count or os.cpu_count() or 1
        else:
            start = _Start(address)
            stack.callback(start.close)
            workers = max(1, len(start.client().scheduler_info().get("workers", {})))
        parts = plan(sources, log_format, workers, reading.get("date_order"), blocksize)
        job = Job(
            uuid.uuid4().hex,
            diagnosis.config,
            pack,
            {
                "as_of": diagnosis.as_of,
                "stale_after": diagnosis.stale_after,
                "redactor": diagnosis.redactor,
            },
            reading,
            "none" if rows == "none" else "json",  # dict rows are parsed here, from their JSON
            entries,
        )
        run = _Run(job, len(parts), rows, progress, scan_here=where == "local")
        stack.callback(_engines.pop, job.token, None)  # this process's engine, if it made one
        if where == "local" and FORK:
            _predictor(job)  # built before the workers fork: each starts with it
            start = _Start(address)
            stack.callback(start.close)
            start.client()  # this thread waits while the workers fork (see session)
        elif where == "local":
            start = _Start(address, job)
            stack.callback(start.close)
        ahead = 0
        while ahead < len(parts) and not start.ready():
            yield run.here(parts[ahead])
            ahead += 1
        if ahead < len(parts):
            yield from run.there(start.client(), parts[ahead:], workers)
        put(diagnosis, run.total())


class _Run:
    """The state of a distributed diagnosis as the driver goes through the parts in order."""

    def __init__(
        self,
        job: Job,
        parts: int,
        rows: str,
        progress: Callable[[int, int], None] | None,
        scan_here: bool = False,
    ) -> None:
        """``scan_here``: this process scans the text parts itself (a local cluster: the
        workers then only diagnose, and no guessed Message-IDs travel back)."""
        self.job, self.parts, self.rows, self.progress = job, parts, rows, progress
        self.scan_here = scan_here
        self.logged: set[str] = set()  # Message-IDs that logged so far, as the parser read them
        self.lines: dict[int, int] = {}  # each file's next line number
        self.done = 0
        self.tally: PartTally | None = None  # of the parts diagnosed here
        self.tree: _Tree | None = None  # of the parts diagnosed on the cluster

    def _written(self, text: str | None, rejected: list[dict[str, Any]]) -> list[Row]:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.parts)
        return _batch(text, rejected, self.rows)

    def here(self, part: Part) -> list[Row]:
        """``part`` diagnosed in this process (exactly: every earlier part is done)."""
        first_line = self.lines.get(part.file, 1)
        done = _diagnose(part, self.job, first_line, self.logged)
        self.lines[part.file] = first_line + done.newlines
        self.logged |= done.ids.logged
        stale = self.job.diagnosis["stale_after"]
        self.tally = done.tally if self.tally is None else merge(self.tally, done.tally, stale)
        return self._written(done.rows, done.rejected)

    def there(self, client: Client, parts: Sequence[Part], workers: int) -> Iterator[list[Row]]:
        """``parts`` diagnosed on the cluster, their rows in order (see the module's text)."""
        remote = client.scatter(self.job, broadcast=True, hash=False)  # type: ignore[no-untyped-call]
        self.tree = tree = _Tree(client, remote)
        # The guessed Message-IDs of the parts submitted and not yet checked (the checked
        # ones are in self.logged, exact): one set of all IDs in memory, not two.
        guesses: dict[int, set[str]] = {}
        first_lines: dict[int, int] = {}
        pending: deque[tuple[Part, set[str], Future[Any], Future[PartTally]]] = deque()

        def submit(part: Part, first_line: int, seed: set[str]) -> None:
            first_lines[part.index] = first_line
            task = client.submit(_diagnose, part, remote, first_line, seed, pure=False)
            rows = client.submit(_rows, task, pure=False)
            pending.append((part, seed, rows, client.submit(_tally, task, pure=False)))
            # (the part's result lives until both its rows and its tally are taken)

        # With nothing logged before it, the first part's seed is known (none) and so is its
        # first line: it goes before the scans, so that a worker starts on it at once.
        early = bool(parts) and not self.logged
        if early:
            submit(parts[0], self.lines.get(parts[0].file, 1), set())
        # A whole file with nothing before it needs no scan (no lines to count, no seed),
        # nor does a part with nothing after it.
        skip = early and (parts[0].length is None or len(parts) == 1)
        wanted = range(1 if skip else 0, len(parts))
        # A text part cut at blank lines is scanned here when the cluster is local (a
        # byte-level look, about a thirteenth of diagnosing it): an idle process's work, and
        # no sets of guessed Message-IDs to send back. Parts read by the parser are scanned
        # on the cluster.
        away = [i for i in wanted if not (self.scan_here and parts[i].guessable)]
        # One call for them all: Dask then queues them and hands each to the next free
        # worker; one call each binds some to the worker diagnosing the first part.
        found = client.map(_scan, [parts[i] for i in away], job=remote, pure=False)
        scans: dict[int, Future[Scan]] = dict(zip(away, found, strict=True))
        del found

        def checked(
            part: Part, seed: set[str], rows: Future[Any], tally: Future[PartTally]
        ) -> list[Row]:
            text, rejected, ids = rows.result()
            exact = ids.repeats & self.logged
            if seed & ids.repeats != exact:  # the guess missed: again, as one process would
                task = client.submit(
                    _diagnose, part, remote, first_lines.pop(part.index), exact, pure=False
                )
                text, rejected, ids = client.submit(_rows, task, pure=False).result()
                tally = client.submit(_tally, task, pure=False)
            first_lines.pop(part.index, None)
            guesses.pop(part.index, None)
            self.logged |= ids.logged
            tree.add(tally)
            return self._written(text, rejected)

        for i, part in enumerate(parts):
            future = scans.pop(i, None)  # released once read: the worker forgets it
            if future is not None:
                scan = future.result()
            else:
                scan = _scan(part, self.job) if i in wanted else Scan()
            del future
            first_line = self.lines.get(part.file, 1)
            self.lines[part.file] = first_line + scan.newlines
            if not (i == 0 and early):
                # Set intersections, not a test per Message-ID: a part repeats ~all its IDs.
                seed = scan.ids.repeats & self.logged
                for guess in guesses.values():
                    seed |= scan.ids.repeats & guess
                submit(part, first_line, seed)
            guesses[part.index] = scan.ids.logged
            while len(pending) > AHEAD * workers:
                yield checked(*pending.popleft())
        while pending:
            yield checked(*pending.popleft())

    def total(self) -> PartTally:
        """The tally of every part, in order."""
        there = self.tree.result() if self.tree is not None else None
        if self.tally is None:
            return there or PartTally()
        if there is None:
            return self.tally
        return merge(self.tally, there, self.job.diagnosis["stale_after"])


def _batch(text: str | None, rejected: list[dict[str, Any]], rows: str) -> list[Row]:
    """A part's rows as a batch: its entry rows as one JSON text (or parsed, for dicts)."""
    batch: list[Row] = [("rejected", row) for row in rejected]
    if text is not None:
        if rows == "dict":
            batch += [("entry", row) for row in json.loads(f"[{text}]")]
        else:
            batch.append(("entry", text))
    return batch or _NO_ROWS
