"""The chart of a Keras fit under its cell: live curves while it trains, then the overlay.

One chart per fit: the curves drawn epoch by epoch become, when the fit ends, the overlay of
this run and the earlier experiment the after-fit report compares it with (the re-run notice
and the report draw no chart of their own). It is a part of the cell's block
(``display.cell_output``), with an inline SVG of the same curves as its static fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kepler_jupyter.display.cell_output import Part
from kepler_jupyter.display.svg_curves import curves_svg
from kepler_jupyter.run.lifecycle import RunObserver

if TYPE_CHECKING:
    from kepler_jupyter.display.reporter import Reporter
    from kepler_jupyter.run.context import FitContext


class LiveCurves(RunObserver):
    """Draws a Keras fit's curves in the cell's block (widget mode; not in a loop summary).

    Parameters
    ----------
    reporter : Reporter
        The cell's reporter: its block, and whether it shows a summary instead.
    """

    what = "drawing the live curves"

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self._live: Any = None
        self._records: list[dict[str, Any]] = []

    def on_started(self, run: FitContext) -> None:
        self._live = None
        cell = self.reporter.cell
        if (cell is None or self.reporter.summary is not None or run.framework != "keras"
                or run.kind != "fit"):
            return
        from kepler_jupyter.display.widgets.live_curves import LiveCurves as LiveCurvesWidget

        live = LiveCurvesWidget()
        self._live, self._records = live, []
        cell.add(Part(live.widget, self._static_html, lambda: repr(live), "curves"))

    def _static_html(self) -> str:
        if self._records:
            return curves_svg(self._records)
        return self._live.static_html() if self._live is not None else ""

    def on_epoch(self, run: FitContext, epoch: int, logs: Mapping[str, float | None]) -> None:
        if self._live is not None:
            self._live.update(epoch, dict(logs))

    def on_ended(self, run: FitContext) -> None:
        live = self._live
        if live is None:
            return
        live.finish()  # draws the last, throttled epoch
        report = run.after_fit_report
        earlier = report.earlier if report is not None else None
        self._records = [run.record] + ([earlier] if earlier and earlier.get("history") else [])
        if len(self._records) > 1:
            from kepler_jupyter.display.charts import curves_figure
            from kepler_jupyter.display.widgets.plotly_output import set_figure

            set_figure(live.widget, curves_figure(self._records), repr(live), curves_svg(self._records))
