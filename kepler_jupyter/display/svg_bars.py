"""Horizontal bars as an inline SVG: the static twin of ``charts.importance_figure``.

Static HTML (nbconvert's pages, GitHub's viewer) runs no script, so a plotly figure there is an
empty box; these bars need none.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from kepler_jupyter.display.charts import PALETTE

_LABEL_WIDTH, _BAR_WIDTH, _ROW, _TOP = 190, 320, 22, 26


def bars_svg(labels: Sequence[str], shares: Sequence[float], title: str) -> str:
    """One bar per label, longest first as given, each with its share as a percentage.

    Parameters
    ----------
    labels : sequence of str
        What each bar is (user text: escaped).
    shares : sequence of float
        Each bar's share, 0 to 1 (non-finite values are drawn as 0).
    title : str
        Above the bars.
    """
    if not labels:
        return ""
    values = [share if isinstance(share, (int, float)) and math.isfinite(share) else 0.0
              for share in shares]
    top = max(max(values), 1e-12)
    width = _LABEL_WIDTH + _BAR_WIDTH + 60
    height = _TOP + _ROW * len(labels) + 6
    parts = [f"<text x='4' y='16' font-weight='bold'>{html.escape(title)}</text>"]
    for row, (label, value) in enumerate(zip(labels, values, strict=False)):
        y = _TOP + row * _ROW
        length = max(value / top * _BAR_WIDTH, 0.0)
        shown = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f"<text x='{_LABEL_WIDTH - 6}' y='{y + 14}' text-anchor='end'>"
                     f"{html.escape(shown)}<title>{html.escape(label)}</title></text>")
        parts.append(f"<rect x='{_LABEL_WIDTH}' y='{y + 3}' width='{length:.1f}' height='{_ROW - 6}' "
                     f"fill='{PALETTE[0]}'/>")
        parts.append(f"<text x='{_LABEL_WIDTH + length + 4:.1f}' y='{y + 14}'>{value:.0%}</text>")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' class='kepler-bars' width='{width}' "
            f"height='{height}' viewBox='0 0 {width} {height}' font-family='sans-serif' "
            f"font-size='11'>{''.join(parts)}</svg>")
