"""Rendering reports from plain data with Jinja.

Email text is untrusted wherever it is shown, so every format escapes by
default: HTML autoescapes, Markdown escapes its syntax characters, and text
strips terminal control sequences. A template can only opt out explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from whynolog.engine.base.errors import entry_line, entry_lines, entry_place
from whynolog.engine.base.templatecache import compiled_templates

FORMATS = ("text", "markdown", "html")
_EXTENSION = {"text": "txt", "markdown": "md", "html": "html"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&])")
_COLOURS = {"green": "32", "red": "31", "yellow": "33", "cyan": "36", "bold": "1", "dim": "2"}
OUTCOME_COLOUR = {"LOG_OK": "green", "NOT_PROCESSED": "red"}


class Styled(str):
    """Text already made safe for a terminal (it may carry ANSI colour codes)."""


def strip_controls(value: str) -> str:
    """Text without control characters, so an email cannot drive the terminal."""
    return _CONTROL.sub("", value)


def md_escape(value: str) -> str:
    """Text with Markdown (and inline HTML) syntax escaped, on one line."""
    text = strip_controls(value.replace("\r", " ").replace("\n", " "))
    return _MD_SPECIAL.sub(r"\\\1", text)


def fact_value(value: Any) -> str:
    """A fact's value as rule packs write it (``true``/``false``, not Python's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


CLIP = 160
"""Characters of a long text (a subject) a report shows in a table or heading; JSON keeps all."""


def clip(value: Any, limit: int = CLIP) -> str:
    """``value`` shortened to ``limit`` characters, ending in an ellipsis when cut."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_html(value: Any, limit: int = CLIP) -> Markup:
    """A long text shortened, the full text one click away (``<details>``, no script)."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return escape(text)
    return Markup('<details class="long"><summary>{}</summary>{}</details>').format(
        clip(text, limit), text
    )


def breakable(code: Any) -> Markup:
    """An outcome code that may wrap after its underscores (narrow table headers)."""
    return Markup("_<wbr>").join(escape(str(code)).split("_"))


def _line_log(item: Any) -> tuple[int, str | None]:
    """The line of a row (a dict) or an entry, and its log when several are read as one."""
    if isinstance(item, Mapping):
        return item["line"], item.get("log")
    return item.line, getattr(item, "log", None)


def place_of(item: Any) -> str:
    """``line 12``, or ``LOG:12`` when several logs are read as one."""
    return entry_place(*_line_log(item))


def line_of(item: Any) -> str:
    """``12``, or ``LOG:12`` when several logs are read as one (a table's column)."""
    return entry_line(*_line_log(item))


def lines_of(items: Any) -> str:
    """:func:`line_of` of rows, or of a rejection group's lines (``lines`` and ``logs``)."""
    if isinstance(items, Mapping):
        return entry_lines(items["lines"], items.get("logs"))
    return ", ".join(map(line_of, items))


def _finalize_text(value: Any) -> Any:
    if isinstance(value, Styled) or not isinstance(value, str):
        return "" if value is None else value
    return strip_controls(value)


def _finalize_markdown(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    return md_escape(str(value))


@cache
def _environment(fmt: str, colour: bool) -> jinja2.Environment:
    env = _make_environment(fmt, colour, jinja2.PackageLoader("whynolog.reports", "templates"))
    env.bytecode_cache = compiled_templates(fmt)
    return env


def html_environment(front: jinja2.BaseLoader) -> jinja2.Environment:
    """The HTML report environment with ``front``'s templates found first.

    A front end (the web app) renders its own pages and the reports' templates with
    the same filters and escaping; a ``base.html.j2`` of its own frames the reports.
    """
    reports = jinja2.PackageLoader("whynolog.reports", "templates")
    return _make_environment("html", False, jinja2.ChoiceLoader([front, reports]))


def _make_environment(fmt: str, colour: bool, loader: jinja2.BaseLoader) -> jinja2.Environment:
    common: dict[str, Any] = {
        "loader": loader,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        "undefined": jinja2.StrictUndefined,
    }
    if fmt == "html":
        env = jinja2.Environment(autoescape=True, **common)
    elif fmt == "markdown":
        env = jinja2.Environment(autoescape=False, finalize=_finalize_markdown, **common)
    else:
        env = jinja2.Environment(autoescape=False, finalize=_finalize_text, **common)

    def style(value: Any, name: str) -> str:
        text = strip_controls(str(value))
        if fmt != "text" or not colour or name not in _COLOURS:
            return Styled(text)
        return Styled(f"\x1b[{_COLOURS[name]}m{text}\x1b[0m")

    def outcome_style(code: str) -> str:
        colour_name = OUTCOME_COLOUR.get(code, "yellow" if code else "dim")
        return style(code, colour_name)

    env.filters["style"] = style
    env.filters["outcome"] = outcome_style
    env.filters["raw"] = lambda value: Markup(value)
    env.filters["fact_value"] = fact_value
    env.filters["capitalize_first"] = lambda text: str(text)[:1].upper() + str(text)[1:]
    env.filters["clip"] = clip_html if fmt == "html" else clip
    env.filters["breakable"] = breakable if fmt == "html" else (lambda code: code)
    env.filters["pct"] = lambda num, den: f"{100 * num / den:.0f}%" if den else "-"
    env.filters["place"] = place_of
    env.filters["line_of"] = line_of
    env.filters["lines_of"] = lines_of
    return env


def render(name: str, fmt: str, data: dict[str, Any], colour: bool = False) -> str:
    """Render report ``name`` (e.g. ``simulate``) in ``fmt`` over plain ``data``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    template = _environment(fmt, colour).get_template(f"{name}.{_EXTENSION[fmt]}.j2")
    return template.render(**data)
