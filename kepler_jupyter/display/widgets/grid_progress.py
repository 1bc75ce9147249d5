"""Progress of a grid or random search: done / skipped / remaining and a live results table.

The widget is updated point by point from ``kepler_jupyter.grid``; ``point_line`` is the
plain-text form printed in terminals and scripts.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from kepler_jupyter.display.widgets.compare import format_value, html_table, text_table
from kepler_jupyter.display.widgets.text_fallback import TextFallback
from kepler_jupyter.history.goal import Goal

#: statuses of a point that ran (or was found done) and so count as done
DONE = ("completed", "stopped")


def params_text(params: dict[str, Any]) -> str:
    """A point's parameters as ``name=value`` pairs."""
    return " ".join(f"{name}={format_value(value)}" for name, value in params.items())


def point_value(point: Any, goal: Goal | None) -> float | None:
    """The goal's value for a finished point, when it has a record."""
    record = getattr(point, "record", None)
    return goal.value(record) if goal is not None and record else None


def point_line(point: Any, total: int, goal: Goal | None) -> str:
    """One line per finished point for terminals: ``[3/12] completed  C=0.1  val_loss 0.31``."""
    value = point_value(point, goal)
    metric = f"  {goal.metric} {value:.4g}" if goal is not None and value is not None else ""
    return f"[{point.index + 1}/{total}] {point.status:<11} {params_text(point.params)}{metric}"


class GridProgress(TextFallback, widgets.VBox):
    """A progress bar (done / skipped / remaining) and the results so far, best first.

    Parameters
    ----------
    total : int
        How many points the search has.
    goal : Goal, optional
        The metric shown and sorted by.
    title : str
        What is being searched (the build function's name).
    """

    def __init__(self, total: int, goal: Goal | None = None, title: str = "grid") -> None:
        super().__init__()
        self.total = total
        self.goal = goal
        self.title = title
        self.points: list[Any] = []
        self.bar = widgets.IntProgress(value=0, min=0, max=max(total, 1), description=title[:20])
        self.counts = widgets.HTML()
        self.table = widgets.HTML()
        self.children = [widgets.HBox([self.bar, self.counts]), self.table]
        self._render()

    @property
    def done(self) -> int:
        return sum(point.status in DONE for point in self.points)

    @property
    def skipped(self) -> int:
        return sum(point.status == "skipped" for point in self.points)

    @property
    def failed(self) -> int:
        return sum(point.status not in (*DONE, "skipped") for point in self.points)

    @property
    def remaining(self) -> int:
        return self.total - len(self.points)

    def update(self, point: Any, goal: Goal | None = None) -> None:
        """Record a finished point (any status) and redraw."""
        if goal is not None:
            self.goal = goal
        self.points = [p for p in self.points if p.index != point.index] + [point]
        self._render()

    def counts_text(self) -> str:
        failed = f" · {self.failed} failed" if self.failed else ""
        return (f"{self.done} done · {self.skipped} skipped (already in the journal){failed} · "
                f"{self.remaining} remaining")

    def _sorted_points(self) -> list[Any]:
        def key(point: Any) -> tuple[int, float, int]:
            value = point_value(point, self.goal)
            if value is None or self.goal is None:
                return (1, 0.0, point.index)
            return (0, -value if self.goal.mode == "max" else value, point.index)

        return sorted(self.points, key=key)

    def _rows(self) -> tuple[list[str], list[list[str]]]:
        metric = self.goal.metric if self.goal else "metric"
        header = ["#", "status", "parameters", metric, "experiment"]
        rows = []
        for position, point in enumerate(self._sorted_points()):
            value = point_value(point, self.goal)
            best = position == 0 and value is not None
            record = getattr(point, "record", None) or {}
            rows.append([str(point.index + 1), point.status, params_text(point.params),
                         ("★ " if best else "") + format_value(value), str(record.get("id", ""))[:8]])
        return header, rows

    def _render(self) -> None:
        self.bar.value = len(self.points)
        self.bar.bar_style = "danger" if self.failed else ("success" if not self.remaining else "")
        self.counts.value = html.escape(self.counts_text())
        header, rows = self._rows()
        self.table.value = html_table([html.escape(cell) for cell in header],
                                      [([html.escape(cell) for cell in row], False) for row in rows])

    def static_html(self) -> str:
        """The counts and the results table (the ``text/html`` fallback)."""
        return f"<div><b>{html.escape(self.title)}:</b> {self.counts.value}</div>{self.table.value}"

    def to_text(self) -> str:
        header, rows = self._rows()
        return f"{self.title}: {self.counts_text()}\n" + (text_table(header, rows) if rows else "")

