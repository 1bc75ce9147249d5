"""What a ``%%kepler fit`` cell shows in a notebook (widget mode), counted as a front end sees it:
one output block per cell, one chart per fit, one live summary for a loop of fits, each finding
once (its Python warning still raised), one earlier run cited as "the same experiment", and a
static HTML / SVG twin in every bundle.

Real fits in a real IPython shell with the magic; ``capture_output`` records each
``display_data`` (a new block) and ``update_display_data`` (the same block, sent again).
"""

from __future__ import annotations

import re
import warnings

from IPython.utils.capture import capture_output
from ipython_shells import run_cell

from kepler_jupyter.journal import Journal

SKLEARN_SETUP = """
import numpy as np
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = rng.normal(size=(150, 4)) * [1, 1, 1, 1000]   # one feature on another scale: K320
y = (X[:, 0] + X[:, 1] > 0).astype(int)
"""

KERAS_SETUP = """
import numpy as np
import keras
rng = np.random.default_rng(0)
X = rng.normal(size=(96, 6)).astype("float32")
y = (X[:, 0] > 0).astype("int64")
def build():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def run_captured(shell, source: str):
    from kepler_jupyter.run import after_fit

    with capture_output() as captured:
        run_cell(shell, source)
        # what the after-fit worker shows reaches the cell after its code has run (a kernel
        # routes it there); here it is captured once that work is done
        after_fit.wait()
    return captured


def blocks(captured) -> list:
    """The output blocks a front end would draw: every display that is not an update."""
    return [output for output in captured.outputs if not output.update]


def last_session(shell):
    return shell.magics_manager.registry["KeplerMagics"].last_session


def test_one_keras_fit_is_one_block_with_one_chart_that_ends_as_the_overlay(shell):
    run_cell(shell, KERAS_SETUP)
    fit = "%%kepler fit --display widget --name tiny\nbuild().fit(X, y, epochs=3, validation_split=0.25, verbose=0)"
    first = run_captured(shell, fit)
    assert len(blocks(first)) == 1
    again = run_captured(shell, fit)  # the same experiment: a re-run notice, then the overlay
    assert len(blocks(again)) == 1
    cell = last_session(shell).reporter.cell
    kinds = [part.kind for part in cell.parts]
    assert kinds.count("curves") == 1 and "rerun" in kinds and "after_fit" in kinds, kinds
    rerun = cell.find("rerun").widget
    after_fit = cell.find("after_fit").widget
    assert rerun.figure is None and after_fit.figure is None  # no second or third chart
    # the live chart became the overlay of this run and the earlier one
    curves = cell.find("curves").widget
    plotly = curves.outputs[0]["data"]["application/vnd.plotly.v1+json"]
    groups = {trace.get("legendgroup") for trace in plotly["data"]}
    assert groups == {last_session(shell).last["id"], rerun.previous_record["id"]}
    # the block's last bundle is the final one, with the overlay as an inline SVG
    final = again.outputs[-1]
    assert final.update and final.transient["display_id"] == blocks(again)[0].transient["display_id"]
    assert final.data["text/html"].count("<svg") == 1
    assert final.data["text/html"].count("<polyline") == 8  # (loss, val_loss, acc, val_acc) × 2
    assert "Already run" in final.data["text/html"] and "Already run" in final.data["text/plain"]


def test_the_cell_cites_one_earlier_run_as_the_same_experiment(shell):
    run_cell(shell, SKLEARN_SETUP)
    fit = "%%kepler fit --display widget --name same\nLogisticRegression().fit(X, y)"
    for _ in range(3):  # three runs of one experiment: the third has two identical forerunners
        captured = run_captured(shell, fit)
    cell = last_session(shell).reporter.cell
    notice = cell.find("rerun").widget.previous_record["id"]
    report = cell.find("after_fit").widget.report
    runs = [r for r in Journal().experiments() if r["name"] == "same"]
    assert notice == runs[1]["id"]  # the latest earlier run
    assert report.earlier["id"] == notice and report.similar[0].record["id"] == notice
    final = captured.outputs[-1].data["text/plain"]
    # the notice's "already run" and the report's headline name the same run
    cited = re.findall(r"[Ss]ame model, data and settings as same \((\w{8})\)", final)
    assert cited == [notice[:8], notice[:8]], final


def test_a_loop_of_fits_is_one_block_with_one_live_summary(shell):
    run_cell(shell, SKLEARN_SETUP)
    n_fits = 25  # what matters is that the count of blocks does not grow with it
    captured = run_captured(shell, f"""%%kepler fit --display widget --name loop
scores = []
for C in np.geomspace(0.001, 10, {n_fits}):
    scores.append(LogisticRegression(C=C).fit(X, y).score(X, y))
""")
    assert len(blocks(captured)) == 1
    session = last_session(shell)
    summary = session.reporter.summary
    assert summary is not None and len(summary.records) == n_fits == len(session.records)
    assert [part.kind for part in session.reporter.cell.parts] == ["summary"]
    # the scale finding hit every fit: listed once, with the count of runs it hit
    assert len(summary.hits["K320"].runs) == n_fits
    text = captured.outputs[-1].data["text/plain"]
    assert text.count("K320") == 1 and f"all {n_fits} runs" in text
    assert f"{n_fits} fits in this cell ({n_fits} completed)" in text
    best = max(session.records, key=lambda r: r["metrics"]["train_score"])["metrics"]["train_score"]
    assert f"best train_score {best:.4g}" in text
    assert "K320" in captured.outputs[-1].data["text/html"]


def run_printing(shell, source: str) -> tuple[list[type[Warning]], object]:
    """Run ``source``; the categories of the warnings Python printed (``showwarning``, which
    ipykernel writes to the red stderr block) and what the cell displayed."""
    printed: list[type[Warning]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, category, *args, **kwargs: printed.append(category)
        captured = run_captured(shell, source)
    return printed, captured


def test_a_finding_is_shown_once_and_its_warning_still_raised(shell):
    from kepler_jupyter.warnings import DataWarning

    run_cell(shell, SKLEARN_SETUP)
    printed, captured = run_printing(shell, """%%kepler fit --display widget --name warned
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    LogisticRegression().fit(X, y)
caught_codes = [str(w.message).split()[0] for w in caught]
LogisticRegression(C=2.0).fit(X, y)   # outside the recorder: shown by the widget, not printed
warnings.warn("the user's own warning")
""")
    assert "K320" in shell.user_ns["caught_codes"]  # code that records warnings still sees it
    assert DataWarning not in printed and UserWarning in printed  # others print as before
    assert "K320" in captured.outputs[-1].data["text/html"]
    # after the cell, kepler's warnings print again (a text-mode cell: no widget shows them)
    printed, captured = run_printing(
        shell, "%%kepler fit --display text --name plain\nLogisticRegression().fit(X, y)")
    assert "K320" in captured.stdout and DataWarning in printed


def test_only_the_findings_warnings_are_left_unprinted():
    from kepler_jupyter.display.quiet_warnings import FindingWarningsShown
    from kepler_jupyter.warnings import DataWarning, KeplerInternalWarning

    quiet = FindingWarningsShown()
    shown: list[type[Warning]] = []
    previous = warnings.showwarning
    warnings.showwarning = lambda message, category, *args, **kwargs: shown.append(category)
    try:
        quiet.start()
        warnings.showwarning("m", DataWarning, "f.py", 1)
        warnings.showwarning("m", KeplerInternalWarning, "f.py", 1)
        warnings.showwarning("m", UserWarning, "f.py", 1)
        quiet.stop()
        warnings.showwarning("m", DataWarning, "f.py", 1)
    finally:
        warnings.showwarning = previous
    assert shown == [KeplerInternalWarning, UserWarning, DataWarning]


def test_a_grid_shows_one_progress_block_whose_fallback_ends_complete(shell):
    run_cell(shell, SKLEARN_SETUP)
    captured = run_captured(shell, """
import kepler_jupyter
def build(C):
    return LogisticRegression(C=C)
result = kepler_jupyter.grid(build, {"C": [0.1, 1.0, 10.0]}, X, y, name="lr-grid", display="widget")
""")
    assert len(blocks(captured)) == 1
    final = captured.outputs[-1]
    assert final.update and WIDGET_VIEW in final.data
    static = final.data["text/html"]
    assert "3 done" in static and "0 remaining" in static and static.count("<tr") == 4  # header + 3


def test_overlapping_cells_do_not_pile_up_filters():
    """A cell's filter stopped while the next cell's sits on top of it (its block closed by the
    after-fit worker) is skipped by the filter of the cell after."""
    from kepler_jupyter.display.quiet_warnings import FindingWarningsShown
    from kepler_jupyter.warnings import DataWarning

    original = warnings.showwarning
    first, second, third = FindingWarningsShown(), FindingWarningsShown(), FindingWarningsShown()
    try:
        first.start()
        second.start()
        first.stop()  # not on top: stays in the chain as a pass-through
        second.stop()
        third.start()
        assert third._previous is original
        shown: list[type[Warning]] = []
        third.stop()
        assert warnings.showwarning is original
        warnings.showwarning = lambda message, category, *args, **kwargs: shown.append(category)
        first.start()
        warnings.showwarning("m", DataWarning, "f.py", 1)
        assert shown == []
    finally:
        first.stop()
        warnings.showwarning = original
