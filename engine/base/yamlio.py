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

import yaml

from whynolog.engine.base.errors import InputError, LimitError, Position

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


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


class _PositionLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader whose mappings and sequences carry 1-based positions."""

    def construct_yaml_map(self, node: yaml.MappingNode) -> Iterable[PosDict]:
        self.flatten_mapping(node)  # merge keys (``<<: *defaults``)
        data = PosDict()
        data.line, data.col = node.start_mark.line + 1, node.start_mark.column + 1
        data.positions = {}
        data.key_positions = {}
        yield data
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise InputError(
                    Position(
                        self.name, key_node.start_mark.line + 1, key_node.start_mark.column + 1
                    ),
                    "a mapping key must be a plain value",
                ) from None
            data[key] = self.construct_object(value_node, deep=True)
            data.positions[key] = _value_position(value_node)
            data.key_positions[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)

    def construct_yaml_seq(self, node: yaml.SequenceNode) -> Iterable[PosList]:
        data = PosList()
        data.line, data.col = node.start_mark.line + 1, node.start_mark.column + 1
        data.positions = []
        yield data
        for item in node.value:
            data.append(self.construct_object(item, deep=True))
            data.positions.append(_value_position(item))

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Any value PyYAML cannot build (``2026-02-30``, ``!!float x``) is an error here."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise InputError(
                Position(self.name, node.start_mark.line + 1, node.start_mark.column + 1),
                f"invalid value {_short(str(node.value))!r}: {exc}",
            ) from None


def _value_position(node: yaml.Node) -> tuple[int, int]:
    """1-based position of a value's text: a quoted scalar's starts after its quote."""
    quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
    return node.start_mark.line + 1, node.start_mark.column + 1 + quoted


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PositionLoader.add_constructor("tag:yaml.org,2002:map", _PositionLoader.construct_yaml_map)
_PositionLoader.add_constructor("tag:yaml.org,2002:seq", _PositionLoader.construct_yaml_seq)


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


def _check_bounds(name: str, text: str) -> None:
    """Refuse a document too large, or whose aliases expand past :data:`MAX_ALIAS_NODES`.

    Aliases are counted on the parser's events, before any node is composed: each
    alias costs the size of what its anchor expands to, so nine anchors of nine
    references stop at the alias that crosses the bound, in milliseconds.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        line = text.count("\n", 0, MAX_DOCUMENT_CHARS) + 1
        raise LimitError(
            Position(name, line, 1),
            f"document larger than the limit of {MAX_DOCUMENT_CHARS // (1024 * 1024)} MiB",
        )
    if "&" not in text or "*" not in text:
        return  # no anchor or no alias, nothing to expand: the usual file skips the second pass
    sizes: dict[str, int] = {}
    open_nodes: list[list[Any]] = []  # [anchor, size so far] of each open collection
    expanded = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor, 0)  # an unknown anchor is the loader's error
            expanded += size
            if expanded > MAX_ALIAS_NODES:
                mark = event.start_mark
                raise LimitError(
                    Position(name, mark.line + 1, mark.column + 1),
                    f"alias *{event.anchor} expands the document past the limit of "
                    f"{MAX_ALIAS_NODES:,} nodes through aliases",
                )
        elif isinstance(event, yaml.CollectionStartEvent):
            open_nodes.append([event.anchor, 1])
            continue
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, size = open_nodes.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        else:
            continue
        if not isinstance(event, yaml.AliasEvent) and anchor is not None:
            sizes[anchor] = size
        if open_nodes:
            open_nodes[-1][1] += size


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
    loader = _PositionLoader(text)
    loader.name = name
    try:
        _check_bounds(name, text)
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise InputError(name, f"YAML syntax error: {problem}", "yaml-syntax") from None
        raise InputError(
            Position(name, mark.line + 1, mark.column + 1),
            f"YAML syntax error: {problem}",
            "yaml-syntax",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(name, f"YAML error: {exc}", "yaml-syntax") from None
    except RecursionError:
        raise InputError(name, "YAML nested too deeply", "yaml-syntax") from None
    finally:
        loader.dispose()


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
