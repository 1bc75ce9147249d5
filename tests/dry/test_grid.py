"""``kepler_jupyter.grid`` through the real interception and journal: skipping done points,
resuming after an interruption or a restart, Keras points, the magic (Dask: test_search_dask.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from kepler_jupyter.history.repeats import find_same_experiment
from kepler_jupyter.journal import Journal
from kepler_jupyter.search.grid import GridError, grid

from .datasets import classification_split


class InterruptibleLogisticRegression(LogisticRegression):
    """A logistic regression whose fit can be interrupted (like Ctrl-C) at a chosen C.

    Class attributes, not constructor parameters: they must not change the experiment."""

    interrupt_at: float | None = None
    trained: list[float] = []

    def fit(self, X, y, sample_weight=None):
        if self.C == type(self).interrupt_at:
            raise KeyboardInterrupt
        type(self).trained.append(self.C)
        return super().fit(X, y, sample_weight)


def build_interruptible(C):
    return InterruptibleLogisticRegression(C=C, max_iter=200)


def test_grid_skips_done_points_and_ranks_by_validation(project):
    X, y, X_val, y_val = classification_split()

    def build(C):
        return LogisticRegression(C=C, max_iter=200)

    first = grid(build, {"C": [0.01, 0.1, 1.0]}, X, y, validation_data=(X_val, y_val),
                 project_dir=project, display="none")
    assert [point.status for point in first.points] == ["completed"] * 3
    assert all("val_score" in point.record["metrics"] for point in first.points)
    assert first.goal.metric == "val_score"
    best_value = max(point.record["metrics"]["val_score"] for point in first.points)
    assert first.best.record["metrics"]["val_score"] == best_value
    assert all("grid:build" in point.record["tags"] for point in first.points)

    import kepler_jupyter

    # kepler_jupyter.search.grid is the module once imported; calling it runs the search all the same
    wider = kepler_jupyter.grid(build, {"C": [0.01, 0.1, 1.0, 10.0]}, X, y,
                                validation_data=(X_val, y_val), project_dir=project, display="none")
    assert [point.status for point in wider.points] == ["skipped"] * 3 + ["completed"]
    # a skipped point stands for the earlier experiment, with its results
    assert [p.experiment_id for p in wider.points[:3]] == [p.experiment_id for p in first.points]
    journal = Journal(project)
    assert len(journal.experiments()) == 4
    assert "4 points: 1 trained, 3 skipped" in repr(wider)
    frame = wider.to_dataframe()
    assert list(frame["status"]) == ["skipped"] * 3 + ["completed"] and "val_score" in frame


def test_an_interrupted_grid_resumes_training_only_the_missing_points(project):
    X, y, _, _ = classification_split()
    space = {"C": [0.01, 0.1, 1.0, 10.0]}
    InterruptibleLogisticRegression.trained = []
    InterruptibleLogisticRegression.interrupt_at = 1.0
    with pytest.raises(KeyboardInterrupt, match="run it again to continue"):
        grid(build_interruptible, space, X, y, project_dir=project, display="none")
    assert InterruptibleLogisticRegression.trained == [0.01, 0.1]
    statuses = {r["params"]["estimator_params"]["C"]: r["status"] for r in Journal(project).experiments()}
    assert statuses == {0.01: "completed", 0.1: "completed", 1.0: "interrupted"}

    InterruptibleLogisticRegression.interrupt_at = None
    result = grid(build_interruptible, space, X, y, project_dir=project, display="none")
    assert InterruptibleLogisticRegression.trained == [0.01, 0.1, 1.0, 10.0]  # only 1 and 10 again
    assert [p.status for p in result.points] == ["skipped", "skipped", "completed", "completed"]
    records = Journal(project).experiments()
    assert sorted(r["status"] for r in records) == ["completed"] * 4 + ["interrupted"]
    # the interrupted run stays in the journal, but the completed one is what counts as done
    rerun = result.points[2].record
    assert find_same_experiment(Journal(project), rerun["fingerprint"])["id"] == rerun["id"]


def test_a_restarted_kernel_skips_what_an_earlier_one_did(project):
    script = textwrap.dedent(f"""
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from kepler_jupyter.search.grid import grid
        rng = np.random.default_rng(0)
        X = rng.normal(size=(120, 4)); y = (X[:, 0] > 0).astype(int)
        def build(C, fit_intercept):
            return LogisticRegression(C=C, fit_intercept=fit_intercept, max_iter=200)
        result = grid(build, {{"C": [0.1, 1.0], "fit_intercept": [True, False]}}, X, y,
                      project_dir={str(project)!r}, display="none")
        print(",".join(point.status for point in result.points))
    """)
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
            for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert runs[0].stdout.strip().splitlines()[-1] == ",".join(["completed"] * 4)
    assert runs[1].stdout.strip().splitlines()[-1] == ",".join(["skipped"] * 4)
    assert len(Journal(project).experiments()) == 4


def test_random_search_draws_the_same_points_again(project):
    from kepler_jupyter.search.space import loguniform

    X, y, X_val, y_val = classification_split()

    def build(C):
        return LogisticRegression(C=C, max_iter=300)

    space = {"C": loguniform(1e-3, 10)}
    first = grid(build, space, X, y, n_iter=3, seed=7, project_dir=project, display="none")
    again = grid(build, space, X, y, n_iter=3, seed=7, project_dir=project, display="none")
    assert [p.params for p in again.points] == [p.params for p in first.points]
    assert [p.status for p in again.points] == ["skipped"] * 3


def test_grid_refuses_bad_input_before_training(project):
    X, y, _, _ = classification_split()

    def build(C):
        return LogisticRegression(C=C)

    with pytest.raises(GridError, match="takes no parameter 'alpha'"):
        grid(build, {"C": [1.0], "alpha": [0.1]}, X, y, project_dir=project, display="none")
    with pytest.raises(GridError, match="give n_iter"):
        from kepler_jupyter.search.space import uniform

        grid(build, {"C": uniform(0.1, 1)}, X, y, project_dir=project, display="none")
    assert Journal(project).experiments() == []


def test_three_failing_points_in_a_row_stop_the_search(project):
    X, y, _, _ = classification_split()

    def build(C):
        return LogisticRegression(C=C, solver="no-such-solver")

    with pytest.raises(GridError, match="3 points in a row failed"):
        grid(build, {"C": [0.1, 1.0, 10.0, 100.0]}, X, y, project_dir=project, display="none")
    assert [r["status"] for r in Journal(project).experiments()] == ["failed"] * 3


def test_keras_points_get_epochs_and_batch_size_at_fit(project):
    import keras

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype("float32")
    y = (X[:, 0] > 0).astype("int64")

    def build(units):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="relu"),
                                  keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    result = grid(build, {"units": [4, 8], "epochs": [2], "batch_size": [16]}, X[:48], y[:48],
                  validation_data=(X[48:], y[48:]), fit_kwargs={"verbose": 0},
                  project_dir=project, display="none")
    assert [p.status for p in result.points] == ["completed", "completed"]
    for point in result.points:
        assert point.record["framework"] == "keras"
        assert point.record["params"]["epochs"] == 2 and point.record["params"]["batch_size"] == 16
        assert len(point.record["history"]["val_loss"]) == 2
    assert result.goal.metric == "val_loss" and result.best is not None


def test_grid_magic_resolves_names_from_the_notebook(shell):
    X, y, X_val, y_val = classification_split()
    shell.user_ns.update(X=X, y=y, X_val=X_val, y_val=y_val,
                         make_clf=lambda C: LogisticRegression(C=C, max_iter=200))
    result = shell.run_line_magic(
        "kepler", """grid make_clf --space '{"C": [0.1, 1.0]}' --data X y --validation X_val y_val --name magic""")
    assert [p.status for p in result.points] == ["completed", "completed"]
    assert result.goal.metric == "val_score"
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="No variable 'nope'"):
        shell.run_line_magic("kepler", """grid nope --space '{"C": [1]}' --data X y""")
    with pytest.raises(UsageError, match="not valid JSON"):
        shell.run_line_magic("kepler", """grid make_clf --space '{C: [1]}' --data X y""")


def test_findings_are_summarised_not_warned_point_by_point(project):
    import warnings

    from kepler_jupyter.warnings import KeplerWarning

    X, y, _, _ = classification_split()
    X, y = np.vstack([X, X]), np.concatenate([y, y])  # every sample twice: a data finding

    def build(C):
        return LogisticRegression(C=C, max_iter=200)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = grid(build, {"C": [0.1, 1.0]}, X, y, project_dir=project, display="none")
    assert not [w for w in caught if issubclass(w.category, KeplerWarning)]
    findings = result.findings()
    assert findings and all(count == 2 for count in findings.values())
    code = next(iter(findings))
    assert all(code in {f["code"] for f in p.record["findings"]} for p in result.points)
    assert f"{code} ×2" in result.summary()


def test_text_display_lists_each_point_once(project, capsys):
    """In the IPython terminal the points are printed live; the result's ``Out[]`` repr must
    not print them all again."""
    X, y, X_val, y_val = classification_split()

    def build(C):
        return LogisticRegression(C=C, max_iter=200)

    result = grid(build, {"C": [0.1, 1.0]}, X, y, validation_data=(X_val, y_val),
                  project_dir=project, display="text")
    shown = capsys.readouterr().out + "\n" + repr(result)
    for number in (1, 2):
        assert shown.count(f"[{number}/2]") == 1, shown
    assert "2 points: 2 trained" in repr(result)
    quiet = grid(build, {"C": [0.1, 1.0]}, X, y, validation_data=(X_val, y_val),
                 project_dir=project, display="none")
    # nothing was printed live: the repr lists every point itself
    assert "[1/2]" in repr(quiet) and "[2/2]" in repr(quiet)
