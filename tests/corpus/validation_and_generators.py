"""Generators as input forms, and validation data in every form: buggy and well-made cases.

The validation data gets the training data's checks (``checks.validation_part``) and is
compared with the training data (K305, K311, K317, K318); these cases put the problem in the
validation data alone, in arrays, DataFrames, a ``validation_split`` tail, ``tf.data``,
``PyDataset`` and generators, and their well-made counterparts must stay silent.
"""

from __future__ import annotations

import numpy as np

from .case import blobs, case, digits, regression
from .real_pipelines import _mlp, _pipeline, _pydataset

FIT = {"epochs": 10}


def _generator(X, y, batch: int = 32, endless: bool = True):
    """Batches of a fresh permutation each pass, as a user's training generator yields them."""
    rng = np.random.default_rng(0)
    while True:
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch):
            rows = order[start:start + batch]
            yield X[rows], y[rows]
        if not endless:
            return


def _fit_generator(X, y, batch: int = 32):
    return {"epochs": 10, "steps_per_epoch": int(np.ceil(len(X) / batch))}


def _validation(X, y, **extra):
    return {"epochs": 10, "validation_data": (X, y), **extra}


def _split(n_train: int = 600):
    X, y = blobs(n_train + 200)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


# -- buggy: generators as the training data ---------------------------------------------------


@case("generator of raw 0-255 pixels", "K306")
def generator_raw_pixels():
    X, y = digits()
    raw = np.round(X * 255).astype("float32")
    return _mlp(64, 10), _generator(raw, y), None, _fit_generator(raw, y)


@case("generator yielding NaN in its batches", "K301")
def generator_nan():
    X, y = blobs()
    X[::9, 3] = np.nan
    return _mlp(8), _generator(X, y), None, _fit_generator(X, y)


@case("generator serving the digits sorted by class", "K314")
def generator_sorted():
    X, y = digits()
    order = np.argsort(y, kind="stable")

    def batches():
        while True:
            for start in range(0, len(X), 64):
                rows = order[start:start + 64]
                yield X[rows], y[rows]

    return _mlp(64, 10), batches(), None, _fit_generator(X, y, 64)


# -- buggy: the problem is in the validation data alone ---------------------------------------


@case("validation arrays with NaN, clean training data", "K301")
def validation_arrays_nan():
    X, y, X_val, y_val = _split()
    X_val[::7, 2] = np.nan
    return _mlp(8), X, y, _validation(X_val, y_val)


@case("validation_split tail with NaN rows", "K301")
def validation_split_tail_nan():
    X, y = blobs(800)
    X[-150::5, 5] = np.inf
    return _mlp(8), X, y, {"epochs": 10, "validation_split": 0.25}


@case("validation tf.data pipeline with NaN", "K301")
def validation_pipeline_nan():
    X, y, X_val, y_val = _split()
    X_val[::6, 0] = np.nan
    return _mlp(8), X, y, {"epochs": 10, "validation_data": _pipeline(X_val, y_val, shuffle=False)}


@case("validation PyDataset with one-hot labels for a sparse loss", "K410")
def validation_pydataset_onehot():
    X, y, X_val, y_val = _split()
    return _mlp(8), X, y, {"epochs": 10, "validation_data": _pydataset(X_val, np.eye(3)[y_val])}


@case("validation generator with fewer features than training", "K318")
def validation_generator_features():
    X, y, X_val, y_val = _split()
    validation = _generator(X_val[:, :6], y_val, endless=False)
    return _mlp(8), X, y, {"epochs": 10, "validation_data": validation, "validation_steps": 7}


@case("validation DataFrame with the training columns in another order", "K318")
def validation_dataframe_reordered():
    import pandas as pd

    X, y, X_val, y_val = _split()
    names = [f"f{i}" for i in range(8)]
    frame, frame_val = pd.DataFrame(X, columns=names), pd.DataFrame(X_val, columns=names)
    return _mlp(8), frame, y, _validation(frame_val[names[::-1]], y_val)


@case("validation inputs as int64 codes, training as floats", "K313")
def validation_integer_codes():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=(800, 8))
    y = (codes[:, 0] + codes[:, 1] > 3).astype(int)
    X = ((codes - 1.5) / 1.1).astype("float32")
    return _mlp(8, 2), X[:600], y[:600], _validation(codes[600:], y[600:])


@case("validation targets outside the sigmoid output's range", "K411")
def validation_targets_out_of_range():
    import keras

    X, target = regression(800)
    y = (target - target.min()) / (target.max() - target.min())
    y_val = y[600:] * 4 - 1.5
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="mse")
    return model, X[:600], y[:600], _validation(X[600:], y_val)


@case("validation holds a class the training data never has", "K311")
def validation_unseen_class():
    X, y = blobs(900)
    train = y != 2
    return _mlp(8), X[train][:500], y[train][:500], _validation(X[-200:], y[-200:])


@case("raw pixels in both training arrays and validation tf.data (one finding)", "K306")
def raw_pixels_both_parts():
    X, y = digits()
    raw = np.round(X * 255).astype("float32")
    return _mlp(64, 10), raw[:900], y[:900], {
        "epochs": 10, "validation_data": _pipeline(raw[900:], y[900:], shuffle=False)}


# -- well made --------------------------------------------------------------------------------


@case("generator of shuffled, standardised batches")
def generator_good():
    X, y = blobs()
    return _mlp(8), _generator(X, y), None, _fit_generator(X, y)


@case("generator of raw pixels through a Rescaling layer")
def generator_rescaling():
    import keras

    X, y = digits()
    raw = np.round(X * 255).astype("float32")
    model = _mlp(64, 10, pre=(keras.layers.Rescaling(1 / 255),))
    return model, _generator(raw, y), None, _fit_generator(raw, y)


@case("validation tf.data through the training pipeline, Rescaling in the model")
def validation_pipeline_rescaling():
    import keras

    X, y = digits()
    raw = np.round(X * 255).astype("float32")
    model = _mlp(64, 10, pre=(keras.layers.Rescaling(1 / 255),))
    return model, _pipeline(raw[:900], y[:900]), None, {
        "epochs": 10, "validation_data": _pipeline(raw[900:], y[900:], shuffle=False)}


@case("validation PyDataset of standardised batches")
def validation_pydataset_good():
    X, y, X_val, y_val = _split()
    return _mlp(8), X, y, {"epochs": 10, "validation_data": _pydataset(X_val, y_val)}


@case("validation generator with integer labels, training generator")
def validation_generator_good():
    X, y, X_val, y_val = _split()
    return _mlp(8), _generator(X, y), None, {
        **_fit_generator(X, y), "validation_data": _generator(X_val, y_val, endless=False),
        "validation_steps": 7}


@case("validation DataFrame with the training columns")
def validation_dataframe_good():
    import pandas as pd

    X, y, X_val, y_val = _split()
    names = [f"f{i}" for i in range(8)]
    return (_mlp(8), pd.DataFrame(X, columns=names), y,
            _validation(pd.DataFrame(X_val, columns=names), y_val))


@case("validation_split on clean, shuffled data")
def validation_split_good():
    X, y = blobs(800)
    return _mlp(8), X, y, {"epochs": 10, "validation_split": 0.25}


@case("imbalanced classes weighted in training, validation as imbalanced")
def validation_imbalanced_weighted():
    X, _ = blobs(1000)
    y = (X[:, 0] > 1.6).astype(int)  # about 5 % positives, in both parts
    return _mlp(8, 2), X[:800], y[:800], _validation(
        X[800:], y[800:], class_weight={0: 1.0, 1: float((y[:800] == 0).sum() / (y[:800] == 1).sum())})


CASES = [value for value in list(globals().values()) if type(value).__name__ == "Case"]
