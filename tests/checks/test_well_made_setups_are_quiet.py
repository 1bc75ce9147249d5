"""No false alarms: well-made fits get no warning or error from the data, settings, sklearn and
results checks, before or after a real (tiny) fit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from kepler_jupyter import checks
from kepler_jupyter.run.context import FitContext, FitData, RunOptions

from .check_helpers import alarms, make_mlp

MY_CODES = ["K1", "K3", "K6"]  # the model / training checks have their own corpus tests


def fit_and_check(framework, model, X, y, validation=None, **fit_kwargs):
    """Pre-fit checks, the real fit (warnings captured), then the results checks."""
    data = FitData(X, y, validation=validation, validation_split=fit_kwargs.get("validation_split", 0.0))
    ctx = FitContext(framework, model, (X, y), fit_kwargs, RunOptions(), data=data)
    found = list(checks.run_prefit(ctx))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if framework == "keras":
            extra = {"validation_data": validation} if validation is not None else {}
            history = model.fit(X, y, verbose=0, **fit_kwargs, **extra).history
            ctx.record = {"history": history, "metrics": {k: v[-1] for k, v in history.items()}}
        else:
            model.fit(X, y)
            score_name = "accuracy" if hasattr(model, "predict_proba") else "r2"
            metrics = {"train_score": float(model.score(X, y)), "score_name": score_name}
            if hasattr(model, "best_score_"):
                metrics["cv_score"] = float(model.best_score_)
            ctx.record = {"history": {}, "metrics": metrics}
    ctx.fit_warnings = caught
    found += checks.run_results(ctx)
    return [f for f in found if any(f.code.startswith(p) for p in MY_CODES)]


@pytest.fixture(autouse=True)
def _seed():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(1)


def test_mlp_with_a_stratified_validation_set(blobs):
    X, y = blobs
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    found = fit_and_check("keras", make_mlp(), X_train, y_train, validation=(X_val, y_val),
                          epochs=5, batch_size=32)
    assert alarms(found) == []


def test_cnn_on_mnist_like_images_scaled_to_unit_range(rng):
    import keras

    n = 240
    y = rng.integers(0, 3, n)
    images = np.zeros((n, 16, 16, 1), dtype="float32")
    for label in range(3):  # a bright bar whose position depends on the class
        images[y == label, 3 + 4 * label : 6 + 4 * label, 2:14, 0] = 1.0
    images += rng.random(images.shape).astype("float32") * 0.2
    images = np.clip(images, 0, 1)
    model = keras.Sequential([
        keras.Input((16, 16, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    assert alarms(fit_and_check("keras", model, images, y, epochs=4, batch_size=32, validation_split=0.2)) == []


def test_lstm_on_standardised_sequences(rng):
    import keras

    X = rng.normal(size=(256, 10, 3)).astype("float32")
    y = (X[:, :, 0].mean(axis=1) > 0).astype("float32")
    model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    assert alarms(fit_and_check("keras", model, X, y, epochs=4, batch_size=32, validation_split=0.2)) == []


def test_regression_with_one_hot_and_standardised_features(rng):
    numeric = rng.normal(size=(600, 5))
    category = rng.integers(0, 4, 600)
    X = np.column_stack([numeric, np.eye(4)[category]]).astype("float32")
    y = (numeric @ np.array([1.0, -2.0, 0.5, 0.0, 1.5]) + category * 0.5 + rng.normal(0, 0.3, 600)).astype("float32")
    y = (y - y.mean()) / y.std()
    model = make_mlp(9, n_classes=0, loss="mse")
    found = fit_and_check("keras", model, X, y, epochs=15, batch_size=32, validation_split=0.2)
    assert alarms(found) == []


def test_one_hot_labels_with_categorical_crossentropy(blobs):
    X, y = blobs
    one_hot = np.eye(3, dtype="float32")[y]
    model = make_mlp(loss="categorical_crossentropy")
    assert alarms(fit_and_check("keras", model, X, one_hot, epochs=5, batch_size=64, validation_split=0.25)) == []


@pytest.mark.parametrize("make_model", [
    lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    lambda: GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression()), {"logisticregression__C": [0.1, 1.0]}),
    lambda: make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), max_iter=2000, random_state=0)),
    lambda: RandomForestClassifier(n_estimators=20, random_state=0),
])
def test_sklearn_pipelines_on_wine(make_model):
    X, y = datasets.load_wine(return_X_y=True)
    assert alarms(fit_and_check("sklearn", make_model(), X, y)) == []


def test_sklearn_frame_with_categoricals_and_a_regressor(rng):
    n = 500
    frame = pd.DataFrame({
        "area": rng.normal(120, 40, n), "rooms": rng.integers(1, 7, n).astype(float),
        "city": pd.Categorical(rng.choice(["paris", "lyon", "nice", "lille"], n)),
    })
    price = frame["area"] * 3000 + frame["rooms"] * 10_000 + rng.normal(0, 20_000, n)
    pipeline = make_pipeline(
        ColumnTransformer([("num", StandardScaler(), ["area", "rooms"]),
                           ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])]),
        Ridge())
    assert alarms(fit_and_check("sklearn", pipeline, frame, price.to_numpy())) == []
