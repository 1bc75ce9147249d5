"""A live plot of loss and metrics per epoch, shown under the cell during a Keras fit.

``LiveCurves(["loss", "accuracy"])`` draws one panel per metric, each with its training and
validation (``val_…``) curve, and ``update(epoch, logs)`` appends one point per curve. Without
metric names the panels are the metrics of the first epoch's logs. It is shown in addition to
Keras' own progress output, never instead of it.

Two renderings: by default an ipywidgets ``Output`` into which a small static figure is
re-drawn as plotly's JSON mime bundle (a few kB each time), or, on request
(``mode="figurewidget"``), a plotly ``FigureWidget`` that the front end updates in place but
that ships plotly.js (~5 MB) with every fit. Either way the widget shown is a
container displayed at once, filled when the first epoch ends; redraws are throttled to one per
``min_interval`` seconds (fast epochs would otherwise flood the front end), and ``finish()``
draws what is pending. Outside a notebook the text ``repr`` gives the latest values.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

VALIDATION_PREFIX = "val_"
#: logged values that are settings, not metrics
NOT_METRICS = frozenset({"learning_rate", "lr"})


def _panel_names(metric_names: Iterable[str]) -> list[str]:
    """Base metric names in first-seen order: ``["loss", "val_loss", "acc"]`` → loss, acc."""
    panels: list[str] = []
    for name in metric_names:
        base = name[len(VALIDATION_PREFIX):] if name.startswith(VALIDATION_PREFIX) else name
        if base and base not in panels and base not in NOT_METRICS:
            panels.append(base)
    return panels


class LiveCurves:
    """Loss and metric curves that grow by one point per epoch.

    Parameters
    ----------
    metric_names : iterable of str
        The logged names to plot, e.g. ``["loss", "accuracy"]``; ``val_`` names share the panel
        of their base metric, whose validation curve is always drawn when values arrive.
    title : str
        The figure's title.
    mode : {"auto", "figurewidget", "output"}
        ``auto`` (the default) and ``output`` redraw an ``Output``; ``figurewidget`` updates a
        plotly ``FigureWidget`` in place.
    min_interval : float
        Seconds between two redraws at most.
    """

    def __init__(self, metric_names: Iterable[str] | None = None, title: str = "Training curves",
                 mode: str = "auto", min_interval: float = 0.25) -> None:
        self.title = title
        self.min_interval = min_interval
        #: curve name ("loss", "val_loss", …) -> (epochs, values)
        self.history: dict[str, tuple[list[int], list[float]]] = {}
        self.panels: list[str] = []
        self._last_draw = -math.inf  # the first epoch is drawn at once
        self._pending = False
        self._figure_widget: Any = None
        self.mode = self._choose_mode(mode)
        import ipywidgets

        # the container is displayed before the first epoch; the figure goes in when it ends
        self.widget = ipywidgets.VBox([]) if self.mode == "figurewidget" else ipywidgets.Output()
        if metric_names is not None:
            self._set_panels(_panel_names(metric_names) or ["loss"])

    def _set_panels(self, panels: list[str]) -> None:
        self.panels = panels
        for panel in panels:
            for name in (panel, VALIDATION_PREFIX + panel):
                self.history[name] = ([], [])
        if self.mode == "figurewidget":
            import plotly.graph_objects as go

            self._figure_widget = go.FigureWidget(self._layout_figure())
            self.widget.children = (self._figure_widget,)

    # -- public API -------------------------------------------------------------------------

    def update(self, epoch: int, logs: dict[str, Any] | None) -> None:
        """Append the values of ``logs`` for epoch ``epoch`` (0-based, shown 1-based);
        non-numeric and non-finite values are skipped."""
        if not self.panels:
            self._set_panels(_panel_names(logs or {}) or ["loss"])
        for name, value in (logs or {}).items():
            if name not in self.history or isinstance(value, bool):
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if math.isfinite(number):
                epochs, values = self.history[name]
                epochs.append(epoch + 1)
                values.append(number)
        self._pending = True
        if time.monotonic() - self._last_draw >= self.min_interval:
            self.draw()

    def finish(self) -> None:
        """Draw whatever the throttle held back (call once the fit ends)."""
        if self._pending:
            self.draw()

    def draw(self) -> None:
        """Push the current curves to the front end now."""
        self._last_draw = time.monotonic()
        self._pending = False
        if self._figure_widget is not None:
            with self._figure_widget.batch_update():
                for trace in self._figure_widget.data:
                    epochs, values = self.history[trace.meta]
                    trace.x, trace.y = list(epochs), list(values)
        elif self.mode == "output":
            from kepler_jupyter.display.widgets.plotly_output import set_figure

            set_figure(self.widget, self.figure(), repr(self), self.static_html())

    def figure(self) -> Any:
        """A static plotly figure of the curves so far."""
        import plotly.graph_objects as go

        figure = go.Figure(self._layout_figure())
        for trace in figure.data:
            epochs, values = self.history[trace.meta]
            trace.x, trace.y = list(epochs), list(values)
        return figure

    def static_html(self) -> str:
        """The curves so far as an inline SVG (the figure's static twin)."""
        from kepler_jupyter.display.svg_curves import curves_svg

        return curves_svg([{"history": {name: values for name, (_, values) in self.history.items()}}])

    def latest(self) -> dict[str, float]:
        """The last value of every curve that has one."""
        return {name: values[-1] for name, (_, values) in self.history.items() if values}

    # -- display ------------------------------------------------------------------------------

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        latest = self.latest()
        epochs = [e[-1] for e, _ in self.history.values() if e]
        if not epochs:
            return f"LiveCurves({', '.join(self.panels) or 'metrics'}: no epoch yet)"
        parts = []
        for panel in self.panels:
            if panel not in latest and VALIDATION_PREFIX + panel not in latest:
                continue
            text = f"{panel} {latest[panel]:.4g}" if panel in latest else panel
            if VALIDATION_PREFIX + panel in latest:
                text += f" (val {latest[VALIDATION_PREFIX + panel]:.4g})"
            parts.append(text)
        return f"LiveCurves(epoch {max(epochs)}: {', '.join(parts)})"

    # -- building -----------------------------------------------------------------------------

    @staticmethod
    def _choose_mode(mode: str) -> str:
        if mode not in ("auto", "figurewidget", "output"):
            raise ValueError(f"mode must be 'auto', 'figurewidget' or 'output', not {mode!r}")
        # auto: an Output redrawn with plotly's JSON mime bundle, a few kB per epoch; a
        # FigureWidget would ship plotly.js (~5 MB) to the browser with every fit
        return "output" if mode == "auto" else mode

    def _layout_figure(self) -> Any:
        from plotly.subplots import make_subplots

        from kepler_jupyter.display.charts import plot_text

        # names and the title are user text: plot_text keeps plotly from reading markup in them
        figure = make_subplots(rows=len(self.panels), cols=1, shared_xaxes=True,
                               subplot_titles=[plot_text(panel) for panel in self.panels],
                               vertical_spacing=0.08)
        for row, panel in enumerate(self.panels, start=1):
            for name, dash in ((panel, "solid"), (VALIDATION_PREFIX + panel, "dash")):
                figure.add_scatter(x=[], y=[], name=plot_text(name), meta=name, mode="lines+markers",
                                   line={"dash": dash}, row=row, col=1)
        figure.update_layout(title=plot_text(self.title) if self.title else self.title, height=180 + 160 * len(self.panels),
                             margin={"l": 50, "r": 20, "t": 60, "b": 40},
                             legend={"orientation": "h"})
        figure.update_xaxes(title_text="epoch", row=len(self.panels), col=1)
        return figure
