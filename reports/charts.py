"""SVG charts for reports, drawn by pygal and made safe to inline in a mailed HTML file.

pygal writes a ``<script>`` (its tooltip configuration) and comments with the
date into every chart; both are removed, and its random chart id is replaced
by a fixed one, so a chart is static markup and the same data draws the same
bytes. Charts only ever show outcome codes, dates and counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CHART_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif'

# Each outcome keeps its colour across charts; LOG_OK is the green base of every stack.
_PALETTE = {
    "LOG_OK": "#2da44e",
    "NOLOG_CONTENT": "#bf8700",
    "NOLOG_DUPLICATE": "#8c959f",
    "NOLOG_NO_RECIPS": "#54aeff",
    "NOLOG_ALL_IGNORED": "#8250df",
    "NOLOG_NO_USERS": "#fb8f44",
    "NOLOG_SENDER_NOT_USER": "#cf222e",
    "NOT_PROCESSED": "#a40e26",
    "undetermined": "#afb8c1",
}
_SPARE = ("#0969da", "#bc4c00", "#1b7c83", "#6639ba", "#953800", "#4d2d00")


def colour_of(code: str, index: int = 0) -> str:
    """The colour an outcome code is drawn in."""
    return _PALETTE.get(code, _SPARE[index % len(_SPARE)])


def _style(colours: Sequence[str]) -> Any:
    from pygal.style import Style

    return Style(
        background="transparent",
        plot_background="#ffffff",
        foreground="#1d232a",
        foreground_strong="#1d232a",
        foreground_subtle="#57606a",
        opacity=".9",
        opacity_hover="1",
        colors=tuple(colours),
        font_family=_FONT,
        label_font_family=_FONT,
        major_label_font_family=_FONT,
        legend_font_family=_FONT,
        title_font_family=_FONT,
        value_font_family=_FONT,
        tooltip_font_family=_FONT,
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=13,
        title_font_size=15,
        value_font_size=12,
    )


def static_svg(svg: str, name: str) -> str:
    """pygal output as static inline markup: no script, no comments, a fixed id."""
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    svg = _CHART_ID.sub(f"chart-{name}", svg)
    if re.search(r"<script|javascript:|\bon[a-z]+\s*=", svg, re.IGNORECASE):
        raise ValueError("chart markup still holds script")
    return svg


def timeline_svg(
    days: Sequence[str], by_day: Mapping[str, Mapping[str, int]], codes: Sequence[str]
) -> str:
    """Outcomes per day as stacked bars over ``days`` (ISO dates, every day of the span).

    Days without entries stay empty, so an integration that stopped shows as a cliff.
    """
    import pygal

    chart = pygal.StackedBar(
        js=[],
        disable_xml_declaration=True,
        width=960,
        height=380,
        style=_style([colour_of(c, i) for i, c in enumerate(codes)]),
        title="Admin-log entries per day, by outcome",
        x_label_rotation=35 if len(days) > 10 else 0,
        truncate_legend=-1,
        show_minor_x_labels=len(days) <= 31,
        no_data_text="no entries",
        margin=12,
        print_zeroes=False,
    )
    chart.x_labels = [d[5:] if len(days) <= 62 else d for d in days]
    if len(days) > 31:
        chart.x_labels_major = chart.x_labels[:: max(1, len(days) // 15)]
    for code in codes:
        chart.add(code, [by_day.get(day, {}).get(code) or None for day in days])
    return static_svg(chart.render(is_unicode=True), "timeline")


def matrix_svg(
    matrix: Sequence[Mapping[str, Any]], predicted: Sequence[str], logged: Sequence[str]
) -> str:
    """The predicted-by-logged matrix as a dot chart: one row per prediction, dot size = count."""
    import pygal

    counts = {(cell["predicted"], cell["logged"]): cell["count"] for cell in matrix}
    chart = pygal.Dot(
        js=[],
        disable_xml_declaration=True,
        width=900,
        height=max(260, 70 + 46 * len(predicted)),
        style=_style([colour_of(p, i) for i, p in enumerate(predicted)]),
        title="Predicted (rows) by logged (columns)",
        x_label_rotation=25,
        print_values=True,
        show_legend=False,
        margin=12,
        no_data_text="no entries",
        truncate_label=-1,
    )
    chart.x_labels = list(logged)
    for row in predicted:
        label = "several possible" if row == "undetermined" else f"predicted {row}"
        chart.add(label, [counts.get((row, code)) or None for code in logged])
    return static_svg(chart.render(is_unicode=True), "matrix")
