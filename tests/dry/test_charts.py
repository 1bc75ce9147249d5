"""The comparison figures: traces, names, legend groups, axes."""

from __future__ import annotations

import math

from kepler_jupyter.display.charts import (
    curves_figure,
    metric_bar_figure,
    parallel_coordinates_figure,
)
from kepler_jupyter.history.goal import Goal

from .records import keras_record, sklearn_record


def test_curves_overlay_one_group_per_experiment():
    first = keras_record(hidden=(64,), epochs=4, name="small")
    second = keras_record(hidden=(128,), epochs=6, name="wide")
    figure = curves_figure([first, second])
    # four history keys each: loss, accuracy, val_loss, val_accuracy
    assert len(figure.data) == 8
    assert {trace.legendgroup for trace in figure.data} == {first["id"], second["id"]}
    names = [trace.name for trace in figure.data]
    assert f"small ({first['id'][:8]}) · val_loss" in names
    # training and validation of one quantity share a panel; validation is dashed
    val_loss = next(t for t in figure.data if t.name.endswith("· val_loss") and t.legendgroup == first["id"])
    loss = next(t for t in figure.data if t.name.endswith("· loss") and t.legendgroup == first["id"])
    assert val_loss.xaxis == loss.xaxis and val_loss.line.dash == "dash" and loss.line.dash == "solid"
    accuracy = next(t for t in figure.data if t.name.endswith("· accuracy") and t.legendgroup == first["id"])
    assert accuracy.xaxis != loss.xaxis
    # one colour per experiment
    assert {t.line.color for t in figure.data if t.legendgroup == first["id"]} != \
        {t.line.color for t in figure.data if t.legendgroup == second["id"]}
    assert len(figure.data[-1].x) == 6
    assert figure.layout.legend.groupclick == "togglegroup"


def test_curves_of_chosen_metrics_only_and_without_history():
    record = keras_record()
    assert [t.name.split(" · ")[1] for t in curves_figure([record], ["val_loss"]).data] == ["val_loss"]
    empty = curves_figure([sklearn_record()])
    assert len(empty.data) == 0 and "No per-epoch history" in empty.layout.annotations[0].text


def test_parallel_coordinates_show_varying_settings_against_the_metric():
    records = [keras_record(learning_rate=lr, batch_size=bs, final_accuracy=acc, optimizer=opt)
               for lr, bs, acc, opt in [(1e-4, 32, 0.90, "adam"), (1e-3, 64, 0.93, "sgd"),
                                        (1e-2, 32, 0.95, "adam"), (1e-1, 128, 0.80, "adam")]]
    goal = Goal("val_accuracy", "max", 0.97)
    figure = parallel_coordinates_figure(records, goal)
    (trace,) = figure.data
    labels = [dimension.label for dimension in trace.dimensions]
    assert "log10 learning_rate" in labels and "batch_size" in labels and "optimizer" in labels
    assert labels[-1] == "val_accuracy" and "epochs" not in labels  # epochs never varies
    optimizer = trace.dimensions[labels.index("optimizer")]
    assert list(optimizer.ticktext) == ["adam", "sgd"]
    learning_rate = trace.dimensions[labels.index("log10 learning_rate")]
    assert [round(v) for v in learning_rate.values] == [-4, -3, -2, -1]
    assert list(trace.line.color) == [0.9, 0.93, 0.95, 0.8]


def _widget_json(figure) -> str:
    """The figure as a FigureWidget sends it to the front end, as strict JSON (no NaN):
    jupyter_client warns about, and will refuse, messages with NaN in them."""
    import json

    import plotly.graph_objects as go

    state = go.FigureWidget(figure).get_state()
    return json.dumps(state, allow_nan=False, default=lambda value: "<binary buffer>")


def test_parallel_coordinates_leave_out_experiments_without_the_metric():
    # plotly draws a missing value as 0 (plotly.js #4341), which on the metric axis would read
    # as a result: blocked and failed runs are counted in the title instead of drawn
    records = [keras_record(final_accuracy=0.9), keras_record(status="blocked", learning_rate=0.1),
               keras_record(final_accuracy=0.95, learning_rate=0.01)]
    figure = parallel_coordinates_figure(records, Goal("val_accuracy"))
    (trace,) = figure.data
    assert list(trace.line.color) == [0.9, 0.95]
    assert all(len(dimension.values) == 2 for dimension in trace.dimensions)
    assert "1 without val_accuracy not drawn" in figure.layout.title.text
    _widget_json(figure)
    # when none has the metric, every experiment is drawn, without a colour scale
    blocked = [keras_record(status="blocked", learning_rate=lr) for lr in (1e-3, 1e-1)]
    figure = parallel_coordinates_figure(blocked, Goal("val_accuracy"))
    (trace,) = figure.data
    assert [d.label for d in trace.dimensions] == ["log10 learning_rate"] and trace.line.color is None
    assert "none has val_accuracy" in figure.layout.title.text
    _widget_json(figure)


def test_no_figure_sends_nan_to_the_front_end():
    # a journal written by hand or by an older kepler may hold NaN and infinities
    broken = keras_record(final_accuracy=0.9, name="broken")
    broken["history"]["loss"][1] = math.nan
    broken["history"]["val_loss"][0] = math.inf
    broken["params"]["batch_size"] = math.nan
    failed = keras_record(status="failed", name="failed")
    failed["metrics"] = {}
    failed["history"] = {"loss": [math.nan]}
    records = [broken, keras_record(final_accuracy=0.93, batch_size=64), failed]
    goal = Goal("val_accuracy", "max", 0.97)
    curves = curves_figure(records)
    loss = next(t for t in curves.data if t.name == f"broken ({broken['id'][:8]}) · loss")
    assert loss.y[1] is None and len(loss.y) == len(broken["history"]["loss"])
    for figure in (curves, parallel_coordinates_figure(records, goal), metric_bar_figure(records, goal)):
        _widget_json(figure)


def test_metric_bars_mark_the_best_and_draw_the_target():
    records = [keras_record(final_accuracy=a, name=f"run{i}") for i, a in enumerate((0.9, 0.96, 0.93))]
    figure = metric_bar_figure(records, Goal("val_accuracy", "max", 0.97))
    (bars,) = figure.data
    assert list(bars.y) == [0.9, 0.96, 0.93]
    assert list(bars.text) == ["", "★ best", ""]
    assert any(shape.y0 == 0.97 for shape in figure.layout.shapes)


HOSTILE = '<a href="https://evil.example">Open the fixed notebook</a> %{x} <b>'


def _all_text(figure) -> list[str]:
    """Every string plotly may draw: names, titles, templates, ticks (``meta`` is kepler's
    own lookup key and is never drawn)."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, inner in value.items():
                if key != "meta":
                    walk(inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner)

    walk(figure.to_plotly_json())
    return found


def test_user_text_reaches_plotly_as_text_not_markup():
    from kepler_jupyter.display.widgets.live_curves import LiveCurves

    first = keras_record(hidden=(64,), epochs=3, name=HOSTILE)
    first["history"][HOSTILE] = [0.1, 0.2, 0.3]
    first["params"]["optimizer"] = HOSTILE
    second = keras_record(hidden=(128,), epochs=3, name="plain")
    goal = Goal(HOSTILE, "max", target=0.5)
    live = LiveCurves(title=HOSTILE, metric_names=[HOSTILE])
    figures = [curves_figure([first, second]), parallel_coordinates_figure([first, second], goal),
               metric_bar_figure([first, second], goal), live.figure()]
    for figure in figures:
        texts = _all_text(figure)
        assert any("Open the fixed notebook" in text for text in texts)
        for text in texts:
            assert "<a" not in text and "<b>" not in text and "%{x} " not in text, text
    # plotly's own template placeholders still work where kepler writes them
    hover = curves_figure([first])["data"][0].hovertemplate
    assert "&lt;a href=" in hover and "&#37;{x}" in hover and "epoch %{x}: %{y:.4g}" in hover
