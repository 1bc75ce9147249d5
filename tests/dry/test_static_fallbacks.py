"""Every kepler widget's bundle carries a static twin (text/html, curves as inline SVG) that
reads without widgets or scripts; the SVG of the curves is drawn from the records alone."""

from __future__ import annotations

import re

from kepler_jupyter.checks.base import Finding
from kepler_jupyter.display.svg_curves import MAX_POINTS, curves_svg
from kepler_jupyter.display.widgets.compare import ComparisonView
from kepler_jupyter.display.widgets.findings import FindingsPanel
from kepler_jupyter.display.widgets.plotly_output import figure_bundle

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def keras_record(exp_id: str, name: str, losses: list, accuracies: list) -> dict:
    return {"id": exp_id, "name": name, "status": "completed", "framework": "keras",
            "history": {"loss": losses, "val_loss": [v + 0.1 for v in losses],
                        "accuracy": accuracies},
            "metrics": {"loss": losses[-1], "accuracy": accuracies[-1]}}


def test_svg_has_one_line_per_curve_and_escapes_names():
    first = keras_record("aaaaaaaa1", "<script>alert(1)</script>", [1.0, 0.6, 0.4], [0.5, 0.7, 0.8])
    second = keras_record("bbbbbbbb2", "wider", [0.9, 0.5, 0.3, 0.2], [0.6, 0.8, 0.85, 0.9])
    svg = curves_svg([first, second])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 6  # loss, val_loss and accuracy of two experiments
    assert svg.count("stroke-dasharray") == 2  # validation dashed
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    # two panels (loss, accuracy), each with its title; the x axis ends at the longest run
    assert ">loss<" in svg and ">accuracy<" in svg and ">4<" in svg


def test_svg_skips_gaps_thins_long_histories_and_draws_nothing_without_history():
    long = {"id": "c", "name": "loop", "history": {"loss": [None, float("nan")] + [1 / (i + 1) for i in range(5000)]}}
    svg = curves_svg([long])
    points = re.search(r"points='([^']*)'", svg).group(1).split()
    assert len(points) <= MAX_POINTS + 1
    assert "nan" not in svg.lower()
    assert curves_svg([{"id": "d", "history": {}}, {"id": "e"}]) == ""
    # a loss from 92 down to 0.3 is drawn in decades, its real values at the ends of the axis
    wide = curves_svg([{"id": "g", "history": {"loss": [92.0, 3.0, 0.3]}}])
    assert "loss (log scale)" in wide and ">92<" in wide and ">0.3<" in wide
    single = curves_svg([{"id": "f", "history": {"loss": [0.5]}}])
    assert "<circle" in single  # one epoch is a point, not an empty line


def test_findings_panel_bundle_holds_the_findings_as_html():
    findings = [Finding("K303", "Exact duplicate training samples", "warning", "data",
                        "60 of 660 samples repeat <b>", why="Bias.", fix="Deduplicate.",
                        evidence={"duplicates": 60})]
    bundle = FindingsPanel(findings, title="kepler, before training")._repr_mimebundle_()
    assert WIDGET_VIEW in bundle  # still the live widget where widgets run
    static = bundle["text/html"]
    assert "K303" in static and "Deduplicate." in static and "<details" in static
    assert "samples repeat &lt;b&gt;" in static
    assert "K303" in bundle["text/plain"]


def test_comparison_bundle_holds_its_table_and_the_curves_as_svg():
    records = [keras_record("aaaaaaaa1", "base", [1.0, 0.6], [0.5, 0.7]),
               keras_record("bbbbbbbb2", "wider", [0.9, 0.5], [0.6, 0.8])]
    records[1]["params"] = {"epochs": 2}
    records[0]["params"] = {"epochs": 3}
    bundle = ComparisonView(records)._repr_mimebundle_()
    static = bundle["text/html"]
    assert "kepler-table" in static and "epochs" in static
    assert static.count("<svg") == 1 and "<script" not in static


def test_a_plotly_output_carries_its_svg_for_renderers_without_plotly():
    import plotly.graph_objects as go

    bundle = figure_bundle(go.Figure(), "text", html="<svg></svg>")
    assert bundle["data"]["text/html"] == "<svg></svg>"
    assert "text/html" not in figure_bundle(go.Figure(), "text")["data"]


def test_loop_summary_counts_each_finding_once_with_its_runs_and_the_best_by_goal():
    from kepler_jupyter.display.loop_summary import LoopSummary
    from kepler_jupyter.history.goal import Goal

    summary = LoopSummary(Goal("val_loss", "min", None))
    nan_loss = Finding("K501", "NaN loss", "error", "training", "loss became NaN")
    imbalance = Finding("K307", "Class imbalance", "warning", "data", "99% <one> class")
    losses = [0.5, 0.3, None, 0.4, 0.35]
    for index, loss in enumerate(losses):
        record = {"id": f"run{index}xxxx", "name": f"<b>sweep #{index + 1}",
                  "status": "completed" if loss is not None else "failed",
                  "metrics": {"val_loss": loss} if loss is not None else {}}
        summary.started(record)
        summary.found(imbalance, record)
        if loss is None:
            summary.found(nan_loss, record)
        summary.ended(record)
    text = summary.to_text()
    assert text.splitlines()[0] == ("kepler: 5 fits in this cell (4 completed, 1 failed) · "
                                    "best val_loss 0.3: <b>sweep #2 (run1xxxx)")
    assert "K307 Class imbalance — all 5 runs" in text
    assert "K501 NaN loss — 1 of 5 runs: <b>sweep #3 (run2xxxx)" in text
    static = summary.to_html()
    assert "&lt;b&gt;sweep #2" in static and "<b>sweep" not in static
    assert "99% &lt;one&gt; class" in static and static.count("<details") == 2
    assert static.index("K501") < static.index("K307")  # errors first


def test_importance_bars_are_an_inline_svg_with_escaped_labels():
    from kepler_jupyter.display.svg_bars import bars_svg

    svg = bars_svg(["learning_rate", "<units>"], [0.75, 0.25], "What explains val_loss")
    assert svg.count("<rect") == 2 and ">75%<" in svg and ">25%<" in svg
    assert "&lt;units&gt;" in svg and "<units>" not in svg
    assert bars_svg([], [], "nothing") == ""
