"""Model-based searches on Optuna: the journal's points are the study's first trials, ``n_iter``
counts them, hand-made runs count too, repeated proposals train nothing, pruners stop Keras
points, and a clear message without Optuna."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from kepler_jupyter.journal import Journal
from kepler_jupyter.run.session import watch
from kepler_jupyter.search.grid import GridError, grid
from kepler_jupyter.search.space import loguniform

from .datasets import classification_split

optuna = pytest.importorskip("optuna")


class CountingLogisticRegression(LogisticRegression):
    """Records every C it trains; raises KeyboardInterrupt (like Ctrl-C) on fit number
    ``interrupt_at``. Class attributes, so they do not change the experiment."""

    trained: list[float] = []
    interrupt_at: int | None = None

    def fit(self, X, y, sample_weight=None):
        cls = type(self)
        if cls.interrupt_at is not None and len(cls.trained) + 1 == cls.interrupt_at:
            raise KeyboardInterrupt
        cls.trained.append(self.C)
        return super().fit(X, y, sample_weight)


def build_counting(C):
    return CountingLogisticRegression(C=C, max_iter=300)


def test_an_interrupted_tpe_search_trains_only_what_is_missing(project):
    X, y, X_val, y_val = classification_split()
    space = {"C": loguniform(1e-3, 10.0)}
    CountingLogisticRegression.trained, CountingLogisticRegression.interrupt_at = [], 4
    with pytest.raises(KeyboardInterrupt, match="run it again"):
        grid(build_counting, space, X, y, validation_data=(X_val, y_val), strategy="tpe",
             n_iter=6, seed=1, project_dir=project, display="none")
    first = list(CountingLogisticRegression.trained)
    assert len(first) == 3

    CountingLogisticRegression.interrupt_at = None
    result = grid(build_counting, space, X, y, validation_data=(X_val, y_val), strategy="tpe",
                  n_iter=6, seed=1, project_dir=project, display="none")
    again = CountingLogisticRegression.trained[len(first):]
    assert len(again) == 3 and not set(again) & set(first)  # exactly what was missing, none repeated
    assert [p.status for p in result.points] == ["skipped"] * 3 + ["completed"] * 3
    assert {p.params["C"] for p in result.points[:3]} == set(first)
    done = [r for r in Journal(project).experiments() if r["status"] == "completed"]
    assert len(done) == 6 and all(r["search"]["strategy"] == "model" for r in done)
    assert result.best.record["metrics"]["val_score"] == max(r["metrics"]["val_score"] for r in done)

    # everything is done: the same call trains nothing
    third = grid(build_counting, space, X, y, validation_data=(X_val, y_val), strategy="tpe",
                 n_iter=6, seed=1, project_dir=project, display="none")
    assert len(CountingLogisticRegression.trained) == 6 and third.count("skipped") == 6


def test_hand_made_runs_on_the_same_data_count_and_others_do_not(project):
    X, y, X_val, y_val = classification_split()
    other_X, other_y, _, _ = classification_split(seed=5)
    with watch(project_dir=project, display="none"):
        LogisticRegression(C=0.5, max_iter=300).fit(X, y)          # same data, same family: counts
        LogisticRegression(C=2.0, max_iter=300).fit(other_X, other_y)  # other data: does not
    result = grid(lambda C: LogisticRegression(C=C, max_iter=300), {"C": loguniform(1e-2, 10.0)},
                  X, y, strategy="random", n_iter=3, project_dir=project, display="none", name="lr")
    assert len(result.points) == 3  # "random" draws its n_iter points; the hand-made one is not one
    tpe = grid(lambda C: LogisticRegression(C=C, max_iter=300), {"C": loguniform(1e-2, 10.0)},
               X, y, strategy="tpe", n_iter=5, project_dir=project, display="none", name="lr")
    known = [p for p in tpe.points if p.status == "skipped"]
    assert sorted(p.params["C"] for p in known) == sorted([0.5, *[p.params["C"] for p in result.points]])
    assert tpe.count("completed") == 1  # 5 in all, 4 of them known already
    assert 2.0 not in {p.params["C"] for p in tpe.points}


def test_repeated_proposals_of_done_points_train_nothing(project):
    X, y, _, _ = classification_split()
    CountingLogisticRegression.trained, CountingLogisticRegression.interrupt_at = [], None
    space = {"C": [0.01, 0.1, 1.0]}
    result = grid(build_counting, space, X, y, strategy="tpe", n_iter=3, seed=0,
                  project_dir=project, display="none")
    assert sorted(CountingLogisticRegression.trained) == [0.01, 0.1, 1.0]  # each once
    assert result.count("completed") == 3
    grid(build_counting, space, X, y, strategy="tpe", n_iter=3, seed=0, project_dir=project, display="none")
    assert len(CountingLogisticRegression.trained) == 3


def test_strategies_need_what_they_need(project, monkeypatch):
    X, y, _, _ = classification_split()

    def build(C):
        return LogisticRegression(C=C)

    with pytest.raises(GridError, match="needs n_iter"):
        grid(build, {"C": [0.1, 1.0]}, X, y, strategy="tpe", project_dir=project, display="none")
    with pytest.raises(GridError, match="Unknown strategy 'anneal'"):
        grid(build, {"C": [0.1, 1.0]}, X, y, strategy="anneal", n_iter=2, project_dir=project, display="none")
    with pytest.raises(GridError, match='strategy="grid" takes a space of lists'):
        grid(build, {"C": loguniform(0.1, 1.0)}, X, y, strategy="grid", n_iter=2, project_dir=project)
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(GridError, match=r"need Optuna: pip install 'kepler_jupyter\[search\]'"):
        grid(build, {"C": [0.1, 1.0]}, X, y, strategy="tpe", n_iter=2, project_dir=project, display="none")
    plain_grid = grid(build, {"C": [0.1, 1.0]}, X, y, project_dir=project, display="none")
    assert plain_grid.count("completed") == 2  # a grid of lists needs no Optuna
    assert Journal(project).experiments()[0]["search"]["params"] == {"C": 0.1}


def test_a_pruner_stops_keras_points_and_they_are_journaled_stopped(project):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype("float32")
    y = (X[:, 0] > 0).astype("float32")

    def build(units):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    # a pruner that gives up on every trial after its second epoch: the wiring, deterministically
    pruner = optuna.pruners.ThresholdPruner(lower=1e9, n_warmup_steps=1)
    result = grid(build, {"units": [2, 3]}, X, y, validation_data=(X[:16], y[:16]), strategy="tpe",
                  n_iter=2, pruner=pruner, fit_kwargs={"epochs": 5, "verbose": 0, "batch_size": 16},
                  project_dir=project, display="none")
    assert [p.status for p in result.points] == ["stopped", "stopped"]
    for point in result.points:
        record = Journal(project).get(point.experiment_id)
        assert record["status"] == "stopped" and len(record["history"]["val_loss"]) == 2
        assert "pruned by Optuna's ThresholdPruner after epoch 2: val_loss" in record["stop_reason"]
    again = grid(build, {"units": [2, 3]}, X, y, validation_data=(X[:16], y[:16]), strategy="tpe",
                 n_iter=2, pruner=pruner, fit_kwargs={"epochs": 5, "verbose": 0, "batch_size": 16},
                 project_dir=project, display="none")
    assert again.count("skipped") == 2  # a pruned point is done: it is not trained again


def test_the_grid_magic_takes_a_strategy(shell):
    X, y, X_val, y_val = classification_split()
    shell.user_ns.update(X=X, y=y, X_val=X_val, y_val=y_val,
                         make_clf=lambda C: LogisticRegression(C=C, max_iter=300))
    line = ("""grid make_clf --space '{"C": {"loguniform": [0.01, 10]}}' --data X y """
            "--validation X_val y_val --strategy tpe --n-iter 3 --name magic-tpe")
    first = shell.run_line_magic("kepler", line)
    assert first.count("completed") == 3
    again = shell.run_line_magic("kepler", line.replace("--n-iter 3", "--n-iter 4"))
    assert again.count("skipped") == 3 and again.count("completed") == 1
