"""K101–K106: learning rate, batch size, epochs and shuffling, for Keras and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

keras = pytest.importorskip("keras")

from kepler_jupyter import checks  # noqa: E402

from .check_helpers import alarms, codes, make_mlp  # noqa: E402


def run(model, X, y, **kwargs):
    return checks.run(model, X, y, config={}, **kwargs)


def only(findings, code):
    return [f for f in findings if f.code == code]


@pytest.mark.parametrize(("optimizer", "fires"), [
    (keras.optimizers.Adam(0.5), True),
    (keras.optimizers.Adam(1e-8), True),
    (keras.optimizers.Adam(1e-3), False),
    (keras.optimizers.SGD(0.01, momentum=0.9), False),
    (keras.optimizers.SGD(5.0), True),
    (keras.optimizers.RMSprop(0.001), False),
])
def test_learning_rate_range_per_optimizer(blobs, optimizer, fires):
    X, y = blobs
    found = only(run(make_mlp(optimizer=optimizer), X, y, epochs=5), "K101")
    assert bool(found) is fires
    if fires:
        assert found[0].evidence["optimizer"] == type(optimizer).__name__


def test_learning_rate_of_a_schedule_and_tuned_limits(blobs):
    X, y = blobs
    schedule = keras.optimizers.schedules.ExponentialDecay(0.3, decay_steps=100, decay_rate=0.9)
    found = only(run(make_mlp(optimizer=keras.optimizers.Adam(schedule)), X, y), "K101")
    assert found and found[0].evidence["learning_rate"] == pytest.approx(0.3)
    tuned = checks.run(make_mlp(optimizer=keras.optimizers.Adam(0.02)), X, y,
                       config={"thresholds": {"K101": {"adam_max": 0.05}}})
    assert only(tuned, "K101") == []


def test_sklearn_mlp_learning_rate(blobs):
    X, y = blobs
    assert only(run(MLPClassifier(learning_rate_init=0.5), X, y), "K101")
    assert only(run(MLPClassifier(), X, y), "K101") == []


def test_batch_size_checks(blobs):
    X, y = blobs
    model = make_mlp()
    assert only(run(model, X, y, batch_size=2), "K102")[0].evidence["batch_size"] == 2
    assert only(run(model, X, y, batch_size=1000), "K103")
    assert only(run(model, X, y, batch_size=400), "K103")  # 2 updates per epoch on 600 rows
    assert only(run(model, X[:100], y[:100], batch_size=64), "K103") == []  # small data: fine
    assert only(run(model, X, y, batch_size=50), "K104")[0].evidence["nearest"] == 64
    assert only(run(model, X, y, batch_size=50), "K104")[0].severity == "info"
    assert codes(run(model, X, y, batch_size=64), ("warning", "error", "info")) == []
    # the batch size of a validation_split fit counts the training part only
    assert only(run(model, X, y, batch_size=500, validation_split=0.2, epochs=3), "K103")


def test_few_epochs_with_validation_is_info(blobs):
    X, y = blobs
    found = only(run(make_mlp(), X, y, validation_split=0.2), "K105")
    assert found and found[0].severity == "info"
    assert only(run(make_mlp(), X, y, validation_split=0.2, epochs=10), "K105") == []
    assert only(run(make_mlp(), X, y), "K105") == []  # no validation: nothing to judge anyway


def test_unshuffled_sorted_labels(blobs):
    X, y = blobs
    order = np.argsort(y, kind="stable")
    assert only(run(make_mlp(), X[order], y[order], shuffle=False, epochs=5), "K106")
    assert only(run(make_mlp(), X[order], y[order], epochs=5), "K106") == []
    assert only(run(make_mlp(), X, y, shuffle=False, epochs=5), "K106") == []
    assert only(run(MLPClassifier(shuffle=False), X[order], y[order]), "K106")
    assert only(run(MLPClassifier(), X[order], y[order]), "K106") == []


def test_positional_fit_arguments_are_named():
    import inspect

    from kepler_jupyter.adapters.fit_arguments import fit_settings, named_fit_arguments

    bound = inspect.signature(keras.Model.fit).bind(make_mlp(), "X", "y", 7, 3, shuffle=False)
    assert fit_settings(named_fit_arguments(bound)) == {"batch_size": 7, "epochs": 3, "shuffle": False}


def test_well_made_keras_settings_are_silent(blobs):
    X, y = blobs
    assert alarms(run(make_mlp(), X, y, batch_size=32, epochs=20, validation_split=0.2)) == []
