"""K601–K603: bias, variance and suspicious validation after the fit."""

from __future__ import annotations

import numpy as np
import pytest

from kepler_jupyter import checks
from kepler_jupyter.checks.base import CheckSubject
from kepler_jupyter.config import set_project_value
from kepler_jupyter.journal import Journal
from kepler_jupyter.run.context import FitContext, FitData, RunOptions

from .check_helpers import alarms, make_mlp


def results(model, y, history=None, metrics=None, config=None, framework="keras"):
    subject = CheckSubject(framework, model, X=np.zeros((len(y), 8), "float32"), y=y,
                           record={"history": history or {}, "metrics": metrics or {}})
    return checks.run_checks(subject, "results", config=config or {})


def only(findings, code):
    return [f for f in findings if f.code == code]


@pytest.fixture
def labels(rng):
    return rng.integers(0, 3, 600)


@pytest.fixture(scope="module")
def classifier():
    pytest.importorskip("keras")
    return make_mlp()


def test_underfitting_against_chance_level(classifier, labels):
    poor = {"loss": [1.1, 1.1, 1.09], "accuracy": [0.33, 0.34, 0.35]}
    found = only(results(classifier, labels, poor), "K601")
    assert found and found[0].evidence["chance"] == pytest.approx(np.bincount(labels).max() / 600)
    learning = {"loss": [1.0, 0.6, 0.3], "accuracy": [0.5, 0.8, 0.93]}
    assert only(results(classifier, labels, learning), "K601") == []
    # still learning steadily: advice to train longer, not an alarm
    falling = {"loss": [1.1, 1.0, 0.9], "accuracy": [0.33, 0.34, 0.36]}
    found = only(results(classifier, labels, falling), "K601")
    assert found[0].severity == "info" and "still falling" in found[0].message
    # two epochs are too few to call it
    assert only(results(classifier, labels, {"accuracy": [0.33, 0.34]}), "K601") == []


def test_underfitting_against_the_project_goal(classifier, labels):
    history = {"accuracy": [0.6, 0.75, 0.8], "val_accuracy": [0.6, 0.74, 0.79]}
    goal = {"goal": {"metric": "val_accuracy", "mode": "max", "target": 0.95}}
    found = only(results(classifier, labels, history, config=goal), "K601")
    assert found and found[0].evidence["avoidable_bias"] == pytest.approx(0.15)
    assert "val_accuracy ≥ 0.95" in found[0].message
    reached = {"goal": {"metric": "val_accuracy", "mode": "max", "target": 0.75}}
    assert only(results(classifier, labels, history, config=reached), "K601") == []


def test_overfitting_gap_thresholds(classifier, labels):
    low = {"accuracy": [0.7, 0.8, 0.85], "val_accuracy": [0.7, 0.74, 0.74]}  # gap 0.11
    assert only(results(classifier, labels, low), "K602")
    high = {"accuracy": [0.9, 0.97, 0.99], "val_accuracy": [0.9, 0.92, 0.915]}  # gap 0.075 > 0.07
    found = only(results(classifier, labels, high), "K602")
    assert found and found[0].evidence["limit"] == 0.07
    close = {"accuracy": [0.8, 0.85, 0.87], "val_accuracy": [0.8, 0.83, 0.84]}
    assert only(results(classifier, labels, close), "K602") == []


def test_validation_suspiciously_better(classifier, labels):
    suspicious = {"accuracy": [0.6, 0.7, 0.71, 0.72], "val_accuracy": [0.8, 0.85, 0.86, 0.86]}
    assert only(results(classifier, labels, suspicious), "K603")
    # early epochs and a still-climbing training curve (epoch averages lag) are not suspicious
    lagging = {"accuracy": [0.5, 0.75, 0.88], "val_accuracy": [0.7, 0.88, 0.95]}
    assert only(results(classifier, labels, lagging), "K603") == []
    assert only(results(classifier, labels, {"accuracy": [0.5, 0.6], "val_accuracy": [0.8, 0.9]}), "K603") == []


def test_regression_scores_from_the_mse_loss(rng):
    pytest.importorskip("keras")
    y = rng.normal(0, 2.0, 500)  # variance 4
    model = make_mlp(n_classes=0, loss="mse")
    stuck = {"loss": [4.1, 4.0, 3.9], "val_loss": [4.1, 4.0, 3.95]}
    found = only(results(model, y, stuck), "K601")
    assert found and found[0].evidence["kind"] == "R²"
    overfit = {"loss": [2.0, 0.8, 0.2], "val_loss": [2.0, 1.5, 1.6]}  # R² 0.95 vs 0.6
    assert only(results(model, y, overfit), "K602")


def test_sklearn_scores(rng):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    y = rng.integers(0, 2, 400)
    metrics = {"train_score": 0.99, "cv_score": 0.80, "score_name": "accuracy"}
    assert only(results(LogisticRegression(), y, metrics=metrics, framework="sklearn"), "K602")
    # forests fit their training data by design: the gap is not a finding
    assert only(results(RandomForestClassifier(), y, metrics=metrics, framework="sklearn"), "K602") == []
    # a custom scorer's scale is unknown: nothing is judged
    custom = {"train_score": 0.2, "cv_score": -5.0, "score_name": "neg_log_loss"}
    assert results(LogisticRegression(), y, metrics=custom, framework="sklearn") == []


def test_run_results_on_a_real_fit_reads_the_project_goal(tmp_path, blobs):
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    X, y = blobs
    model = make_mlp()
    history = model.fit(X, y, epochs=4, batch_size=32, validation_split=0.2, verbose=0)
    journal = Journal(tmp_path)
    ctx = FitContext("keras", model, (X, y), {"epochs": 4, "validation_split": 0.2}, RunOptions(),
                     data=FitData(X, y, validation_split=0.2), journal=journal,
                     record={"history": history.history, "metrics": {}})
    assert alarms(checks.run_results(ctx)) == []  # a well-made fit: no results finding
    set_project_value(tmp_path, ["goal"], {"metric": "val_accuracy", "mode": "max", "target": 0.9999})
    found = only(checks.run_results(ctx), "K601")
    assert found and found[0].evidence["goal"] == "val_accuracy ≥ 0.9999"


def test_validation_ahead_is_expected_with_dropout_active_only_in_training(labels):
    """Dropout(0.5) measures the training score on a handicapped model: a 10-point lead of
    validation is the usual picture, not a leak; a far larger lead still is."""
    keras = pytest.importorskip("keras")
    dropout = keras.Sequential([keras.Input((8,)), keras.layers.Dense(32, activation="relu"),
                                keras.layers.Dropout(0.5), keras.layers.Dense(3, activation="softmax")])
    dropout.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    usual = {"accuracy": [0.6, 0.7, 0.74, 0.75], "val_accuracy": [0.72, 0.8, 0.84, 0.85]}
    assert only(results(dropout, labels, usual), "K603") == []
    plain = make_mlp()
    assert only(results(plain, labels, usual), "K603")  # the same curves without dropout
    leak = {"accuracy": [0.5, 0.55, 0.56, 0.56], "val_accuracy": [0.8, 0.9, 0.95, 0.96]}
    found = only(results(dropout, labels, leak), "K603")
    assert found and "dropout" in found[0].message
