"""kepler's epoch recorder inside a real Keras fit."""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np
import pytest

from kepler_jupyter.adapters.keras_callbacks import make_epoch_recorder
from kepler_jupyter.warnings import KeplerInternalWarning

from .models import sequential_classifier


@pytest.fixture
def data(rng):
    return rng.normal(size=(16, 4)).astype("float32"), rng.integers(0, 3, size=16)


def test_on_epoch_gets_every_epoch_as_plain_floats(data):
    seen = []
    recorder = make_epoch_recorder(lambda epoch, logs: seen.append((epoch, logs)))
    assert isinstance(recorder, keras.callbacks.Callback)
    model = sequential_classifier(keras)
    result = model.fit(*data, epochs=3, verbose=0, validation_split=0.25, callbacks=[recorder])
    assert [epoch for epoch, _ in seen] == [0, 1, 2]
    assert all(type(value) is float for _, logs in seen for value in logs.values())
    assert set(seen[0][1]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert recorder.history["loss"] == pytest.approx(result.history["loss"])
    assert recorder.epochs == [0, 1, 2]


def test_errors_in_on_epoch_warn_once_and_training_goes_on(data):
    def broken(epoch, logs):
        raise RuntimeError("display went away")

    recorder = make_epoch_recorder(broken)
    model = sequential_classifier(keras)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = model.fit(*data, epochs=3, verbose=0, callbacks=[recorder])
    ours = [w for w in caught if issubclass(w.category, KeplerInternalWarning)]
    assert len(ours) == 1 and "display went away" in str(ours[0].message)
    assert len(result.history["loss"]) == 3  # the fit finished all its epochs
    assert len(recorder.history["loss"]) == 3  # and the partial history is still recorded


def test_nan_logs_reach_on_epoch_but_history_stores_none():
    seen = []
    recorder = make_epoch_recorder(lambda epoch, logs: seen.append(logs))
    recorder.on_epoch_end(0, {"loss": np.float32("nan"), "accuracy": np.array([0.5])})
    recorder.on_epoch_end(1, {"loss": 0.5})  # a key missing in one epoch keeps columns aligned
    assert math.isnan(seen[0]["loss"]) and seen[0]["accuracy"] == 0.5
    assert recorder.history == {"loss": [None, 0.5], "accuracy": [0.5, None]}
