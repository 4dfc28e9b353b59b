"""Many admin logs read as one: files, folders, globs, ``.gz`` and fsspec URLs, in order.

Audits cover months of daily exports, often compressed or in object storage.
Each name a user gives becomes one or more :class:`LogSource` (a folder: its
files, a glob: its matches, both sorted by name, so daily files come in date
order); the sources are read one after the other as one log. Entries never span
two files, and each file keeps its own line numbers, so every message names
the right ``file:line:col``. Local paths are opened directly; a name with
``://`` (``s3://…``, ``file://…``, ``memory://…``) goes through fsspec, which is
imported only then.
"""

from __future__ import annotations

import glob
import gzip
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

from whynolog.engine.base.errors import InputError, Position
from whynolog.engine.read.adminlog import LogEntry, RejectedEntry, detect_format, read_log

_GLOB = frozenset("*?[")


@dataclass(frozen=True)
class LogSource:
    """One log file: a local path, ``-`` (standard input) or an fsspec URL."""

    name: str
    """How messages name it: the path or URL."""

    @property
    def remote(self) -> bool:
        return "://" in self.name

    @property
    def compressed(self) -> bool:
        """Whether it is gzip-compressed (told by its name): it is read whole, never split."""
        return self.name.lower().endswith(".gz")

    def format(self, given: str | None = None) -> str:
        """Its log format: ``given``, else by its name (``.csv.gz`` is CSV)."""
        return given or detect_format(self.name)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """Its bytes, decompressed (``InputError`` when it cannot be opened)."""
        try:
            if self.remote:
                import fsspec

                opened: Any = fsspec.open(self.name, "rb", compression="infer")
            elif self.compressed:
                opened = gzip.open(self.name, "rb")  # noqa: SIM115 - closed by the with below
            else:
                opened = open(self.name, "rb")  # noqa: SIM115 - closed by the with below
            with opened as stream:
                yield stream
        except (FileNotFoundError, IsADirectoryError, PermissionError, ValueError) as exc:
            message = getattr(exc, "strerror", None) or str(exc)
            raise InputError(Position(self.name), f"cannot read the log: {message}") from None

    def size(self) -> int | None:
        """Its size in bytes as stored, when known cheaply."""
        try:
            if self.remote:
                import fsspec

                fs, path = fsspec.core.url_to_fs(self.name)
                return int(fs.size(path))
            return os.path.getsize(self.name)
        except (OSError, ValueError, TypeError):
            return None


def _is_glob(name: str) -> bool:
    return not _GLOB.isdisjoint(name)


def _visible(path: str) -> bool:
    return not any(part.startswith(".") for part in path.replace("\\", "/").split("/") if part)


def _local(name: str) -> list[str]:
    """The files a local name means: itself, a folder's files, or a glob's matches."""
    if os.path.isdir(name):
        found = [
            os.path.join(root, file)
            for root, dirs, files in os.walk(name)
            for file in files
            if not file.startswith(".")
        ]
        # Hidden folders (.git, .cache) are no logs; a walk that visits them is skipped below.
        return sorted(
            path for path in found if _visible(os.path.relpath(path, name)) and os.path.isfile(path)
        )
    if os.path.exists(name) or not _is_glob(name):
        return [name]
    return sorted(path for path in glob.glob(name, recursive=True) if os.path.isfile(path))


def _remote(name: str) -> list[str]:
    """The files an fsspec URL means, as URLs: itself, a folder's files, or a glob's matches."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(name)
    except (ImportError, ValueError) as exc:  # an unknown protocol or a missing package
        raise InputError(Position(name), f"cannot read the log: {exc}") from None
    try:
        if _is_glob(path):
            paths = sorted(p for p in fs.glob(path) if fs.isfile(p))
        elif fs.isdir(path):
            paths = sorted(p for p in fs.find(path) if _visible(p[len(path) :]))
        else:
            return [name]
    except OSError as exc:
        raise InputError(Position(name), f"cannot read the log: {exc}") from None
    return [fs.unstrip_protocol(p) for p in paths]


def resolve(names: Iterable[str]) -> list[LogSource]:
    """The log files that ``names`` mean, in the order to read them.

    Each folder or glob contributes its files sorted by name; one that holds no
    file is an error (an audit silently reading nothing would look healthy).
    """
    sources: list[LogSource] = []
    for name in names:
        if name == "-":
            sources.append(LogSource(name))
            continue
        paths = _remote(name) if "://" in name else _local(name)
        if not paths:
            what = "folder" if os.path.isdir(name) else "pattern"
            raise InputError(Position(name), f"no log file: the {what} matches no file")
        sources.extend(LogSource(path) for path in paths)
    return sources


def read_sources(
    sources: Sequence[LogSource],
    fmt: str | None = None,
    known_codes: Collection[str] | None = None,
    *,
    name_each: bool | None = None,
    **reading: Any,
) -> Iterator[LogEntry | RejectedEntry]:
    """Every entry of ``sources``, one file after the other, as
    :func:`~whynolog.engine.read.adminlog.read_log` reads each (``reading``: its options).

    ``name_each``: each entry names its log (its ``log``), as line numbers alone would be
    ambiguous; by default when there are several sources.
    """
    if name_each is None:
        name_each = len(sources) > 1
    if len(sources) == 1 and not name_each and _plain(sources[0]):
        # one plain file, the usual audit: its reader itself (lazy too), without a
        # generator's step an entry
        return read_log(sources[0].name, sources[0].format(fmt), known_codes, **reading)
    return _read_each(sources, fmt, known_codes, name_each, reading)


def _plain(source: LogSource) -> bool:
    """The source is read by name: stdin or a local file that is not compressed."""
    return source.name == "-" or not (source.remote or source.compressed)


def _read_each(
    sources: Sequence[LogSource],
    fmt: str | None,
    known_codes: Collection[str] | None,
    name_each: bool,
    reading: dict[str, Any],
) -> Iterator[LogEntry | RejectedEntry]:
    for source in sources:
        label = source.name if name_each else None
        if _plain(source):
            yield from read_log(
                source.name, source.format(fmt), known_codes, label=label, **reading
            )
            continue
        with source.open() as stream:
            yield from read_log(
                source.name, source.format(fmt), known_codes, stream=stream, label=label, **reading
            )
