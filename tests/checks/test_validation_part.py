"""The validation data gets the training data's checks, says it is about the validation data,
and a problem both parts share is one finding naming both (``checks.validation_part``)."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from kepler_jupyter import checks  # noqa: E402
from kepler_jupyter.adapters.streams import sample_fit_streams  # noqa: E402


def _mlp(n_features: int = 8, n_classes: int = 3, pre: tuple = ()):
    model = keras.Sequential([keras.Input((n_features,)), *pre,
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _by_code(findings, code):
    return [f for f in findings if f.code == code]


@pytest.fixture
def parts(blobs):
    X, y = blobs
    return X[:450].copy(), y[:450].copy(), X[450:].copy(), y[450:].copy()


def test_a_problem_of_the_validation_arrays_alone_says_so(parts):
    X, y, X_val, y_val = parts
    X_val[::10, 2] = np.nan
    (nan,) = _by_code(checks.run(_mlp(), X, y, config={}, epochs=10,
                                 validation_data=(X_val, y_val)), "K301")
    assert nan.message.startswith("In the validation data (validation_data):")
    assert nan.evidence["part"] == "validation" and nan.evidence["where"] == "validation_data"
    assert nan.evidence["rows"] == 15


def test_a_problem_both_parts_share_is_one_finding_naming_both(parts):
    X, y, X_val, y_val = parts
    X[::9, 1] = np.nan
    X_val[::10, 2] = np.nan
    (nan,) = _by_code(checks.run(_mlp(), X, y, config={}, epochs=10,
                                 validation_data=(X_val, y_val)), "K301")
    assert nan.evidence["parts"] == ["training", "validation"]
    assert nan.evidence["rows"] == 50 and nan.evidence["validation"]["rows"] == 15
    assert "The validation data (validation_data) too" in nan.message


def test_the_validation_split_tail_is_checked_apart_from_the_head(parts):
    X, y, X_val, y_val = parts
    X_all, y_all = np.concatenate([X, X_val]), np.concatenate([y, y_val])
    X_all[-100::4, 5] = np.inf  # in the last 25 %: the validation part alone
    (inf,) = _by_code(checks.run(_mlp(), X_all, y_all, config={}, epochs=10,
                                 validation_split=0.25), "K301")
    assert inf.evidence["part"] == "validation" and "validation_split tail" in inf.evidence["where"]
    assert inf.evidence["n_rows"] == 150 and inf.evidence["inf"] == 25


def test_raw_pixels_in_training_arrays_and_a_validation_pipeline_are_one_finding():
    rng = np.random.default_rng(0)
    pixels = np.round(rng.random((800, 64)) * 255).astype("float32")
    y = rng.integers(0, 10, 800)
    validation = tf.data.Dataset.from_tensor_slices((pixels[600:], y[600:])).batch(32)
    findings = checks.run(_mlp(64, 10), pixels[:600], y[:600], config={}, epochs=10,
                          validation_data=validation)
    (raw,) = _by_code(findings, "K306")
    assert raw.evidence["parts"] == ["training", "validation"]
    assert "a sample of 3 batches" in raw.evidence["validation"]["where"]
    assert not _by_code(findings, "K317")  # same scale on both sides


def test_validation_on_another_scale_is_k317_alone(parts):
    X, y, X_val, y_val = parts
    findings = checks.run(_mlp(), X, y, config={}, epochs=10,
                          validation_data=(X_val * 300 + 2_000, y_val))
    assert _by_code(findings, "K317") and not _by_code(findings, "K307")


def test_validation_labels_meet_the_loss_too(parts):
    X, y, X_val, y_val = parts
    (onehot,) = _by_code(checks.run(_mlp(), X, y, config={}, epochs=10,
                                    validation_data=(X_val, np.eye(3)[y_val])), "K410")
    assert onehot.evidence["part"] == "validation"


def test_validation_inputs_of_another_shape_or_column_order(parts):
    import pandas as pd

    X, y, X_val, y_val = parts
    (shape,) = _by_code(checks.run(_mlp(), X, y, config={}, epochs=10,
                                   validation_data=(X_val[:, :6], y_val)), "K318")
    assert shape.severity == "error" and shape.evidence["validation_shape"] == [6]
    names = list("abcdefgh")
    frame, frame_val = pd.DataFrame(X, columns=names), pd.DataFrame(X_val, columns=names)
    (order,) = _by_code(checks.run(_mlp(), frame, y, config={}, epochs=10,
                                   validation_data=(frame_val[names[::-1]], y_val)), "K318")
    assert "another order" in order.message
    assert not _by_code(checks.run(_mlp(), frame, y, config={}, epochs=10,
                                   validation_data=(frame_val, y_val)), "K318")


def test_a_validation_generator_is_checked_through_its_sample(parts):
    X, y, X_val, y_val = parts
    X_val[::5, 0] = np.nan

    def batches():
        for start in range(0, len(X_val), 32):
            yield X_val[start:start + 32], y_val[start:start + 32]

    arguments = {"x": X, "validation_data": batches()}
    samples = sample_fit_streams("keras", arguments)
    findings = checks.run(_mlp(), X, y, config={}, epochs=10, stream_samples=samples,
                          validation_data=arguments["validation_data"])
    (nan,) = _by_code(findings, "K301")
    assert nan.evidence["part"] == "validation" and "first 3 of the generator" in nan.evidence["where"]
    replayed = list(arguments["validation_data"])  # the replay still yields every batch
    assert sum(len(batch[1]) for batch in replayed) == len(y_val)


def test_class_balance_is_judged_on_training_only():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 8)).astype("float32")
    y = (X[:, 0] > 1.6).astype(int)
    weights = {0: 1.0, 1: float((y[:800] == 0).sum() / (y[:800] == 1).sum())}
    findings = checks.run(_mlp(8, 2), X[:800], y[:800], config={}, epochs=10,
                          class_weight=weights, validation_data=(X[800:], y[800:]))
    assert not [f for f in findings if f.severity in ("error", "warning")]
