"""Inline comparison of experiments: a table of what differs and their curves overlaid.

``ComparisonView(records, goal)`` is an ipywidgets box: one column per experiment (best by the
project goal marked ★), one row per field — lab notes, metrics, settings, architecture, data.
Rows whose values differ are highlighted; identical rows are folded behind a toggle; a "sort
by" menu reorders the experiments by any metric. Below, the loss / metric curves overlaid.
``repr(view)`` is a plain-text table for terminals and ``view.to_html()`` a static page.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from kepler_jupyter.display.charts import curves_figure, parallel_coordinates_figure
from kepler_jupyter.display.svg_curves import curves_svg
from kepler_jupyter.display.widgets.text_fallback import TextFallback
from kepler_jupyter.history.goal import Goal, best_experiment, default_goal, lower_is_better
from kepler_jupyter.history.repeats import is_noise_setting
from kepler_jupyter.journal.record import experiment_label, flatten, get_path, metric_items

DIFF_STYLE = "background: var(--jp-warn-color3, #fff3cd);"
_CELL = "padding: 2px 8px; border-bottom: 1px solid var(--jp-border-color2, #ddd); text-align: left;"
_MAX_CELL_CHARS = 80


@dataclass
class ComparisonRow:
    """One field of the comparison: its section, name, one value per experiment."""

    section: str
    name: str
    values: list[Any]
    #: a setting only one framework's experiments have (an sklearn estimator parameter next to
    #: Keras models): the model row already shows that difference, so it is not highlighted
    one_sided: bool = False

    @property
    def differs(self) -> bool:
        if self.one_sided:
            return False
        return len({json.dumps(value, sort_keys=True, default=str) for value in self.values}) > 1


def format_value(value: Any) -> str:
    """A cell's text: numbers to 4 significant digits, containers as short JSON."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, default=str)
    text = str(value)
    return text if len(text) <= _MAX_CELL_CHARS else text[: _MAX_CELL_CHARS - 1] + "…"


def _layers_summary(record: dict[str, Any]) -> str | None:
    layers = get_path(record, "model.layers") or []
    parts = []
    for layer in layers:
        details = [str(layer[key]) for key in ("units", "activation") if layer.get(key) is not None]
        parts.append(f"{layer.get('class', '?')}({', '.join(details)})" if details else str(layer.get("class")))
    return " → ".join(parts) or None


def comparison_rows(records: list[dict[str, Any]]) -> list[ComparisonRow]:
    """The rows of a comparison of ``records``, section by section."""
    rows = [ComparisonRow("experiment", name, [read(record) for record in records])
            for name, read in (
                ("status", lambda r: r.get("status")),
                ("created", lambda r: r.get("created")),
                ("duration_s", lambda r: r.get("duration_s")),
                ("tags", lambda r: ", ".join(r.get("tags") or []) or None),
                ("hypothesis", lambda r: get_path(r, "notes.hypothesis")),
                ("conclusion", lambda r: get_path(r, "notes.conclusion")),
            )]

    def section(name: str, flat_per_record: list[dict[str, Any]]) -> None:
        keys = list(dict.fromkeys(key for flat in flat_per_record for key in flat))
        rows.extend(ComparisonRow(name, key, [flat.get(key) for flat in flat_per_record])
                    for key in keys)

    section("metrics", [record.get("metrics") or {} for record in records])
    # Keras' per-session object names (adam, adam_3) would differ in every comparison: the same
    # rule as the "what changed" report leaves them out
    section("settings", [{key: value for key, value in flatten(record.get("params") or {}).items()
                          if not is_noise_setting(key)} for record in records])
    rows.extend(ComparisonRow("architecture", name, [read(record) for record in records])
                for name, read in (
                    ("model", lambda r: get_path(r, "model.class")),
                    ("n_params", lambda r: get_path(r, "model.n_params")),
                    ("depth", lambda r: len(get_path(r, "model.layers") or []) or None),
                    ("layers", _layers_summary),
                ))
    section("data", [{key: value for key, value in flatten(record.get("data") or {}).items()
                      if not key.startswith("fingerprints")} for record in records])
    rows.append(ComparisonRow("data", "content", [get_path(r, "fingerprint.data") for r in records]))
    frameworks = [record.get("framework") for record in records]
    if len(set(frameworks)) > 1:
        for row in rows:
            if row.section == "settings":
                having = {fw for fw, value in zip(frameworks, row.values, strict=True) if value is not None}
                row.one_sided = len(having) == 1
    return [row for row in rows if any(value is not None for value in row.values)]


def html_table(header: list[str], body: list[tuple[list[str], bool]]) -> str:
    """An HTML table from already escaped cells; rows flagged ``True`` are highlighted."""
    head = "".join(f"<th style='{_CELL}'>{cell}</th>" for cell in header)
    lines = []
    for cells, highlighted in body:
        style = DIFF_STYLE if highlighted else ""
        marker = " class='kepler-differs'" if highlighted else ""
        lines.append(f"<tr{marker} style='{style}'>"
                     + "".join(f"<td style='{_CELL}'>{cell}</td>" for cell in cells) + "</tr>")
    return (f"<table class='kepler-table' style='border-collapse: collapse; font-size: 12px;'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>")


def one_line(text: str) -> str:
    """``text`` on one line: a line break (a conclusion added with ``%kepler note --append``)
    would break the alignment of a text table, so each becomes " ⏎ "."""
    lines = text.splitlines()
    if lines == [text] or not text:
        return text
    return " ⏎ ".join(line.strip() for line in lines if line.strip())


def text_table(header: list[str], body: list[list[str]]) -> str:
    """A plain-text table with aligned columns (line breaks in cells folded, see ``one_line``)."""
    header, body = [one_line(cell) for cell in header], [[one_line(cell) for cell in row] for row in body]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, *body]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def figure_widget(figure: Any, html: str = "") -> widgets.Widget:
    """``figure`` as a widget: plotly's JSON mime bundle in an ``Output`` (see
    ``widgets.plotly_output`` for why not a ``FigureWidget``), ``html`` its static twin."""
    from kepler_jupyter.display.widgets.plotly_output import figure_output

    return figure_output(figure, html=html)


class ComparisonView(TextFallback, widgets.VBox):
    """An interactive comparison of experiments (table + overlaid curves).

    Parameters
    ----------
    records : list of dict
        The experiments to compare, as journal records.
    goal : Goal, optional
        The project goal: experiments sort by it and the best is marked ★.
    parallel : bool or list of dict
        Also show a parallel-coordinates view of settings against the goal's metric: of
        ``records`` when ``True``, of the records given otherwise (e.g. a whole tag, when the
        table shows only its best).
    """

    def __init__(self, records: list[dict[str, Any]], goal: Goal | None = None,
                 parallel: bool | list[dict[str, Any]] = False) -> None:
        super().__init__()
        self.records = list(records)
        self.goal = goal or default_goal(self.records)
        self.best = best_experiment(self.records, self.goal)
        self.rows = comparison_rows(self.records)
        self.order = list(range(len(self.records)))
        metric_names = list(dict.fromkeys(name for record in self.records
                                          for name in metric_items(record)))
        options = ["journal order", *metric_names]
        first = self.goal.metric if self.goal and self.goal.metric in options else "journal order"
        self.sort_by = widgets.Dropdown(options=options, value=first, description="sort by")
        self.show_identical = widgets.ToggleButton(value=False, layout=widgets.Layout(width="auto"))
        self.table = widgets.HTML()
        self.figure = curves_figure(self.records)
        self.parallel_figure = None
        if parallel:
            population = self.records if parallel is True else list(parallel)
            self.parallel_figure = parallel_coordinates_figure(population, self.goal)
        self.sort_by.observe(lambda change: self._render(), names="value")
        self.show_identical.observe(lambda change: self._render(), names="value")
        children: list[widgets.Widget] = [
            widgets.HBox([self.sort_by, self.show_identical]), self.table,
            figure_widget(self.figure, curves_svg(self.records))]
        if self.parallel_figure is not None:
            children.append(figure_widget(self.parallel_figure))
        self.children = children
        self._render()

    @property
    def differing_rows(self) -> list[str]:
        """Names (``section.field``) of the rows whose values differ between experiments."""
        return [f"{row.section}.{row.name}" for row in self.rows if row.differs]

    @property
    def identical_rows(self) -> list[str]:
        return [f"{row.section}.{row.name}" for row in self.rows if not row.differs]

    def _toggle_text(self) -> str:
        verb = "hide" if self.show_identical.value else "show"
        return f"{verb} {len(self.identical_rows)} identical rows"

    def sort(self, metric: str | None) -> list[int]:
        """Reorder the experiments by ``metric`` (best first; ``None``: journal order)."""
        if not metric or metric == "journal order":
            self.order = list(range(len(self.records)))
            return self.order
        goal = self.goal if self.goal and self.goal.metric == metric else \
            Goal(metric, "min" if lower_is_better(metric) else "max")
        self.order = sorted(range(len(self.records)), key=lambda i: goal.sort_key(self.records[i]))
        return self.order

    def _header(self) -> list[str]:
        labels = []
        for index in self.order:
            record = self.records[index]
            star = "★ " if record is self.best else ""
            labels.append(star + experiment_label(record))
        return ["field", *labels]

    def _cells(self, row: ComparisonRow) -> list[str]:
        return [f"{row.section} · {row.name}", *(format_value(row.values[i]) for i in self.order)]

    def _render(self) -> None:
        self.sort(self.sort_by.value)
        self.show_identical.description = self._toggle_text()
        visible = [row for row in self.rows if row.differs or self.show_identical.value]
        header = [html.escape(cell) for cell in self._header()]
        body = [([html.escape(cell) for cell in self._cells(row)], row.differs) for row in visible]
        self.table.value = html_table(header, body)

    def to_text(self) -> str:
        """The comparison as plain text: rows that differ, then a count of the others."""
        header = self._header()
        body = [self._cells(row) for row in self.rows if row.differs]
        text = text_table(header, body) if body else "The experiments do not differ."
        hidden = len(self.identical_rows)
        goal = f"\ngoal: {self.goal.describe()}" if self.goal else ""
        return f"{text}\n({hidden} identical rows not shown){goal}"

    def _tables_html(self) -> str:
        header = [html.escape(cell) for cell in self._header()]
        differing = [([html.escape(c) for c in self._cells(row)], True) for row in self.rows if row.differs]
        identical = [([html.escape(c) for c in self._cells(row)], False) for row in self.rows if not row.differs]
        return (html_table(header, differing) + f"<details><summary>{len(identical)} identical rows"
                f"</summary>{html_table(header, identical)}</details>")

    def static_html(self) -> str:
        """The tables and the curves as an inline SVG: no script (the ``text/html`` fallback)."""
        return f"<div class='kepler-comparison'>{self._tables_html()}{curves_svg(self.records)}</div>"

    def to_html(self, include_plotlyjs: str | bool = "cdn") -> str:
        """A static HTML fragment: the full table (identical rows folded) and the figures."""
        parts = [self._tables_html(),
                 self.figure.to_html(full_html=False, include_plotlyjs=include_plotlyjs)]
        if self.parallel_figure is not None:
            parts.append(self.parallel_figure.to_html(full_html=False, include_plotlyjs=False))
        return "<div class='kepler-comparison'>" + "".join(parts) + "</div>"
