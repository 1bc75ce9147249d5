"""Keras ``train_on_batch`` / ``test_on_batch`` loops: one experiment per loop, checked on its
first batch, with the history the loop produced; calls return what they return without kepler."""

from __future__ import annotations

import numpy as np
import pytest
from ipython_shells import run_cell

import kepler_jupyter
from kepler_jupyter.journal import Journal
from kepler_jupyter.run.experiment import FitBlocked

SETUP = """
import numpy as np
import keras
rng = np.random.default_rng(0)
X = rng.normal(size=(96, 4)).astype("float32")
y = (X[:, 0] + X[:, 1] > 0).astype("int32")
def make_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
def loop(model, epochs=3):
    returned = []
    for epoch in range(epochs):
        losses = [model.train_on_batch(X[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)]
        returned.append((losses, model.test_on_batch(X[64:], y[64:])))
    return returned
"""


@pytest.fixture
def keras():
    return pytest.importorskip("keras")


def _data(n=64):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 4)).astype("float32")
    return X, (X[:, 0] > 0).astype("int32")


def _model(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


def test_a_train_on_batch_loop_is_one_experiment_with_a_point_per_epoch(shell, project, keras):
    run_cell(shell, SETUP + "plain = loop(make_model())\n")
    shell.run_cell_magic("kepler", "fit --name loop", "model = make_model()\nwatched = loop(model)")
    plain, watched = shell.user_ns["plain"], shell.user_ns["watched"]
    np.testing.assert_allclose(np.array([p[0] for p in plain]), np.array([w[0] for w in watched]))
    np.testing.assert_allclose(np.array([p[1] for p in plain]), np.array([w[1] for w in watched]))
    (record,) = Journal(project).experiments()
    assert record["kind"] == "loop" and record["status"] == "completed"
    assert record["params"]["loop"] == {"method": "train_on_batch", "calls": 12, "evaluations": 3,
                                        "point": "round", "samples_seen": 192}
    assert record["params"]["batch_size"] == 16 and record["params"]["epochs"] is None
    # one point per epoch: the mean of the epoch's training calls, the evaluation after it
    losses = [float(np.mean([call[0] for call in epoch[0]])) for epoch in watched]
    assert record["history"]["loss"] == pytest.approx(losses)
    assert record["history"]["accuracy"] == pytest.approx(
        [float(np.mean([call[1] for call in epoch[0]])) for epoch in watched])
    assert record["history"]["val_loss"] == pytest.approx([float(epoch[1][0]) for epoch in watched])
    assert record["metrics"]["val_accuracy"] == pytest.approx(float(watched[-1][1][1]))
    assert record["data"]["n_samples"] == 16 and record["data"]["first_batch_only"]


def test_the_first_batch_is_checked_and_an_error_stops_the_loop(project, keras):
    X, y = _data()
    X[3, 1] = np.nan
    model = _model(keras)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(FitBlocked, match="K301"):
        with kepler_jupyter.watch(display="none"):
            for start in range(0, 64, 16):
                model.train_on_batch(X[start:start + 16], y[start:start + 16])
    for weight, earlier in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(weight, earlier)  # nothing trained
    (record,) = Journal(project).experiments()
    assert record["status"] == "blocked" and record["findings"][0]["code"] == "K301"


def test_a_loop_without_evaluations_keeps_one_point_per_call_and_ends_before_a_fit(project, keras):
    X, y = _data()
    model = _model(keras)
    with kepler_jupyter.watch(display="none"):
        returned = [model.train_on_batch(X[i:i + 8], y[i:i + 8], return_dict=True) for i in range(0, 64, 8)]
        model.fit(X, y, epochs=2, verbose=0)
    loop, fit = Journal(project).experiments()
    assert loop["kind"] == "loop" and fit.get("kind") != "loop"
    assert loop["history"]["loss"] == pytest.approx([r["loss"] for r in returned])
    assert loop["params"]["loop"]["point"] == "call" and len(fit["history"]["loss"]) == 2


def test_a_failing_or_interrupted_loop_is_journaled_as_such(project, keras):
    X, y = _data()
    model = _model(keras)
    with pytest.raises(Exception) as caught:  # TensorFlow's own error type
        with kepler_jupyter.watch(display="none"):
            model.train_on_batch(X[:16], y[:16])
            model.train_on_batch(X[:16, :3], y[:16])  # the wrong number of features
    with pytest.raises(KeyboardInterrupt):
        with kepler_jupyter.watch(display="none"):
            model.train_on_batch(X[:16], y[:16])
            raise KeyboardInterrupt  # the user stops the cell between two calls
    failed, interrupted = Journal(project).experiments()
    assert failed["status"] == "failed" and failed["error"]["type"] == type(caught.value).__name__
    assert len(failed["history"]["loss"]) == 1
    assert interrupted["status"] == "interrupted"
