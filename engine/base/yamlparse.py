"""PyYAML's side of :func:`whynolog.engine.base.yamlio.load_yaml`: the loader that keeps positions.

Kept apart so that PyYAML is imported on the first parse: a start whose
configuration and rule pack come from the cache never needs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from whynolog.engine.base import yamlio  # the bounds are read from there at each parse
from whynolog.engine.base.errors import InputError, LimitError, Position
from whynolog.engine.base.yamlio import PosDict, PosList

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class _PositionLoader(_BaseLoader):  # type: ignore[misc]
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


def check_bounds(name: str, text: str) -> None:
    """Refuse a document too large, or whose aliases expand past :data:`yamlio.MAX_ALIAS_NODES`.

    Aliases are counted on the parser's events, before any node is composed: each
    alias costs the size of what its anchor expands to, so nine anchors of nine
    references stop at the alias that crosses the bound, in milliseconds.
    """
    limit, most = yamlio.MAX_DOCUMENT_CHARS, yamlio.MAX_ALIAS_NODES
    if len(text) > limit:
        line = text.count("\n", 0, limit) + 1
        raise LimitError(
            Position(name, line, 1),
            f"document larger than the limit of {limit // (1024 * 1024)} MiB",
        )
    if "&" not in text or "*" not in text:
        return  # no anchor or no alias, nothing to expand: the usual file skips the second pass
    sizes: dict[str, int] = {}
    open_nodes: list[list[Any]] = []  # [anchor, size so far] of each open collection
    expanded = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor or "", 0)  # an unknown anchor is the loader's error
            expanded += size
            if expanded > most:
                mark = event.start_mark
                line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                raise LimitError(
                    Position(name, line, column),
                    f"alias *{event.anchor} expands the document past the limit of "
                    f"{most:,} nodes through aliases",
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


def parse(name: str, text: str) -> Any:
    """``text`` as PosDict/PosList trees; a syntax error or a bound crossed is an InputError."""
    loader = _PositionLoader(text)
    loader.name = name
    try:
        check_bounds(name, text)
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
