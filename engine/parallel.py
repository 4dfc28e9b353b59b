"""Predicting a long text admin log on several cores, with the same result as on one.

The log is cut at blank lines into parts; worker processes read and predict
their parts and send back plain tuples (cheap to pass between processes);
the parts come back in order. A prediction depends on earlier entries only
through duplicates (a Message-ID that logged before), so each worker tracks
duplicates within its part, and the parent re-predicts the few entries whose
Message-ID logged in an earlier part.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from whynolog.engine.adminlog import LogEntry, RejectedEntry, read_log
from whynolog.engine.config import Config
from whynolog.engine.prediction import Prediction, Predictor
from whynolog.engine.rulepack import RulePack

MAX_SHARED = 16_384  # distinct predictions kept as objects; emptied when full
PART_BYTES = 2 << 20  # about this much log per task: many tasks keep every worker busy
Item = tuple[LogEntry | RejectedEntry, Prediction | None]
_worker: Predictor | None = None


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


def _predict_part(task: tuple[str, int, int, int]) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """One part's distinct predictions, and its entries as plain tuples naming them by index."""
    path, start, end, first_line = task
    assert _worker is not None
    _worker.logged_ids.clear()  # duplicates are tracked within the part
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    predictions: dict[int, tuple[int, Prediction]] = {}  # id → (index, the prediction)
    out: list[tuple[Any, ...]] = []
    for item in read_log(path, "text", stream=io.BytesIO(data), first_line=first_line):
        if isinstance(item, RejectedEntry):
            out.append((item.line, item.reason, item.excerpt))
            continue
        p = _worker.predict(item)
        known = predictions.get(id(p))
        if known is None:
            known = predictions[id(p)] = (len(predictions), p)
        out.append((*item, known[0]))
    shared = [(p.outcome, p.possible, p.rule, p.status, p.causes, p.cause_kind)
              for _, p in sorted(predictions.values(), key=lambda pair: pair[0])]
    return shared, out


def predict_log(path: str, config: Config, pack: RulePack, jobs: int,
                part_bytes: int = PART_BYTES) -> Iterator[Item]:
    """Every entry of the text log ``path`` with its prediction, in order, on ``jobs`` cores.

    At most two parts per worker are in flight, so memory stays flat however
    long the log; a worker that dies raises instead of hanging.
    """
    tasks = iter([(path, start, end, line) for start, end, line in split_log(path, part_bytes)])
    local = Predictor(config, pack)  # for entries that are duplicates across parts
    shared: dict[tuple[Any, ...], Prediction] = {}  # one object per distinct prediction
    context = multiprocessing.get_context("spawn")  # a fresh durable_rules host per worker
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                             initargs=(config, pack)) as pool:
        pending: deque[Future[tuple[list[Any], list[tuple[Any, ...]]]]] = deque(
            pool.submit(_predict_part, task) for task in itertools.islice(tasks, 2 * jobs))
        while pending:
            predictions, rows = pending.popleft().result()
            for task in itertools.islice(tasks, 1):
                pending.append(pool.submit(_predict_part, task))
            yield from _merge_part(predictions, rows, local, shared)


def _merge_part(predictions: list[tuple[Any, ...]], rows: list[tuple[Any, ...]],
                local: Predictor, shared: dict[tuple[Any, ...], Prediction]) -> Iterator[Item]:
    """A part's rows as entries and predictions, re-predicting cross-part duplicates.

    Equal predictions of every part become one object (``shared``), as in one process.
    """
    if len(shared) > MAX_SHARED:
        shared.clear()
    objects = [shared.get(p) or shared.setdefault(p, Prediction(*p)) for p in predictions]
    in_part: set[str] = set()
    for row in rows:
        if len(row) == 3:
            yield RejectedEntry(*row), None
            continue
        entry = LogEntry(*row[:9])
        prediction: Prediction | None = None
        if entry.message_id:
            mid = entry.message_id.strip().lower()
            if mid in local.logged_ids and mid not in in_part:
                prediction = local.predict(entry)  # it logged in an earlier part
            elif entry.outcome == "LOG_OK":
                local.logged_ids.add(mid)
            if entry.outcome == "LOG_OK":
                in_part.add(mid)
        yield entry, prediction or objects[row[9]]
