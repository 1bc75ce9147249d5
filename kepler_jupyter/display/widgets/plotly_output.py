"""Plotly figures inside ipywidgets, as plotly's JSON mime bundle in an ``Output``.

A plotly ``FigureWidget`` (through anywidget) carries the whole plotly.js bundle, about 5 MB,
in each widget's state: every chart under every fit would send it to the browser again and
store it in the saved notebook. plotly's own mime type (``application/vnd.plotly.v1+json``),
rendered by the jupyterlab-plotly extension that ships with plotly, holds only the figure's
data: a few kB, still interactive (zoom, hover, legend toggling).
"""

from __future__ import annotations

import json
from typing import Any

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"


def figure_bundle(figure: Any, text: str = "<plotly figure>", html: str = "") -> dict[str, Any]:
    """The display_data output of ``figure``: plotly's mime type plus a text fallback, and
    ``html`` (an inline SVG of the same chart) for renderers without plotly's (the widget
    HTML manager of nbconvert's pages)."""
    import plotly.io as pio

    payload = json.loads(pio.to_json(figure, validate=False))
    payload["config"] = {"displaylogo": False}
    data: dict[str, Any] = {PLOTLY_MIMETYPE: payload, "text/plain": text}
    if html:
        data["text/html"] = html
    return {"output_type": "display_data", "metadata": {}, "data": data}


def set_figure(output: Any, figure: Any, text: str = "<plotly figure>", html: str = "") -> None:
    """Show ``figure`` in the ipywidgets ``Output`` ``output``, replacing what it showed.

    The output list is set directly rather than through ``display``: that works outside a
    kernel too (where ``display`` would print the figure as text) and redraws without flicker.
    """
    output.outputs = (figure_bundle(figure, text, html),)


def figure_output(figure: Any, text: str = "<plotly figure>", html: str = "") -> Any:
    """A new ``Output`` widget showing ``figure``."""
    import ipywidgets

    output = ipywidgets.Output()
    set_figure(output, figure, text, html)
    return output
