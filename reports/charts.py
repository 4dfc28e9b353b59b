"""SVG charts for reports, drawn by pygal and made safe to inline in a mailed HTML file.

pygal writes a ``<script>`` (its tooltip configuration) and comments with the
date into every chart; both are removed, and its random chart id is replaced
by a fixed one, so a chart is static markup and the same data draws the same
bytes. Charts only ever show outcome codes, dates and counts.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from html import escape
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


def svg_image(svg: str, alt: str) -> str:
    """A chart as an ``<img>`` of a ``data:`` URL: an image runs no script and loads nothing,
    and its own styles are not the page's (a strict Content-Security-Policy allows it)."""
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img class="chart" src="data:image/svg+xml;base64,{encoded}" alt="{escape(alt)}">'


def _count_ticks(top: int) -> list[int]:
    """Whole-number axis ticks from 0 past ``top``: at most about eight of them."""
    steps = (m * 10**e for e in range(12) for m in (1, 2, 5))
    step = next(s for s in steps if top / s <= 8)
    return list(range(0, max(top, 1) + step, step))


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
    chart.y_labels = _count_ticks(
        max((sum(by_day.get(day, {}).values()) for day in days), default=0)
    )  # counts: whole numbers only, never 0.1-0.9
    chart.x_labels = [d[5:] if len(days) <= 62 else d for d in days]
    if len(days) > 31:
        chart.x_labels_major = chart.x_labels[:: max(1, len(days) // 15)]
    for code in codes:
        chart.add(code, [by_day.get(day, {}).get(code) or None for day in days])
    return static_svg(chart.render(is_unicode=True), "timeline")


def matrix_svg(
    matrix: Sequence[Mapping[str, Any]], predicted: Sequence[str], logged: Sequence[str]
) -> str:
    """The predicted-by-logged matrix as a grid of counted cells.

    Every cell is the same size, so a single mismatch is as visible as a hundred
    agreements: agreements are pale green, mismatches solid red with a white count,
    entries with several possible outcomes grey, empty cells a dot.
    """
    counts = {(cell["predicted"], cell["logged"]): cell["count"] for cell in matrix}
    cell_w, cell_h, left, top = 96, 34, 190, 118
    width = left + cell_w * max(len(logged), 1) + 110  # room for the last, slanted label
    height = top + cell_h * max(len(predicted), 1) + 44
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="chart-matrix" class="matrix-chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f"aria-label=\"Predicted (rows) by logged (columns)\" font-family='{_FONT}' "
        f'font-size="13">',
        '<text x="0" y="18" font-size="15" font-weight="600" fill="#1d232a">'
        "Predicted (rows) by logged (columns)</text>",
    ]
    for j, code in enumerate(logged):
        x, y = left + cell_w * j + cell_w / 2, top - 8
        out.append(
            f'<text class="column" x="{x:.0f}" y="{y}" transform="rotate(-35 {x:.0f} {y})" '
            f'fill="#57606a">{escape(_short(code))}</text>'
        )
    for i, row in enumerate(predicted):
        y = top + cell_h * i
        label = "several possible" if row == "undetermined" else _short(row)
        out.append(
            f'<text class="row" x="{left - 10}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="end" '
            f'fill="#1d232a">{escape(label)}</text>'
        )
        for j, code in enumerate(logged):
            n = counts.get((row, code), 0)
            kind = _cell_kind(row, code, n)
            fill, ink = _CELL[kind]
            x = left + cell_w * j
            out.append(
                f'<rect class="cell {kind}" x="{x + 2}" y="{y + 2}" width="{cell_w - 4}" '
                f'height="{cell_h - 4}" rx="4" fill="{fill}" stroke="#d8dee4"/>'
            )
            weight = ' font-weight="700"' if kind == "mismatch" else ""
            out.append(
                f'<text x="{x + cell_w / 2:.0f}" y="{y + cell_h / 2 + 5:.0f}" '
                f'text-anchor="middle" fill="{ink}"{weight}>{n if n else "·"}</text>'
            )
    legend_y = top + cell_h * len(predicted) + 28
    x = left
    for kind, text in (
        ("agree", "agrees"),
        ("mismatch", "mismatch"),
        ("several", "several possible"),
    ):
        fill, _ = _CELL[kind]
        out.append(
            f'<rect x="{x}" y="{legend_y - 12}" width="14" height="14" rx="3" fill="{fill}" '
            f'stroke="#d8dee4"/><text x="{x + 20}" y="{legend_y}" fill="#57606a">{text}</text>'
        )
        x += 40 + 8 * len(text)
    out.append("</svg>")
    return "".join(out)


_CELL = {
    "agree": ("#dafbe1", "#116329"),
    "mismatch": ("#cf222e", "#ffffff"),
    "several": ("#eaeef2", "#1d232a"),
    "empty": ("#ffffff", "#8c959f"),
}


def _cell_kind(predicted: str, logged: str, count: int) -> str:
    if not count:
        return "empty"
    if predicted == "undetermined":
        return "several"
    return "agree" if predicted == logged else "mismatch"


def _short(code: str) -> str:
    """An outcome code without the ``NOLOG_`` every code but two shares."""
    return code.removeprefix("NOLOG_")
