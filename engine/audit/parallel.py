"""Long admin logs and corpora on several cores, with the same result as on one.

``diagnose --jobs``: the log is cut at blank lines into parts; worker
processes read and predict their parts and send back each distinct prediction
once, with the entries naming theirs by index; the parts come back in order. ``diff --jobs``: the
corpus is cut into runs of emails that workers judge with both setups.

A verdict depends on earlier emails only through duplicates (a copy of an
email that logged before), so each worker tracks duplicates within its part,
and the parent judges again the few emails whose copy logged in an earlier part.
"""

from __future__ import annotations

import codecs
import io
import itertools
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, NamedTuple

from whynolog.engine.audit.impact import Judged, PairJudge
from whynolog.engine.audit.prediction import Prediction, Predictor
from whynolog.engine.decide.rulepack import RulePack
from whynolog.engine.decide.setup import Setup
from whynolog.engine.facts.derive import duplicate_key
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry, read_log
from whynolog.engine.read.config import Config
from whynolog.engine.read.emails import Email

MAX_SHARED = 16_384  # distinct predictions kept as objects; emptied when full
PART_BYTES = 2 << 20  # about this much log per task: many tasks keep every worker busy
Item = tuple[LogEntry | RejectedEntry, Prediction | None]
CHUNK_EMAILS = 2_000  # emails a worker judges per task for diff
_worker: Predictor | None = None
_pair_worker: PairJudge | None = None


_SLASHED_YEAR_LAST = re.compile(rb"^[ \t]*[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", re.MULTILINE)
_SAMPLE = 1 << 16


def splittable(sample: bytes, date_order: str | None) -> bool:
    """Whether a text log that starts with ``sample`` may be cut at blank lines into parts
    read apart: not UTF-16/32 or old Mac line ends (parts are cut at ``\n\n`` bytes),
    nor month/day dates whose order the log decides as a whole."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
        return False
    if b"\r" in sample and b"\n" not in sample:
        return False
    return not (date_order is None and _SLASHED_YEAR_LAST.search(sample))


def parallel_reading(path: str, reading: dict[str, Any]) -> dict[str, Any] | None:
    """The reading options for the parts of the text log ``path``, or None when it must be
    read in one process (see :func:`splittable`)."""
    with open(path, "rb") as handle:
        sample = handle.read(_SAMPLE)
    if not splittable(sample, reading.get("date_order")):
        return None
    return {key: reading.get(key) for key in ("tz", "date_order")}


def split_log(path: str, part_bytes: int = PART_BYTES) -> list[tuple[int, int, int]]:
    """``(start, end, first_line)`` of consecutive parts of a text log, cut at blank lines."""
    size = os.path.getsize(path)
    parts: list[tuple[int, int, int]] = []
    start, line = 0, 1
    with open(path, "rb") as handle:
        while start < size:
            end = size
            if start + part_bytes < size:
                handle.seek(start + part_bytes)
                tail = b""
                while True:
                    block = handle.read(1 << 20)
                    cut = (tail + block).find(b"\n\n")
                    if cut >= 0:
                        end = start + part_bytes + cut + 2
                        break
                    if not block:
                        break
                    tail += block
            handle.seek(start)
            newlines, left = 0, end - start
            while left:
                block = handle.read(min(left, 1 << 20))
                newlines += block.count(b"\n")
                left -= len(block)
            parts.append((start, end, line))
            start, line = end, line + newlines
    return parts


def _start_worker(config: Config, pack: RulePack) -> None:
    global _worker
    _worker = Predictor(config, pack)


class Predicted(NamedTuple):
    """An entry of a part, and which of the part's distinct predictions is its."""

    entry: LogEntry
    prediction: int


class PartResult(NamedTuple):
    """What a worker sends back for one part of the log: each distinct prediction once, and
    the entries in log order naming theirs by index."""

    predictions: list[Prediction]
    items: list[Predicted | RejectedEntry]


def _predict_part(task: tuple[str, int, int, int, dict[str, Any]]) -> PartResult:
    """One part's distinct predictions, and its entries naming them by index."""
    path, start, end, first_line, reading = task
    assert _worker is not None
    _worker.logged_ids.clear()  # duplicates are tracked within the part
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    predictions: dict[int, tuple[int, Prediction]] = {}  # id → (index, the prediction)
    out: list[Predicted | RejectedEntry] = []
    codes = _worker.pack.log_codes
    items = read_log(path, "text", codes, stream=io.BytesIO(data), first_line=first_line, **reading)
    for item in items:
        if isinstance(item, RejectedEntry):
            out.append(item)
            continue
        p = _worker.predict(item)
        known = predictions.get(id(p))
        if known is None:
            known = predictions[id(p)] = (len(predictions), p)
        out.append(Predicted(item, known[0]))
    shared = [p for _, p in sorted(predictions.values(), key=lambda pair: pair[0])]
    return PartResult(shared, out)


def predict_log(
    path: str,
    config: Config,
    pack: RulePack,
    jobs: int,
    part_bytes: int = PART_BYTES,
    reading: dict[str, Any] | None = None,
) -> Iterator[Item]:
    """Every entry of the text log ``path`` with its prediction, in order, on ``jobs`` cores.

    At most two parts per worker are in flight, so memory stays flat however
    long the log; a worker that dies raises instead of hanging.
    """
    parts = split_log(path, part_bytes)
    tasks = iter([(path, start, end, line, reading or {}) for start, end, line in parts])
    local = Predictor(config, pack)  # for entries that are duplicates across parts
    shared: dict[Prediction, Prediction] = {}  # one object per distinct prediction
    context = multiprocessing.get_context("spawn")  # a fresh durable_rules host per worker
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start_worker, initargs=(config, pack)
    ) as pool:
        pending: deque[Future[PartResult]] = deque(
            pool.submit(_predict_part, task) for task in itertools.islice(tasks, 2 * jobs)
        )
        while pending:
            part = pending.popleft().result()
            for task in itertools.islice(tasks, 1):
                pending.append(pool.submit(_predict_part, task))
            yield from _merge_part(part, local, shared)


def _merge_part(
    part: PartResult, local: Predictor, shared: dict[Prediction, Prediction]
) -> Iterator[Item]:
    """A part's entries with their predictions, re-predicting cross-part duplicates.

    Equal predictions of every part become one object (``shared``), as in one process.
    """
    if len(shared) > MAX_SHARED:
        shared.clear()
    objects = [shared.setdefault(p, p) for p in part.predictions]
    in_part: set[str] = set()
    logged_codes = local.logged_codes
    for item in part.items:
        if isinstance(item, RejectedEntry):
            yield item, None
            continue
        entry = item.entry
        prediction: Prediction | None = None
        if entry.message_id:
            mid = entry.message_id.strip().lower()
            if mid in local.logged_ids and mid not in in_part:
                prediction = local.predict(entry)  # it logged in an earlier part
            elif entry.outcome in logged_codes:
                local.logged_ids.add(mid)
            if entry.outcome in logged_codes:
                in_part.add(mid)
        yield entry, prediction or objects[item.prediction]


# --- diff ------------------------------------------------------------------------------


def _start_pair_worker(old: Setup, new: Setup) -> None:
    global _pair_worker
    _pair_worker = PairJudge(old, new)


def _judge_chunk(task: tuple[int, Sequence[Email]]) -> list[Judged]:
    """A run of emails judged by both setups; duplicates are tracked within the run."""
    start, emails = task
    assert _pair_worker is not None
    _pair_worker.old_judge.logged.clear()
    _pair_worker.new_judge.logged.clear()
    return [_pair_worker.judge(start + i, email) for i, email in enumerate(emails)]


def judge_corpus(
    emails: Sequence[Email], old: Setup, new: Setup, jobs: int, chunk: int = CHUNK_EMAILS
) -> Iterator[Judged]:
    """:func:`~whynolog.engine.audit.impact.judge_all` on ``jobs`` cores, the same results in order.

    A corpus of at most two runs is judged here, where starting workers would cost more.
    """
    local = PairJudge(old, new)  # judges again the copies of emails that logged earlier
    if len(emails) <= 2 * chunk:
        yield from (local.judge(i, email) for i, email in enumerate(emails))
        return
    tasks = iter([(start, emails[start : start + chunk]) for start in range(0, len(emails), chunk)])
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start_pair_worker, initargs=(old, new)
    ) as pool:
        pending: deque[tuple[int, Future[list[Judged]]]] = deque(
            (task[0], pool.submit(_judge_chunk, task)) for task in itertools.islice(tasks, 2 * jobs)
        )
        while pending:
            start, future = pending.popleft()
            results = future.result()
            for task in itertools.islice(tasks, 1):
                pending.append((task[0], pool.submit(_judge_chunk, task)))
            yield from _merge_chunk(start, emails[start : start + len(results)], results, local)


def _merge_chunk(
    start: int, emails: Sequence[Email], results: list[Judged], local: PairJudge
) -> Iterator[Judged]:
    """A run's results, with the emails whose copy logged in an earlier run judged again."""
    judges = (local.old_judge, local.new_judge)
    # Keys that logged earlier in the run as the worker judged it (its duplicates).
    in_run: tuple[set[Any], set[Any]] = (set(), set())
    for i, (email, judged) in enumerate(zip(emails, results, strict=True)):
        key = duplicate_key(email)
        if key is None:
            yield judged
            continue
        if any(
            key in judge.logged and key not in seen
            for judge, seen in zip(judges, in_run, strict=True)
        ):
            yield local.judge(start + i, email)  # its copy logged in an earlier run
        else:
            for judge, outcome in zip(judges, judged[:2], strict=True):
                if outcome in judge.pack.logged_codes:
                    judge.logged.add(key)
            yield judged
        for judge, seen, outcome in zip(judges, in_run, judged[:2], strict=True):
            if outcome in judge.pack.logged_codes:
                seen.add(key)
