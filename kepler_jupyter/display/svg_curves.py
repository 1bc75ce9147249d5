"""Loss and metric curves as an inline SVG: the static twin of ``charts.curves_figure``.

Where widgets and plotly do not run (nbconvert's HTML, GitHub's notebook viewer, VS Code
without the kernel, a notebook reopened in JupyterLab) a cell's output shows its ``text/html``;
this draws the same panels (one per quantity, training solid and validation dashed, one colour
per experiment) as plain SVG, so that HTML needs no script. plotly's own static export needs
kaleido and a browser, and matplotlib is not a dependency: a few polylines are enough.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from kepler_jupyter.display.charts import experiment_colour
from kepler_jupyter.journal.record import experiment_label

PANEL_WIDTH = 300
PANEL_HEIGHT = 190
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 52, 12, 24, 30
#: points drawn per curve at most (a long loop's history is thinned evenly)
MAX_POINTS = 400
#: a panel whose positive values span this factor or more is drawn on a log scale
LOG_SPAN = 100.0
_SKIPPED = ("learning_rate", "lr")


def _base(name: str) -> str:
    return name[4:] if name.startswith("val_") else name


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _curves(record: dict[str, Any]) -> dict[str, list[float | None]]:
    history = record.get("history")
    if not isinstance(history, dict):
        return {}
    return {str(name): [_number(v) for v in values] for name, values in history.items()
            if isinstance(values, list) and name not in _SKIPPED
            and any(_number(v) is not None for v in values)}


def _tick(value: float) -> str:
    return f"{value:.3g}"


def _thinned(values: list[float | None]) -> list[tuple[int, float]]:
    """(epoch, value) pairs, 1-based, without gaps' Nones, at most ``MAX_POINTS``."""
    points = [(index + 1, value) for index, value in enumerate(values) if value is not None]
    if len(points) <= MAX_POINTS:
        return points
    step = len(points) / MAX_POINTS
    return [points[int(i * step)] for i in range(MAX_POINTS)] + [points[-1]]


def _panel(title: str, series: list[tuple[int, str, list[float | None]]], x0: int) -> list[str]:
    """One panel: ``series`` are (experiment position, curve name, values)."""
    drawn = [(position, name, _thinned(values)) for position, name, values in series]
    drawn = [item for item in drawn if item[2]]
    ys = [y for _, _, points in drawn for _, y in points]
    xs = [x for _, _, points in drawn for x, _ in points]
    # a loss that starts at 92 and ends at 0.3 would flatten every other curve: values that
    # span LOG_SPAN or more (all positive) are drawn on a log scale
    log = min(ys) > 0 and max(ys) / min(ys) >= LOG_SPAN
    if log:
        drawn = [(position, name, [(x, math.log10(y)) for x, y in points])
                 for position, name, points in drawn]
        ys = [math.log10(y) for y in ys]
        title += " (log scale)"
    low, high = min(ys), max(ys)
    if high == low:
        low, high = low - 0.5, high + 0.5
    x_max = max(max(xs), 2)
    width = PANEL_WIDTH - _MARGIN_LEFT - _MARGIN_RIGHT
    height = PANEL_HEIGHT - _MARGIN_TOP - _MARGIN_BOTTOM
    left, top = x0 + _MARGIN_LEFT, _MARGIN_TOP

    def px(x: float) -> float:
        return left + (x - 1) / (x_max - 1) * width

    def py(y: float) -> float:
        return top + (high - y) / (high - low) * height

    parts = [
        f"<text x='{x0 + PANEL_WIDTH / 2:.0f}' y='15' text-anchor='middle' font-weight='bold'>"
        f"{html.escape(title)}</text>",
        f"<rect x='{left}' y='{top}' width='{width}' height='{height}' fill='none' stroke='#bbb'/>",
        f"<text x='{left - 4}' y='{top + 4}' text-anchor='end'>{_tick(10 ** high if log else high)}</text>",
        f"<text x='{left - 4}' y='{top + height}' text-anchor='end'>{_tick(10 ** low if log else low)}</text>",
        f"<text x='{left}' y='{top + height + 14}' text-anchor='middle'>1</text>",
        f"<text x='{left + width}' y='{top + height + 14}' text-anchor='middle'>{x_max}</text>",
        f"<text x='{left + width / 2:.0f}' y='{top + height + 26}' text-anchor='middle'>epoch</text>",
    ]
    for position, name, points in drawn:
        colour = experiment_colour(position)
        dash = " stroke-dasharray='5,3'" if name.startswith("val_") else ""
        coordinates = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        if len(points) == 1:
            x, y = points[0]
            parts.append(f"<circle cx='{px(x):.1f}' cy='{py(y):.1f}' r='2.5' fill='{colour}'/>")
        else:
            parts.append(f"<polyline points='{coordinates}' fill='none' stroke='{colour}' "
                         f"stroke-width='1.6'{dash}><title>{html.escape(name)}</title></polyline>")
    return parts


def curves_svg(records: Sequence[dict[str, Any]], metrics: Sequence[str] | None = None) -> str:
    """The curves of ``records`` overlaid, as one ``<svg>`` element ('' when none has any).

    Parameters
    ----------
    records : sequence of dict
        Journal records (or anything with a ``history`` of per-epoch lists); the first is
        drawn in the first colour, as ``charts.curves_figure`` does.
    metrics : sequence of str, optional
        History keys to draw; default every key any record has.
    """
    curves = [_curves(record) for record in records]
    names = list(dict.fromkeys(name for per_record in curves for name in per_record))
    if metrics:
        names = [name for name in names if name in metrics]
    # the loss first, as a reader looks for it first
    panels = sorted(dict.fromkeys(_base(name) for name in names), key=lambda panel: panel != "loss")
    if not panels:
        return ""
    body: list[str] = []
    for index, panel in enumerate(panels):
        series = [(position, name, per_record[name])
                  for position, per_record in enumerate(curves)
                  for name in (panel, "val_" + panel) if name in per_record]
        body += _panel(panel, series, index * PANEL_WIDTH)
    legend_y = PANEL_HEIGHT + 6
    for position, record in enumerate(records):
        if not curves[position]:
            continue
        y = legend_y + 14 * position
        body.append(f"<line x1='{_MARGIN_LEFT}' y1='{y}' x2='{_MARGIN_LEFT + 18}' y2='{y}' "
                    f"stroke='{experiment_colour(position)}' stroke-width='2'/>")
        body.append(f"<text x='{_MARGIN_LEFT + 24}' y='{y + 4}'>"
                    f"{html.escape(experiment_label(record))}</text>")
    body.append(f"<text x='{_MARGIN_LEFT + 24}' y='{legend_y + 14 * len(records) + 4}' fill='#666'>"
                "solid: training · dashed: validation</text>")
    width = PANEL_WIDTH * len(panels)
    height = legend_y + 14 * len(records) + 12
    return (f"<svg xmlns='http://www.w3.org/2000/svg' class='kepler-curves' width='{width}' "
            f"height='{height}' viewBox='0 0 {width} {height}' font-family='sans-serif' "
            f"font-size='11'>{''.join(body)}</svg>")
