"""Figures of experiments: pure functions that return plotly figures and never show them.

The same figure goes into a widget, a static HTML export or a test. plotly is imported inside
each function so importing kepler (and ``%load_ext``) never pays for it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kepler_jupyter.history.goal import Goal, best_experiment, default_goal
from kepler_jupyter.journal.record import experiment_label, get_path

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

#: one colour per experiment, repeated when there are more (plotly's default palette)
PALETTE = ("#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692",
           "#B6E880", "#FF97FF", "#FECB52")


def plot_text(value: Any) -> str:
    """``value`` as text that plotly shows as text.

    plotly renders trace names, legend titles, axis ticks and hover labels as a small HTML
    dialect (``<a href>``, ``<b>``, ``<br>``, entities) and fills ``%{...}`` in hover templates:
    an experiment named ``<a href="…">`` would become a live link. Markup characters become
    entities, and ``%`` becomes ``&#37;`` so no ``%{`` survives for the template engine (plotly
    turns the entity back into ``%`` when it draws).
    """
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("%", "&#37;"))


def experiment_colour(position: int) -> str:
    """The colour of the experiment at ``position`` in a figure."""
    return PALETTE[position % len(PALETTE)]


def _base_metric(name: str) -> str:
    return name[4:] if name.startswith("val_") else name


def _history_metrics(records: list[dict[str, Any]], metrics: list[str] | None) -> list[str]:
    if metrics:
        return list(metrics)
    seen: list[str] = []
    for record in records:
        for name in record.get("history") or {}:
            if name not in seen and name not in ("learning_rate", "lr"):
                seen.append(name)
    return seen


def curves_figure(records: list[dict[str, Any]], metrics: list[str] | None = None) -> go.Figure:
    """Loss and metric curves of several experiments, overlaid.

    One panel per quantity (``loss`` with ``val_loss``, ``accuracy`` with ``val_accuracy``…),
    one colour per experiment, training solid and validation dashed. All traces of an
    experiment share a ``legendgroup`` named by its id, so clicking it in the legend hides or
    shows the whole experiment.

    Parameters
    ----------
    records : list of dict
        Journal records with ``history``.
    metrics : list of str, optional
        History keys to draw; default every key any record has.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = [name for name in _history_metrics(records, metrics)
             if any((record.get("history") or {}).get(name) for record in records)]
    if not names:
        figure = go.Figure()
        figure.add_annotation(text="No per-epoch history to draw (scikit-learn fits have none)",
                              showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
        figure.update_layout(height=200, xaxis_visible=False, yaxis_visible=False)
        return figure
    panels = list(dict.fromkeys(_base_metric(name) for name in names))
    figure = make_subplots(rows=1, cols=len(panels), subplot_titles=[plot_text(p) for p in panels],
                           horizontal_spacing=0.08)

    for position, record in enumerate(records):
        label = plot_text(experiment_label(record))
        history = record.get("history") or {}
        first = True
        for name in names:
            values = history.get(name)
            if not values:
                continue
            epochs = list(range(1, len(values) + 1))
            shown = plot_text(name)
            figure.add_trace(
                go.Scatter(
                    x=epochs, y=[_finite_or_none(v) for v in values], mode="lines+markers",
                    name=f"{label} · {shown}", legendgroup=str(record.get("id")),
                    legendgrouptitle_text=label if first else None, showlegend=True,
                    line={"color": experiment_colour(position),
                          "dash": "dash" if name.startswith("val_") else "solid"},
                    hovertemplate=f"{label}<br>{shown} epoch %{{x}}: %{{y:.4g}}<extra></extra>",
                ),
                row=1, col=panels.index(_base_metric(name)) + 1,
            )
            first = False
    # the legend goes under the panels: on its right it would squeeze them in a notebook cell
    figure.update_layout(legend={"groupclick": "togglegroup", "orientation": "h", "y": -0.2,
                                 "yanchor": "top"},
                         hovermode="closest", margin={"t": 40, "b": 40, "l": 50, "r": 20},
                         height=460)
    figure.update_xaxes(title_text="epoch")
    return figure


def _dimension(label: str, values: list[Any]) -> dict[str, Any] | None:
    present = [value for value in values if value is not None]
    if len(set(map(str, present))) < 2 and len(present) == len(values):
        return None  # the same everywhere: nothing to see on that axis
    numbers = [value for value in present
               if isinstance(value, (int, float)) and not isinstance(value, bool)]
    if numbers and len(numbers) == len(present):
        positive = all(number > 0 for number in numbers)
        spread = max(numbers) / min(numbers) if positive and min(numbers) > 0 else 0
        if spread >= 100:  # learning rates and regularisation strengths read best in decades
            return {"label": f"log10 {plot_text(label)}",
                    "values": [math.log10(v) if v is not None else None for v in values]}
        return {"label": plot_text(label), "values": values}
    categories = sorted(set(map(str, present)))
    codes = [categories.index(str(value)) if value is not None else None for value in values]
    return {"label": plot_text(label), "values": codes, "tickvals": list(range(len(categories))),
            "ticktext": [plot_text(category) for category in categories]}


def _setting_columns(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    readers = {
        "layers": lambda r: len(get_path(r, "model.layers") or []) or None,
        "n_params": lambda r: get_path(r, "model.n_params"),
        "model": lambda r: get_path(r, "model.class"),
    }
    for name, read in readers.items():
        columns[name] = [read(record) for record in records]
    setting_names: list[str] = []
    for record in records:
        params = record.get("params") or {}
        for key, value in params.items():
            if not isinstance(value, (dict, list)) and key not in setting_names:
                setting_names.append(key)
        for key, value in (params.get("estimator_params") or {}).items():
            if not isinstance(value, (dict, list)) and key not in setting_names:
                setting_names.append(key)
    for key in setting_names:
        columns[key] = [get_path(record, f"params.{key}", get_path(record, f"params.estimator_params.{key}"))
                        for record in records]
    return columns


def _finite_or_none(value: Any) -> Any:
    """``value``, or None for NaN and infinities: a figure's JSON (a widget message above
    all) must not carry them, and plotly writes None as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def parallel_coordinates_figure(records: list[dict[str, Any]], goal: Goal | None) -> go.Figure:
    """Settings of many experiments against the project metric, one line per experiment.

    Axes are the settings that vary (numbers as they are, spans of 100× or more in log10,
    words as categories), the last axis and the line colour the goal's metric. Experiments
    without that metric (blocked, failed) are left out and counted in the title: plotly draws
    a missing value as 0, which on the metric axis would read as a result.
    """
    import numpy as np
    import plotly.graph_objects as go

    goal = goal or default_goal(records)
    scores = [goal.value(record) for record in records] if goal is not None else []
    without_metric = sum(score is None for score in scores)
    if goal is not None and without_metric < len(records):
        records = [record for record, score in zip(records, scores, strict=True) if score is not None]
        scores = [score for score in scores if score is not None]
    dimensions = []
    for name, values in _setting_columns(records).items():
        values = [_finite_or_none(value) for value in values]
        if any(value is not None for value in values):
            dimension = _dimension(name, values)
            if dimension is not None:
                dimensions.append(dimension)
    line: dict[str, Any] = {}
    if goal is not None and any(score is not None for score in scores):
        dimensions.append({"label": plot_text(goal.metric), "values": scores})
        # a float array: plotly sends it as binary, never as (invalid JSON) NaN text
        line = {"color": np.asarray(scores, dtype=float), "colorscale": "Viridis",
                "showscale": True, "reversescale": goal.mode == "min",
                "colorbar": {"title": {"text": plot_text(goal.metric)}}}
    title = f"{len(records)} experiments" + (f" · {goal.describe()}" if goal else "")
    if goal is not None and without_metric:
        drawn = bool(line)  # False when no experiment has the metric: all are drawn, uncoloured
        title += f" · {without_metric} without {goal.metric} not drawn" if drawn else f" · none has {goal.metric}"
    title = plot_text(title)
    figure = go.Figure(go.Parcoords(dimensions=dimensions, line=line))
    figure.update_layout(title=title, margin={"t": 70, "b": 30, "l": 60, "r": 60}, height=420)
    return figure


def metric_bar_figure(records: list[dict[str, Any]], goal: Goal | None) -> go.Figure:
    """The project metric of each experiment as a bar, the best one marked, the target a line."""
    import plotly.graph_objects as go

    goal = goal or default_goal(records)
    figure = go.Figure()
    if goal is None:
        figure.add_annotation(text="No metric to compare: set one with %kepler goal",
                              showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
        return figure
    best = best_experiment(records, goal)
    labels = [plot_text(experiment_label(record)) for record in records]
    values = [goal.value(record) for record in records]  # finite or None, never NaN
    colours = ["#00cc96" if best is not None and record is best else "#636efa" for record in records]
    figure.add_trace(go.Bar(x=labels, y=values, marker_color=colours, name=plot_text(goal.metric),
                            text=["★ best" if best is not None and record is best else ""
                                  for record in records], textposition="outside"))
    if goal.target is not None:
        figure.add_hline(y=goal.target, line_dash="dash",
                         annotation_text=plot_text(f"goal {goal.describe()}"))
    figure.update_layout(yaxis_title=plot_text(goal.metric), title=plot_text(goal.describe()), height=360,
                         margin={"t": 50, "b": 80, "l": 50, "r": 20})
    return figure


def importance_figure(features: list[str], shares: list[float], metric: str, n_experiments: int) -> go.Figure:
    """Horizontal bars: each feature's share of the importance for ``metric``, largest on top."""
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(x=list(reversed(shares)), y=list(reversed(features)), orientation="h",
                              marker_color=PALETTE[0], text=[f"{share:.0%}" for share in reversed(shares)],
                              textposition="outside"))
    figure.update_layout(title=f"What explains {metric} ({n_experiments} experiments)",
                         xaxis_title="share of importance", xaxis_tickformat=".0%",
                         height=max(220, 60 + 28 * len(features)),
                         margin={"t": 50, "b": 40, "l": 140, "r": 40})
    return figure
