"""The plain data each report renders, built from the API's results (one place for every
front end)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from whynolog import __version__

if TYPE_CHECKING:
    from whynolog.engine.decide.setup import Setup
    from whynolog.engine.decide.verdict import Verdict
    from whynolog.engine.read.adminlog import LogEntry


def simulation_data(verdicts: Sequence[Verdict], setup: Setup) -> dict[str, Any]:
    """The simulate report's data: every verdict, and a summary of outcomes when several."""
    counts = Counter(v.outcome for v in verdicts)
    summary = ", ".join(f"{n} {code}" for code, n in counts.most_common())
    return {
        "verdicts": [v.to_dict() for v in verdicts],
        "organization": setup.config.name,
        "pack": setup.pack.label,
        "summary": f"{len(verdicts)} emails: {summary}" if len(verdicts) > 1 else "",
        "version": __version__,
    }


def with_charts(data: dict[str, Any], *, as_images: bool = False) -> dict[str, Any]:
    """The diagnosis data with its SVG charts: the daily timeline and the predicted-by-logged
    matrix (the HTML report shows them).

    ``as_images`` gives each chart as an ``<img>`` of a ``data:`` URL instead of inline
    markup, for pages whose Content-Security-Policy forbids the charts' inline styles.
    """
    from whynolog.reports.charts import matrix_svg, svg_image, timeline_svg

    charts = {
        "timeline": timeline_svg(data["days"], data["by_day"], data["codes"]),
        "matrix": matrix_svg(data["matrix"], data["predicted_codes"], data["codes"]),
    }
    if as_images:
        charts = {name: svg_image(svg, CHART_TITLES[name]) for name, svg in charts.items()}
    return {**data, "charts": charts}


CHART_TITLES = {
    "timeline": "Admin-log entries per day, by outcome",
    "matrix": "Predicted (rows) by logged (columns)",
}


def search_row(entry: LogEntry) -> dict[str, Any]:
    """A search match as the text table shows it: every participant column, the time, the
    parties in one cell."""
    parties = [*(entry.to or ()), *(entry.cc or ())]
    return {
        **entry.to_row(),
        "when": entry.time.strftime("%Y-%m-%d %H:%M:%S"),
        "parties": ", ".join(parties),
    }
