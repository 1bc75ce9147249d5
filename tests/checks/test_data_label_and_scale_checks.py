"""K306, K307, K310–K313: label order / split / balance and input scale, on Keras models."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

keras = pytest.importorskip("keras")

from kepler_jupyter import checks  # noqa: E402

from .check_helpers import alarms, codes, make_mlp  # noqa: E402


def run(model, X, y, **kwargs):
    return checks.run(model, X, y, config={}, **kwargs)


def only(findings, code):
    return [f for f in findings if f.code == code]


def cnn(input_shape=(12, 12, 1), first_layers=()):
    model = keras.Sequential([
        keras.Input(input_shape), *first_layers,
        keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_raw_pixels_fire_and_scaled_or_rescaled_pixels_do_not(rng):
    images = rng.integers(0, 256, size=(300, 12, 12, 1)).astype("uint8")
    y = rng.integers(0, 3, 300)
    found = only(run(cnn(), images, y), "K306")
    assert found and found[0].evidence["max"] == 255 and found[0].severity == "warning"
    assert "K313" not in codes(run(cnn(), images, y))  # K306 already says it
    assert alarms(run(cnn(), images.astype("float32") / 255, y)) == []
    rescaled = cnn(first_layers=[keras.layers.Rescaling(1 / 255)])
    assert alarms(run(rescaled, images, y)) == []


def test_flattened_mnist_like_pixels(rng):
    # sparse digit-like images: borders always 0, strokes up to 255
    images = np.zeros((400, 28, 28), dtype="float32")
    images[:, 6:22, 6:22] = rng.integers(0, 256, size=(400, 16, 16)) * (rng.random((400, 16, 16)) > 0.6)
    flat = images.reshape(400, -1)
    y = rng.integers(0, 3, 400)
    assert "K306" in codes(run(make_mlp(784), flat, y))
    assert alarms(run(make_mlp(784), flat / 255, y)) == []


def test_unscaled_features(blobs):
    X, y = blobs
    wild = X.copy()
    wild[:, 2] = wild[:, 2] * 5000 + 20_000
    found = only(run(make_mlp(), wild, y), "K307")
    assert found and found[0].evidence["largest_feature"] == "2"
    small = X.copy()
    small[:, 5] *= 1e-4
    assert only(run(make_mlp(), small, y), "K307")[0].evidence["smallest_scale_feature"] == "5"
    normalised = make_mlp(first_layers=[keras.layers.Normalization()])
    assert only(run(normalised, wild, y), "K307") == []
    # one-hot and binary columns beside standardised ones are fine
    one_hot = np.column_stack([X, np.eye(4)[y % 4], (X[:, 0] > 0)]).astype("float32")
    assert alarms(run(make_mlp(13), one_hot, y)) == []


def test_validation_split_on_sorted_labels_is_an_error(blobs):
    X, y = blobs
    order = np.argsort(y, kind="stable")
    found = only(run(make_mlp(), X[order], y[order], validation_split=0.2, epochs=5), "K310")
    assert found and found[0].severity == "error"
    assert "absent from the validation tail" in found[0].message
    shuffled = run(make_mlp(), X, y, validation_split=0.2, epochs=5)
    assert alarms(shuffled) == []


def test_validation_split_with_a_skewed_tail_warns(rng):
    n = 1000
    X = rng.normal(size=(n, 8)).astype("float32")
    y = rng.integers(0, 3, n)
    y[800:] = np.where(rng.random(200) < 0.7, 2, y[800:])  # the tail is mostly class 2
    found = only(run(make_mlp(), X, y, validation_split=0.2, epochs=5), "K310")
    assert found and found[0].severity == "warning" and found[0].evidence["distance"] > 0.1


def test_sorted_regression_targets_with_validation_split(rng):
    X = rng.normal(size=(500, 8)).astype("float32")
    y = np.sort(rng.normal(size=500))
    model = make_mlp(n_classes=0, loss="mse")
    assert "K310" in codes(run(model, X, y, validation_split=0.2, epochs=5))
    assert "K310" not in codes(run(model, X, rng.permutation(y), validation_split=0.2, epochs=5))


def test_unstratified_validation_data(blobs, rng):
    X, y = blobs
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    assert alarms(run(make_mlp(), X_train, y_train, validation_data=(X_val, y_val), epochs=5)) == []
    skewed = y_val.copy()
    skewed[: len(skewed) * 2 // 3] = 0
    found = only(run(make_mlp(), X_train, y_train, validation_data=(X_val, skewed), epochs=5), "K311")
    assert found and found[0].evidence["p_value"] < 0.001
    # a class the model never trained on
    unseen = run(make_mlp(), X_train, np.where(y_train == 2, 1, y_train),
                 validation_data=(X_val, y_val), epochs=5)
    assert "never seen in training" in only(unseen, "K311")[0].message


def test_small_validation_sets_do_not_trip_the_significance_test(blobs):
    X, y = blobs
    # 12 validation samples split 7 / 3 / 2 look skewed (distance > 0.1) but are sampling noise
    y_val = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2])
    assert only(run(make_mlp(), X[:-12], y[:-12], validation_data=(X[-12:], y_val), epochs=5),
                "K311") == []
    # all twelve of one class is not noise any more
    assert only(run(make_mlp(), X[:-12], y[:-12], validation_data=(X[-12:], np.zeros(12, int)),
                    epochs=5), "K311")


def test_one_hot_labels_are_understood(blobs):
    X, y = blobs
    one_hot = np.eye(3, dtype="float32")[y]
    model = make_mlp(loss="categorical_crossentropy")
    order = np.argsort(y, kind="stable")
    assert "K310" in codes(run(model, X[order], one_hot[order], validation_split=0.25, epochs=5))
    assert alarms(run(model, X, one_hot, validation_split=0.25, epochs=5)) == []


def test_class_imbalance_unless_weighted(rng):
    X = rng.normal(size=(1000, 8)).astype("float32")
    y = (rng.random(1000) < 0.04).astype(int)
    model = make_mlp(n_classes=2)
    found = only(run(model, X, y), "K312")
    assert found and found[0].evidence["ratio"] < 0.1
    assert only(run(model, X, y, class_weight={0: 1.0, 1: 20.0}), "K312") == []
    assert only(run(model, X, y, sample_weight=np.where(y == 1, 20.0, 1.0)), "K312") == []


def test_non_float_inputs(blobs, rng):
    X, y = blobs
    counts = rng.integers(0, 5, size=X.shape)
    found = only(run(make_mlp(), counts, y), "K313")
    assert found and found[0].severity == "warning" and "int64" in found[0].message
    strings = np.array([["a"] * 8] * len(y), dtype=object)
    assert only(run(make_mlp(), strings, y), "K313")[0].severity == "error"
    embedding = keras.Sequential([keras.Input((8,), dtype="int32"), keras.layers.Embedding(10, 4),
                                  keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    embedding.compile("adam", "sparse_categorical_crossentropy")
    assert only(run(embedding, counts, y), "K313") == []
