"""What kepler shows under a cell once a fit has ended: the result against the goal, what
changed since the nearest earlier experiment (settings, layers, data, metric), the most similar
earlier experiments with their metrics, and pointers to reusable weights.

``AfterFitView(report)`` takes a ``repeats.AfterFit`` (``repeats.after_fit_report``); its
``repr`` is the plain-text version for terminals.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from kepler_jupyter.display.charts import curves_figure
from kepler_jupyter.display.svg_curves import curves_svg
from kepler_jupyter.display.widgets.compare import (
    figure_widget,
    format_value,
    html_table,
    text_table,
)
from kepler_jupyter.display.widgets.text_fallback import TextFallback
from kepler_jupyter.history.repeats import AfterFit
from kepler_jupyter.journal.record import experiment_label, metric_items

#: changes listed before the rest are folded: against another kind of model (a pipeline after
#: a Keras network) every setting differs, and the list would fill the cell
CHANGES_SHOWN = 8


def change_lines(changes: dict[str, Any]) -> list[tuple[str, str]]:
    """``(topic, text)`` lines describing ``repeats.describe_changes`` output."""
    lines: list[tuple[str, str]] = []
    metric = changes.get("metric")
    if metric and metric.get("delta") is not None:
        verdict = "better" if metric["better"] else ("the same" if metric["delta"] == 0 else "worse")
        lines.append(("metric", f"{metric['metric']} {format_value(metric['before'])} → "
                                f"{format_value(metric['after'])} ({metric['delta']:+.4g}, {verdict})"))
    if changes.get("model_class"):
        lines.append(("model", "{} → {}".format(*changes["model_class"])))
    for item in changes.get("settings", []):
        lines.append(("settings", f"{item['name']}: {format_value(item['before'])} → "
                                  f"{format_value(item['after'])}"))
    layers = changes.get("architecture") or {}
    for change in layers.get("changed", []):
        shown = {name: values for name, values in change["fields"].items()
                 if not (name == "output_shape" and "units" in change["fields"])}
        fields = ", ".join(f"{name} {format_value(values[0])} → {format_value(values[1])}"
                           for name, values in shown.items())
        lines.append(("layers", f"layer {change['index']} {change['layer']}: {fields}"))
    lines += [("layers", f"+ layer {item['index']} {item['layer']}") for item in layers.get("added", [])]
    lines += [("layers", f"− layer {item['index']} {item['layer']}") for item in layers.get("removed", [])]
    for item in changes.get("data", []):
        if item["name"].endswith("content"):
            lines.append(("data", f"{item['name']} changed"))
        else:
            lines.append(("data", f"{item['name']}: {format_value(item['before'])} → "
                                  f"{format_value(item['after'])}"))
    return lines


class AfterFitText:
    """The post-fit report as text (terminals, scripts): builds no widget and no figure.

    Parameters
    ----------
    report : repeats.AfterFit
        From ``repeats.after_fit_report(journal, record, goal)``.
    """

    def __init__(self, report: AfterFit) -> None:
        self.report = report

    @property
    def headline(self) -> str:
        report = self.report
        if report.earlier is None:
            return "The first experiment of its kind in this journal: nothing earlier to compare with."
        how = "same data" if report.similar and report.similar[0].same_data else "other data"
        if report.changes and "data" in (report.changes.get("unknown") or []):
            how = "data not comparable: no data fingerprint"
        if report.changes and not report.changes["differs"] and not report.changes.get("unknown"):
            return f"Same model, data and settings as {experiment_label(report.earlier)}."
        return f"Compared with the nearest earlier experiment, {experiment_label(report.earlier)} ({how}):"

    def _similar_rows(self) -> tuple[list[str], list[list[str]]]:
        goal = self.report.goal
        metric = goal.metric if goal else "metrics"
        header = ["experiment", "status", metric, "similarity", "data"]
        rows = []
        for item in self.report.similar:
            record = item.record
            value = format_value(goal.value(record)) if goal else format_value(
                ", ".join(f"{k} {format_value(v)}" for k, v in list(metric_items(record).items())[:3]))
            rows.append([experiment_label(record), str(record.get("status")), value,
                         f"{item.score:.2f}", "same" if item.same_data else "other"])
        return header, rows

    def to_text(self) -> str:
        lines = []
        if self.report.progress:
            lines.append(self.report.progress)
        lines.append(self.headline)
        if self.report.changes and self.report.changes["differs"]:
            changes = change_lines(self.report.changes)
            lines += [f"  {topic:<9} {text}" for topic, text in changes[:CHANGES_SHOWN]]
            if len(changes) > CHANGES_SHOWN:
                lines.append(f"  … and {len(changes) - CHANGES_SHOWN} more changes")
        if self.report.similar:
            header, rows = self._similar_rows()
            lines += ["Most similar earlier experiments (same data first):", text_table(header, rows)]
        lines += [f"Hint: {hint}" for hint in self.report.hints]
        if self.report.next_step is not None:
            lines.append(f"Next step: {self.report.next_step}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.to_text()

    def to_html(self, figures: bool = True, include_plotlyjs: str | bool = "cdn") -> str:
        """The view as static HTML (with the curves unless ``figures`` is false)."""
        parts = ["<div class='kepler-after-fit'>"]
        if self.report.progress:
            parts.append(f"<p><b>{html.escape(self.report.progress)}</b></p>")
        parts.append(f"<p>{html.escape(self.headline)}</p>")
        if self.report.changes and self.report.changes["differs"]:
            changes = [f"<li><i>{html.escape(topic)}</i> {html.escape(text)}</li>"
                       for topic, text in change_lines(self.report.changes)]
            parts.append(f"<ul>{''.join(changes[:CHANGES_SHOWN])}</ul>")
            if len(changes) > CHANGES_SHOWN:
                parts.append(f"<details><summary>{len(changes) - CHANGES_SHOWN} more changes</summary>"
                             f"<ul>{''.join(changes[CHANGES_SHOWN:])}</ul></details>")
        if self.report.similar:
            header, rows = self._similar_rows()
            parts.append("<p>Most similar earlier experiments (same data first):</p>")
            parts.append(html_table([html.escape(c) for c in header],
                                    [([html.escape(c) for c in row], False) for row in rows]))
        parts += [f"<p>💡 {html.escape(hint)}</p>" for hint in self.report.hints]
        if self.report.next_step is not None:
            parts.append(f"<p><b>Next step:</b> {html.escape(str(self.report.next_step))}</p>")
        figure = getattr(self, "figure", None)
        if figures and figure is not None:
            parts.append(figure.to_html(full_html=False, include_plotlyjs=include_plotlyjs))
        return "".join(parts) + "</div>"


class AfterFitView(AfterFitText, TextFallback, widgets.VBox):
    """The post-fit comparison as a widget: goal, changes, similar experiments and curves.

    Parameters
    ----------
    report : repeats.AfterFit
        From ``repeats.after_fit_report(journal, record, goal)``.
    chart : bool
        Draw the curves of the fit and the earlier experiment. Off under a Keras fit cell,
        whose live curves become that overlay (one chart per fit).
    """

    def __init__(self, report: AfterFit, chart: bool = True) -> None:
        widgets.VBox.__init__(self)
        self.report = report
        self.curves = [report.record] + ([report.earlier] if report.earlier else [])
        # the fit's own chart: without curves of its own (a plain scikit-learn fit) an
        # earlier run's curves alone say nothing about it
        drawn = chart and bool(report.record.get("history"))
        self.figure = curves_figure(self.curves) if drawn else None
        children: list[widgets.Widget] = [widgets.HTML(self.to_html(figures=False))]
        if self.figure is not None:
            children.append(figure_widget(self.figure, curves_svg(self.curves)))
        self.children = children

    def static_html(self) -> str:
        """The report as static HTML, its chart (if drawn) as an inline SVG."""
        svg = curves_svg(self.curves) if self.figure is not None else ""
        return self.to_html(figures=False) + svg

