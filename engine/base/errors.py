"""The project's error types: every user mistake carries a file position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Position:
    """A 1-based place in a file (line and column 0 mean "the whole file")."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{max(self.col, 1)}"


def entry_line(line: int, log: str | None = None) -> str:
    """A log entry's line: ``12``, or ``LOG:12`` when several logs are read as one."""
    return str(line) if log is None else f"{log}:{line}"


def entry_place(line: int, log: str | None = None) -> str:
    """Where a log entry is: ``line 12``, or ``LOG:12`` when several logs are read as one."""
    return f"line {line}" if log is None else entry_line(line, log)


def entry_lines(lines: list[int], logs: list[str] | None = None) -> str:
    """:func:`entry_line` of each line (``logs``: one a line, when several are read)."""
    named: list[str | None] = [*logs] if logs else [None] * len(lines)
    return ", ".join(map(entry_line, lines, named))


class WhynologError(Exception):
    """Base of every error the CLI turns into a one-line message."""


class InputError(WhynologError):
    """A user's file is unreadable or invalid; rendered as ``file:line:col: message``."""

    where: tuple[object, ...] = ()  # the keys and indexes of the value at fault, when known

    def __init__(self, position: Position | str, message: str, code: str = "input") -> None:
        if isinstance(position, str):
            position = Position(position)
        self.position = position
        self.message = message
        self.code = code  # what kind of mistake, named where it is found (lint shows it)
        super().__init__(f"{position}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (a distributed task's error reaches the driver as it was raised)."""
        return (_rebuilt, (type(self), self.position, self.message, self.code, self.where))


class LimitError(InputError):
    """A document past a reading bound (size, alias expansion): refused whole, even by lint."""

    def __init__(self, position: Position | str, message: str) -> None:
        super().__init__(position, message, "unreadable")


class InputErrors(WhynologError):
    """Several input errors found at once (a schema check reports them all)."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def _rebuilt(
    kind: type[InputError], position: Position, message: str, code: str, where: tuple[object, ...]
) -> InputError:
    error = InputError.__new__(kind)
    InputError.__init__(error, position, message, code)
    error.where = where
    return error


def problems_of(exc: InputError | InputErrors) -> list[InputError]:
    """The individual errors of either error type."""
    return list(exc.errors) if isinstance(exc, InputErrors) else [exc]
