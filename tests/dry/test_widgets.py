"""The comparison view, the re-run notice and the grid progress: highlighted rows, sorting,
folding, escaping and their plain-text twins."""

from __future__ import annotations

import re

from kepler_jupyter.display.widgets.compare import ComparisonView
from kepler_jupyter.display.widgets.grid_progress import GridProgress
from kepler_jupyter.display.widgets.rerun_notice import RerunNotice, time_ago
from kepler_jupyter.history.goal import Goal

from .records import keras_record


def _highlighted_fields(table_html: str) -> list[str]:
    rows = re.findall(r"<tr class='kepler-differs'[^>]*><td[^>]*>([^<]*)</td>", table_html)
    return [row.replace(" · ", ".") for row in rows]


def test_comparison_highlights_exactly_the_rows_that_differ():
    small = keras_record(hidden=(64,), learning_rate=1e-3, final_accuracy=0.91, name="small")
    wide = keras_record(hidden=(256,), learning_rate=1e-2, final_accuracy=0.95, name="wide")
    view = ComparisonView([small, wide], Goal("val_accuracy", "max", 0.97))

    differing = set(view.differing_rows)
    assert {"settings.learning_rate", "architecture.layers", "architecture.n_params",
            "metrics.val_accuracy", "experiment.created"} <= differing
    assert "settings.batch_size" not in differing and "settings.optimizer" not in differing
    assert _highlighted_fields(view.table.value) == view.differing_rows
    # identical rows are folded until the toggle opens them
    assert "settings · batch_size" not in view.table.value
    assert view.show_identical.description == f"show {len(view.identical_rows)} identical rows"
    view.show_identical.value = True
    assert "settings · batch_size" in view.table.value
    assert _highlighted_fields(view.table.value) == view.differing_rows
    assert view.show_identical.description.startswith("hide")


def test_comparison_leaves_out_auto_generated_names_like_what_changed_does():
    from kepler_jupyter.history.repeats import is_noise_setting

    first, second = keras_record(learning_rate=1e-3), keras_record(learning_rate=1e-2)
    # Keras numbers optimizers per session and copies the learning rate into their config
    first["params"]["optimizer_config"].update(name="adam", learning_rate=1e-3)
    second["params"]["optimizer_config"].update(name="adam_3", learning_rate=1e-2)
    view = ComparisonView([first, second])
    names = [f"{row.section}.{row.name}" for row in view.rows]
    assert "settings.learning_rate" in view.differing_rows
    assert "settings.optimizer_config.beta_1" in names  # the real optimizer settings stay
    assert not any(is_noise_setting(name.removeprefix("settings.")) for name in names)
    assert "adam_3" not in repr(view) and "optimizer_config.name" not in view.to_html(include_plotlyjs=False)


def test_text_table_keeps_its_columns_aligned_with_multi_line_notes():
    first = keras_record(conclusion="wider helps\nbut overfits after epoch 3", name="a")
    second = keras_record(hidden=(32,), conclusion="baseline", name="b")
    text = repr(ComparisonView([first, second]))
    (row,) = [line for line in text.splitlines() if line.startswith("experiment · conclusion")]
    assert "wider helps ⏎ but overfits after epoch 3" in row
    # the second experiment's cell starts where the rule under its header does
    rule = text.splitlines()[1]
    columns = [match.start() for match in re.finditer(r"-+", rule)]
    assert row.index("baseline") == columns[2]
    assert "overfits" not in text.replace(row, "")


def test_comparison_sorts_by_any_metric_and_marks_the_best():
    records = [keras_record(final_accuracy=a, name=f"run{i}") for i, a in enumerate((0.91, 0.96, 0.93))]
    view = ComparisonView(records, Goal("val_accuracy", "max"))
    assert view.sort_by.value == "val_accuracy"
    assert view.order == [1, 2, 0]  # best first by the goal
    header = re.findall(r"<th[^>]*>([^<]*)</th>", view.table.value)
    assert header[1].startswith("★ run1") and not header[2].startswith("★")
    view.sort_by.value = "val_loss"  # lower is better
    assert view.order == [records.index(r) for r in sorted(records, key=lambda r: r["metrics"]["val_loss"])]
    view.sort_by.value = "journal order"
    assert view.order == [0, 1, 2]


def test_comparison_escapes_user_text_and_has_text_and_html_forms():
    evil = keras_record(name="<script>alert(1)</script>", hypothesis="a < b & c")
    plain = keras_record(hidden=(32,))
    view = ComparisonView([evil, plain])
    assert "<script>" not in view.table.value and "&lt;script&gt;" in view.table.value
    text = repr(view)
    assert "settings" not in text.splitlines()[0] and "<script>alert(1)</script>" in text
    assert "identical rows not shown" in text
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"] == text  # not cut at 110 characters as ipywidgets does
    exported = view.to_html(include_plotlyjs=False)
    assert "<details>" in exported and "plotly" in exported.lower() and "<script>alert" not in exported
    curves = [child for child in view.children if child is not view.table]
    assert len(curves) == 2  # the controls row and the figure


def test_comparison_with_parallel_view_of_a_larger_set():
    records = [keras_record(learning_rate=lr, final_accuracy=0.9) for lr in (1e-4, 1e-3, 1e-2)]
    view = ComparisonView(records[:2], parallel=records)
    assert view.parallel_figure is not None
    assert len(view.parallel_figure.data[0].dimensions[0].values) == 3


def test_rerun_notice_says_when_how_and_what():
    earlier = keras_record(final_accuracy=0.94, hypothesis="dropout helps", name="baseline")
    notice = RerunNotice(earlier, keras_record(), "skip")
    text = repr(notice)
    assert "Already run" in text and "baseline" in text and "completed after 12.3 s" in text
    assert "val_accuracy 0.94" in text and "dropout helps" in text
    assert "Not trained again" in text
    assert notice.figure is not None and len(notice.figure.data) == 4
    assert "Training again" in repr(RerunNotice(earlier, None, "warn"))
    assert "baseline" in notice.to_html(include_plotlyjs=False)
    assert time_ago("2000-01-01T00:00:00+00:00").endswith("d ago")


class _Point:
    def __init__(self, index, params, status, record=None):
        self.index, self.params, self.status, self.record = index, params, status, record


def test_grid_progress_counts_and_results_table():
    goal = Goal("val_accuracy", "max")
    progress = GridProgress(4, goal, "build_mlp")
    progress.update(_Point(0, {"units": 32}, "completed", keras_record(final_accuracy=0.9)))
    progress.update(_Point(1, {"units": 64}, "skipped", keras_record(final_accuracy=0.95)))
    progress.update(_Point(2, {"units": 128}, "failed"))
    assert (progress.done, progress.skipped, progress.failed, progress.remaining) == (1, 1, 1, 1)
    assert progress.bar.value == 3 and progress.bar.max == 4
    assert "1 done · 1 skipped" in progress.counts.value and "1 remaining" in progress.counts.value
    text = repr(progress)
    lines = text.splitlines()
    assert "units=64" in lines[3] and "★ 0.95" in lines[3]  # best first, marked
    assert "&lt;" not in text


def test_settings_only_one_framework_has_are_not_highlighted():
    from kepler_jupyter.display.widgets.compare import comparison_rows

    from .records import sklearn_record

    keras_run, sklearn_run = keras_record(), sklearn_record(estimator_params={"C": 0.5})
    rows = {(row.section, row.name): row for row in comparison_rows([keras_run, sklearn_run])}
    assert not rows[("settings", "estimator_params.C")].differs  # only the sklearn run has it
    assert rows[("architecture", "model")].differs  # the difference that matters
    same_kind = comparison_rows([sklearn_record(estimator_params={"C": 0.5}),
                                 sklearn_record(estimator_params={"C": 1.0})])
    assert any(row.name == "estimator_params.C" and row.differs for row in same_kind)
