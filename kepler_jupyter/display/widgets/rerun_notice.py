"""The notice shown before training when the journal already holds the same experiment.

It says when the earlier run happened, how it ended, its results and notes, what kepler does
now (train again, or skip), and draws the earlier run's curves.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any

import ipywidgets as widgets

from kepler_jupyter.display.charts import curves_figure
from kepler_jupyter.display.svg_curves import curves_svg
from kepler_jupyter.display.widgets.compare import figure_widget, format_value
from kepler_jupyter.display.widgets.text_fallback import TextFallback
from kepler_jupyter.journal.record import experiment_label, get_path, metric_items

ACTION_TEXT = {
    "warn": "Training again, as `--on-duplicate warn` asks. Use `--on-duplicate skip` to keep "
            "the earlier result instead.",
    "skip": "Not trained again (`--on-duplicate skip`): the earlier result stands, and the rest "
            "of the cell still runs.",
    "ask": "Waiting for your answer: train again or keep the earlier result?",
    "train": "Training again, as you chose.",
}


def time_ago(timestamp: str | None, now: datetime | None = None) -> str:
    """``"3 h ago"``-style age of an ISO 8601 timestamp ("at an unknown time" if unreadable)."""
    if not timestamp:
        return "at an unknown time"
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return f"on {timestamp}"
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    seconds = ((now or datetime.now(timezone.utc)) - then).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def outcome_text(record: dict[str, Any]) -> str:
    """How a run ended, in words: status, duration and why it stopped or failed."""
    status = record.get("status", "unknown")
    duration = record.get("duration_s")
    text = str(status) + (f" after {duration:.1f} s" if isinstance(duration, (int, float)) else "")
    if record.get("stop_reason"):
        text += f" ({record['stop_reason']})"
    if get_path(record, "error.type"):
        text += f" ({get_path(record, 'error.type')}: {get_path(record, 'error.message')})"
    return text


def metrics_text(record: dict[str, Any]) -> str:
    """The final metrics as ``name value`` pairs (scores only, not their bookkeeping)."""
    metrics = metric_items(record)
    return ", ".join(f"{name} {format_value(value)}" for name, value in metrics.items()) or "no metrics"


class RerunNotice(TextFallback, widgets.VBox):
    """A notice that this experiment already ran.

    Parameters
    ----------
    previous_record : dict
        The earlier run of the same experiment (``repeats.find_same_experiment``).
    new_record : dict or None
        The record of the fit about to start, if built.
    action : {"warn", "skip", "ask", "train"}
        What kepler does about it (``--on-duplicate``).
    chart : bool
        Draw the earlier run's curves. Under a fit cell they are not drawn here: the fit's own
        chart ends as the overlay of both runs (one chart per fit).
    """

    def __init__(self, previous_record: dict[str, Any], new_record: dict[str, Any] | None = None,
                 action: str = "warn", chart: bool = True) -> None:
        super().__init__()
        self.previous_record = previous_record
        self.new_record = new_record
        self.action = action
        self.figure = (curves_figure([previous_record])
                       if chart and previous_record.get("history") else None)
        children: list[widgets.Widget] = [widgets.HTML(self._body_html())]
        if self.figure is not None:
            children.append(figure_widget(self.figure, curves_svg([self.previous_record])))
        self.children = children

    def _lines(self) -> list[tuple[str, str]]:
        record = self.previous_record
        lines = [("ran", f"{time_ago(record.get('created'))} ({record.get('created', '?')})"),
                 ("ended", outcome_text(record)),
                 ("results", metrics_text(record))]
        for field in ("hypothesis", "conclusion"):
            if get_path(record, f"notes.{field}"):
                lines.append((field, str(get_path(record, f"notes.{field}"))))
        return lines

    @property
    def headline(self) -> str:
        return (f"Already run: the same model, data and settings as "
                f"{experiment_label(self.previous_record)}.")

    @property
    def action_text(self) -> str:
        return ACTION_TEXT.get(self.action, self.action)

    def _body_html(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(name)}</th>"
                       f"<td>{html.escape(value)}</td></tr>" for name, value in self._lines())
        return ("<div class='kepler-rerun' style='border-left: 4px solid var(--jp-warn-color1, "
                "#f0ad4e); padding: 4px 10px;'>"
                f"<b>{html.escape(self.headline)}</b><table>{rows}</table>"
                f"<div>{html.escape(self.action_text)}</div></div>")

    def to_text(self) -> str:
        lines = [self.headline]
        lines += [f"  {name:<10} {value}" for name, value in self._lines()]
        lines.append(self.action_text)
        return "\n".join(lines)

    def static_html(self) -> str:
        """The notice and (with its chart) the earlier run's curves as an inline SVG."""
        svg = curves_svg([self.previous_record]) if self.figure is not None else ""
        return self._body_html() + svg

    def to_html(self, include_plotlyjs: str | bool = "cdn") -> str:
        """A static HTML fragment of the notice and the earlier run's curves."""
        figure = "" if self.figure is None else self.figure.to_html(
            full_html=False, include_plotlyjs=include_plotlyjs)
        return self._body_html() + figure
