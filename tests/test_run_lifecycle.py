"""The run of one fit as a lifecycle of events (started, finding, epoch, ended, blocked,
skipped) that observers subscribe to; real scikit-learn and Keras fits through ``watch()``."""

from __future__ import annotations

import numpy as np
import pytest

from kepler_jupyter.journal import Journal

keras = pytest.importorskip("keras")


def _keras_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    return model


def _keras_data(n: int = 200):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4)).astype("float32")
    y = (X[:, 0] > 0).astype("int32")
    return X, y


def test_forced_keras_fit_on_nan_validation_rows_stops_with_the_nan_finding(project):
    """NaN rows only in the part ``validation_split`` takes: the training loss stays finite
    but every validation loss is NaN. Forced past K301, the run must not end ``completed``."""
    import kepler_jupyter

    X, y = _keras_data()
    X[-10:, 1] = np.nan
    model = _keras_model()
    with pytest.warns(Warning), kepler_jupyter.watch(force=True, display="none") as run:
        history = model.fit(X, y, epochs=4, batch_size=32, validation_split=0.2, verbose=0)
    record = Journal(project).get(run.last["id"])
    assert record["status"] == "stopped"
    assert record["stop_reason"].startswith("K501")
    assert "K501" in [finding["code"] for finding in record["findings"]]
    assert len(history.history["loss"]) == 1  # stopped at the end of the first epoch
