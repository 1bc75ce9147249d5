"""Well-made programs of the kinds in Keras's and scikit-learn's example galleries.

Each is a complete, sensible program — image classification on ``tf.data`` with ``Rescaling``,
text classification with ``TextVectorization`` + ``Embedding``, tabular regression with an
adapted ``Normalization``, ``HistGradientBoosting`` and a ``ColumnTransformer`` pipeline on a
mixed DataFrame, tabular classification, a Conv1D and an LSTM on time-series windows, transfer
learning from ``keras.applications`` (``weights=None``), a CNN with augmentation and
``Dropout(0.5)`` — trained through kepler's pre-fit, in-fit and results checks. None may raise a
warning or an error.

``SCALE`` sizes them: 1 in CI (tiny data, 2–4 epochs; the MobileNetV2 program judged before
the fit only, its training costs minutes on a CPU), larger from ``benchmarks/`` through
``KEPLER_GALLERY_SCALE`` (data and epochs grow with it, every program trained).
"""

from __future__ import annotations

import os

import numpy as np

from .case import ALL_STAGES, PREFIT, Case, case, digits

SCALE = max(1, int(os.environ.get("KEPLER_GALLERY_SCALE", "1")))
SKLEARN = ("data", "model", "settings", "results")


def _epochs(n: int) -> int:
    return n * SCALE


def _images(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Digits as 16×16 RGB images of raw 0–255 pixels (what an image folder yields)."""
    X, y = digits(min(1797, n))
    images = np.repeat(np.repeat(X.reshape(-1, 8, 8), 2, axis=1), 2, axis=2)
    rgb = np.stack([images] * 3, axis=-1)
    return np.round(rgb * 255).astype("float32"), y


def _dataset(X, y, batch: int = 32, validation: float = 0.2):
    """Training and validation ``tf.data`` pipelines, shuffled, batched and prefetched."""
    import tensorflow as tf

    cut = int(len(X) * (1 - validation))
    train = (tf.data.Dataset.from_tensor_slices((X[:cut], y[:cut])).shuffle(cut, seed=0)
             .batch(batch).prefetch(tf.data.AUTOTUNE))
    held = tf.data.Dataset.from_tensor_slices((X[cut:], y[cut:])).batch(batch)
    return train, held


# -- Keras: images ---------------------------------------------------------------------------


@case("gallery: image classification on tf.data with Rescaling", stages=ALL_STAGES, train=True)
def image_classification():
    import keras

    layers = keras.layers
    X, y = _images(600 * SCALE)
    train, held = _dataset(X, y)
    model = keras.Sequential([
        keras.Input((16, 16, 3)), layers.Rescaling(1.0 / 255),
        layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, train, None, {"epochs": _epochs(4), "validation_data": held, "verbose": 0}


@case("gallery: CNN with augmentation and Dropout(0.5)", stages=ALL_STAGES, train=True)
def cnn_augmentation_dropout():
    import keras

    layers = keras.layers
    X, y = _images(600 * SCALE)
    model = keras.Sequential([
        keras.Input((16, 16, 3)), layers.RandomTranslation(0.1, 0.1, seed=0),
        layers.RandomRotation(0.05, seed=0), layers.Rescaling(1.0 / 255),
        layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, X, y, {"epochs": _epochs(4), "batch_size": 32, "validation_split": 0.2}


@case("gallery: MobileNetV2 (weights=None) under a new head, trained end to end",
      stages=ALL_STAGES if SCALE > 1 else PREFIT, train=SCALE > 1)
def transfer_learning():
    import keras

    layers = keras.layers
    X, y = _images(160 * SCALE)
    base = keras.applications.MobileNetV2(weights=None, include_top=False, pooling="avg",
                                          input_shape=(32, 32, 3), alpha=0.35)
    # without pretrained weights the base must train: a frozen random MobileNetV2 passes on
    # features of ~1e-11 and kepler rightly reports the head's weights not updating (K509)
    inputs = keras.Input((16, 16, 3))
    scaled = layers.Rescaling(1.0 / 127.5, offset=-1)(layers.Resizing(32, 32)(inputs))
    features = base(scaled)
    outputs = layers.Dense(10, activation="softmax")(layers.Dropout(0.2)(features))
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, X, y, {"epochs": _epochs(2), "batch_size": 32, "validation_split": 0.2}


# -- Keras: text -----------------------------------------------------------------------------

_GOOD = ("great", "wonderful", "superb", "enjoyable", "moving", "brilliant")
_BAD = ("boring", "awful", "dull", "clumsy", "tedious", "weak")
_FILLER = ("the", "film", "story", "was", "acting", "plot", "and", "a", "really", "quite")


def _reviews(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Short synthetic movie reviews whose sentiment words decide the label."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    texts = []
    for label in labels:
        words = list(rng.choice(_FILLER, 8)) + list(rng.choice(_GOOD if label else _BAD, 2))
        rng.shuffle(words)
        texts.append(" ".join(words))
    return np.array(texts), labels


@case("gallery: text classification with TextVectorization + Embedding", stages=ALL_STAGES,
      train=True)
def text_classification():
    import keras

    layers = keras.layers
    texts, labels = _reviews(800 * SCALE)
    vectorize = layers.TextVectorization(max_tokens=64, output_sequence_length=12)
    vectorize.adapt(texts)
    tokens = np.asarray(vectorize(texts))
    model = keras.Sequential([
        keras.Input((12,), dtype="int64"), layers.Embedding(64, 16),
        layers.GlobalAveragePooling1D(), layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model, tokens, labels, {"epochs": _epochs(4), "batch_size": 32,
                                   "validation_split": 0.2}


# -- Keras: tabular --------------------------------------------------------------------------


def _housing(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """House-price-like tabular data: raw features on mixed scales, a price in units of $100k."""
    rng = np.random.default_rng(seed)
    area = rng.normal(120, 40, n).clip(30)
    rooms = rng.integers(1, 7, n)
    age = rng.uniform(0, 80, n)
    distance = rng.exponential(8, n)
    price = 0.02 * area + 0.3 * rooms - 0.01 * age - 0.05 * distance + rng.normal(0, 0.3, n)
    X = np.column_stack([area, rooms, age, distance]).astype("float32")
    return X, price.astype("float32")


@case("gallery: tabular regression with an adapted Normalization layer", stages=ALL_STAGES,
      train=True)
def tabular_regression():
    import keras

    layers = keras.layers
    X, price = _housing(600 * SCALE)
    normalize = layers.Normalization()
    normalize.adapt(X)
    model = keras.Sequential([keras.Input((4,)), normalize, layers.Dense(32, activation="relu"),
                              layers.Dense(16, activation="relu"), layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    return model, X, price, {"epochs": _epochs(4), "batch_size": 32, "validation_split": 0.2}


@case("gallery: tabular binary classification with Normalization and Dropout",
      stages=ALL_STAGES, train=True)
def tabular_classification():
    import keras

    layers = keras.layers
    X, price = _housing(800 * SCALE, seed=1)
    expensive = (price > np.median(price)).astype("int64")
    normalize = layers.Normalization()
    normalize.adapt(X)
    model = keras.Sequential([keras.Input((4,)), normalize, layers.Dense(32, activation="relu"),
                              layers.Dropout(0.3), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model, X, expensive, {"epochs": _epochs(4), "batch_size": 32,
                                 "validation_split": 0.2}


# -- Keras: time series ----------------------------------------------------------------------


def _windows(n: int, steps: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Windows of a noisy, seasonal, standardised series and the value that follows each."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + steps)
    series = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 7) + 0.2 * rng.normal(size=t.size)
    series = (series - series.mean()) / series.std()
    X = np.stack([series[i:i + steps] for i in range(n)])[..., None].astype("float32")
    y = series[steps:steps + n].astype("float32")
    return X, y


@case("gallery: Conv1D forecaster on time-series windows", stages=ALL_STAGES, train=True)
def conv1d_forecast():
    import keras

    layers = keras.layers
    X, y = _windows(500 * SCALE)
    model = keras.Sequential([keras.Input((24, 1)), layers.Conv1D(16, 5, activation="relu"),
                              layers.GlobalAveragePooling1D(), layers.Dense(16, activation="relu"),
                              layers.Dense(1)])
    model.compile("adam", "mse", metrics=["mae"])
    # time order kept: the validation windows come after the training windows
    return model, X, y, {"epochs": _epochs(4), "batch_size": 32, "validation_split": 0.2}


@case("gallery: LSTM forecaster on time-series windows", stages=ALL_STAGES, train=True)
def lstm_forecast():
    import keras

    layers = keras.layers
    X, y = _windows(400 * SCALE, seed=1)
    model = keras.Sequential([keras.Input((24, 1)), layers.LSTM(16), layers.Dense(1)])
    model.compile("adam", "mse", metrics=["mae"])
    return model, X, y, {"epochs": _epochs(3), "batch_size": 32, "validation_split": 0.2}


# -- scikit-learn ----------------------------------------------------------------------------


def _customers(n: int, seed: int = 0):
    """A mixed DataFrame (numbers on their own scales, categories, a few missing values) and a
    spend target."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "income": rng.normal(50_000, 15_000, n), "age": rng.integers(18, 80, n).astype(float),
        "visits": rng.poisson(4, n).astype(float),
        "region": rng.choice(["north", "south", "east", "west"], n),
        "plan": rng.choice(["basic", "plus", "pro"], n),
    })
    frame.loc[rng.choice(n, n // 50, replace=False), "age"] = np.nan
    spend = (frame["income"] / 1000 + 3 * frame["visits"] + (frame["plan"] == "pro") * 20
             + rng.normal(0, 5, n))
    return frame, spend.to_numpy()


@case("gallery: ColumnTransformer pipeline on a mixed DataFrame (ridge)", stages=SKLEARN,
      train=True)
def column_transformer_ridge():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame, spend = _customers(600 * SCALE)
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    prepare = ColumnTransformer([("num", numbers, ["income", "age", "visits"]),
                                 ("cat", OneHotEncoder(handle_unknown="ignore"), ["region", "plan"])])
    return make_pipeline(prepare, RidgeCV()), frame, spend, {}


@case("gallery: HistGradientBoosting on a mixed DataFrame with categorical features",
      stages=SKLEARN, train=True)
def hist_gradient_boosting():
    from sklearn.ensemble import HistGradientBoostingRegressor

    frame, spend = _customers(600 * SCALE, seed=1)
    frame = frame.astype({"region": "category", "plan": "category"})
    model = HistGradientBoostingRegressor(categorical_features="from_dtype", max_iter=50 * SCALE,
                                          random_state=0)
    return model, frame, spend, {}


@case("gallery: tabular classification pipeline with HistGradientBoostingClassifier",
      stages=SKLEARN, train=True)
def hist_gradient_boosting_classifier():
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    frame, spend = _customers(600 * SCALE, seed=2)
    churn = (spend < np.median(spend)).astype(int)
    prepare = ColumnTransformer([("cat", OrdinalEncoder(), ["region", "plan"])],
                                remainder="passthrough")
    model = make_pipeline(prepare, HistGradientBoostingClassifier(
        categorical_features=[0, 1], max_iter=50 * SCALE, random_state=0))
    return model, frame, churn, {}


CASES = [value for value in list(globals().values()) if isinstance(value, Case)]
