"""Buggy data and settings (K1xx, K3xx) given to a well-made Keras MLP, judged before the fit."""

from __future__ import annotations

import numpy as np

from .case import Case, blobs, case, digits

FIT = {"epochs": 10, "batch_size": 32, "validation_split": 0.2}
#: for cases that append rows (a split would move them into validation: a leak, not the bug)
NO_SPLIT = {"epochs": 10, "batch_size": 32}


def mlp(n_features=8, n_classes=3, optimizer="adam", loss="sparse_categorical_crossentropy"):
    import keras

    head = (keras.layers.Dense(n_classes, activation="softmax") if n_classes
            else keras.layers.Dense(1))
    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(32, activation="relu"), head])
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"] if n_classes else [])
    return model


@case("NaN and inf in the inputs", "K301")
def nan_inputs():
    X, y = blobs()
    X[[3, 50, 51], 2] = np.nan
    X[7, 0] = np.inf
    return mlp(), X, y, FIT


@case("NaN in regression targets", "K302")
def nan_labels():
    X, _ = blobs()
    target = X[:, 0] * 3.0
    target[::50] = np.nan
    return mlp(n_classes=0, loss="mse"), X, target, FIT


@case("ten percent of the samples duplicated", "K303")
def duplicates():
    X, y = blobs()
    return mlp(), np.vstack([X, X[:60]]), np.r_[y, y[:60]], NO_SPLIT


@case("identical inputs with different labels", "K304")
def conflicting_labels():
    X, y = blobs()
    return mlp(), np.vstack([X, X[:30]]), np.r_[y, (y[:30] + 1) % 3], NO_SPLIT


@case("validation data copied from the training data", "K305")
def leakage():
    X, y = blobs()
    fit = {"epochs": 10, "batch_size": 32, "validation_data": (X[:120], y[:120])}
    return mlp(), X, y, fit


@case("raw 0-255 pixels", "K306")
def raw_pixels():
    X, y = digits()
    return mlp(64, 10), np.round(X * 255).astype("float32"), y, FIT


@case("one feature in the tens of thousands", "K307")
def unscaled_feature():
    X, y = blobs()
    X[:, 3] = X[:, 3] * 8_000 + 50_000
    return mlp(), X, y, FIT


@case("a constant feature", "K308")
def constant_feature():
    X, y = blobs()
    X[:, 5] = 1.0
    return mlp(), X, y, FIT


@case("a feature that copies another", "K309")
def redundant_feature():
    X, y = blobs()
    copy = (2 * X[:, 0] + 1 + np.random.default_rng(1).normal(0, 1e-3, len(X))).astype("float32")
    return mlp(9), np.column_stack([X, copy]), y, FIT


@case("labels sorted, then validation_split takes the tail", "K310")
def sorted_split():
    X, y = blobs()
    order = np.argsort(y, kind="stable")
    return mlp(), X[order], y[order], FIT


@case("validation labels drawn from another distribution", "K311")
def unstratified():
    X, y = blobs()
    y_val = y[450:].copy()
    y_val[: len(y_val) * 2 // 3] = 0
    fit = {"epochs": 10, "batch_size": 32, "validation_data": (X[450:], y_val)}
    return mlp(), X[:450], y[:450], fit


@case("4 % positives, no class weights", "K312")
def imbalance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 8)).astype("float32")
    y = (rng.random(1000) < 0.04).astype(int)
    return mlp(n_classes=2), X, y, FIT


@case("integer count features fed as int64", "K313")
def integer_inputs():
    X, y = blobs()
    counts = np.random.default_rng(0).integers(0, 5, size=X.shape)
    return mlp(), counts, y, FIT


@case("Adam with learning rate 0.5", "K101")
def learning_rate_high():
    import keras

    X, y = blobs()
    return mlp(optimizer=keras.optimizers.Adam(0.5)), X, y, FIT


@case("SGD with learning rate 1e-8", "K101")
def learning_rate_low():
    import keras

    X, y = blobs()
    return mlp(optimizer=keras.optimizers.SGD(1e-8)), X, y, FIT


@case("batch size 2", "K102")
def tiny_batch():
    X, y = blobs()
    return mlp(), X, y, {**FIT, "batch_size": 2}


@case("batch size larger than the data", "K103")
def huge_batch():
    X, y = blobs()
    return mlp(), X, y, {**FIT, "batch_size": 1000}


@case("batch size 50", "K104")
def odd_batch():
    X, y = blobs()
    return mlp(), X, y, {**FIT, "batch_size": 50}


@case("one epoch with a validation split", "K105")
def one_epoch():
    X, y = blobs()
    return mlp(), X, y, {**FIT, "epochs": 1}


@case("label-sorted data and shuffle=False", "K106")
def sorted_no_shuffle():
    X, y = blobs()
    order = np.argsort(y, kind="stable")
    return mlp(), X[order], y[order], {"epochs": 10, "batch_size": 32, "shuffle": False}


CASES = [value for value in list(globals().values()) if isinstance(value, Case)]
