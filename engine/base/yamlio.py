"""YAML and JSON reading that remembers where every value came from, within bounds.

PyYAML's marks are 0-based; they are shifted to 1-based here, once.
The C loader is used when PyYAML was built with libyaml.

Files travel between organisations and the web app accepts pasted text, so a
document is bounded in size and in what its aliases (``*name``, ``<<: *name``)
expand to: a "billion laughs" stops before it is built.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whynolog.engine.base.errors import InputError, Position

MAX_DOCUMENT_CHARS = 32 * 1024 * 1024
"""The largest YAML document read (characters); a 2,000-user configuration is about 300 kB."""
MAX_ALIAS_NODES = 100_000
"""How many nodes all aliases of one document may expand to, together."""


class PosDict(dict):  # type: ignore[type-arg]
    """A mapping that knows the position of itself and of each key's value."""

    line: int = 0
    col: int = 0
    positions: dict[Any, tuple[int, int]]
    key_positions: dict[Any, tuple[int, int]]


class PosList(list):  # type: ignore[type-arg]
    """A sequence that knows the position of itself and of each item."""

    line: int = 0
    col: int = 0
    positions: list[tuple[int, int]]


def read_bytes(path: str | Path) -> bytes:
    """A file's bytes, or an :class:`InputError` saying why they cannot be read."""
    name = str(path)
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(name, "no such file", "unreadable") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory, expected a file", "unreadable") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror}", "unreadable") from None


def read_text(path: str | Path, data: bytes | None = None) -> str:
    """Read a file as UTF-8 text, naming the byte that is not."""
    name = str(path)
    if data is None:
        data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            Position(name, line, col),
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "yaml-syntax",
        ) from None


def load_yaml(path: str | Path, text: str | None = None) -> Any:
    """Parse YAML (JSON is YAML too) into PosDict/PosList trees, within the bounds above.

    The one way whynolog reads YAML: files by path, or text pasted into the web
    app (``load_yaml("<pasted>", text)``). A syntax error, or a document past
    the bounds, becomes an :class:`InputError` at the problem's position.
    """
    name = str(path)
    if text is None:
        text = read_text(path)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(
            Position(name, line, 1), "binary data (NUL byte), expected YAML text", "yaml-syntax"
        )
    from whynolog.engine.base import (
        yamlparse,
    )  # PyYAML is imported on the first parse, not at start

    return yamlparse.parse(name, text)


def position_of(root: Any, path: Iterable[Any], file: str) -> Position:
    """The position of the value at ``path`` (keys and indexes) inside ``root``.

    Walks as deep as the path exists; a missing key points at its parent.
    """
    node = root
    line, col = getattr(root, "line", 0), getattr(root, "col", 0)
    for step in path:
        if isinstance(node, PosDict) and step in node:
            line, col = node.positions.get(step, (line, col))
            node = node[step]
        elif isinstance(node, PosList) and isinstance(step, int) and 0 <= step < len(node):
            line, col = node.positions[step]
            node = node[step]
        else:
            break
    return Position(file, line, col)


def key_position(mapping: Any, key: Any, file: str) -> Position:
    """The position of a mapping's key itself (for "unknown key" messages)."""
    if isinstance(mapping, PosDict) and key in mapping.key_positions:
        line, col = mapping.key_positions[key]
        return Position(file, line, col)
    return Position(file, getattr(mapping, "line", 0), getattr(mapping, "col", 0))


_JSON_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def dump_json_line(obj: Any) -> str:
    """One compact, stable JSON line."""
    return _JSON_LINE.encode(obj)
