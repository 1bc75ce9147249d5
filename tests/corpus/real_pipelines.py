"""Real-pipeline cases: the input forms real notebooks feed ``fit`` (tf.data, PyDataset,
DataFrames, sparse matrices), buggy and well-made, judged before the fit.

Generators, and validation data in each form, are in ``validation_and_generators.py``.
"""

from __future__ import annotations

import numpy as np

from .case import Case, blobs, case, digits


def _mlp(n_features: int, n_classes: int = 3, pre: tuple = ()):
    import keras

    model = keras.Sequential([keras.Input((n_features,)), *pre,
                              keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _pipeline(X, y, shuffle: bool = True, batch: int = 32):
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((X, y))
    if shuffle:
        dataset = dataset.shuffle(len(X), seed=0)
    return dataset.batch(batch)


def _pydataset(X, y, batch: int = 32):
    import keras

    class Batches(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()

        def __len__(self) -> int:
            return int(np.ceil(len(X) / batch))

        def __getitem__(self, index: int):
            rows = slice(index * batch, (index + 1) * batch)
            return X[rows], y[rows]

    return Batches()


FIT = {"epochs": 10}


# -- buggy ------------------------------------------------------------------------------------


@case("tf.data pipeline of raw 0-255 pixels", "K306")
def pipeline_raw_pixels():
    X, y = digits()
    return _mlp(64, 10), _pipeline(np.round(X * 255).astype("float32"), y), None, FIT


@case("tf.data pipeline of class-sorted samples, no shuffle", "K314")
def pipeline_sorted():
    X, y = blobs()
    order = np.argsort(y, kind="stable")
    return _mlp(8), _pipeline(X[order], y[order], shuffle=False), None, FIT


@case("tf.data pipeline built on a Python generator", "K315")
def pipeline_from_generator():
    import tensorflow as tf

    X, y = blobs()

    def batches():
        for start in range(0, len(X), 32):
            yield X[start:start + 32], y[start:start + 32]

    dataset = tf.data.Dataset.from_generator(batches, output_signature=(
        tf.TensorSpec((None, 8), tf.float32), tf.TensorSpec((None,), tf.int64)))
    return _mlp(8), dataset, None, FIT


@case("PyDataset whose batches hold NaN", "K301")
def pydataset_nan():
    X, y = blobs()
    X[::25, 4] = np.nan
    return _mlp(8), _pydataset(X, y), None, FIT


@case("PyDataset serving one class per batch", "K314")
def pydataset_sorted():
    X, y = blobs()
    order = np.argsort(y, kind="stable")
    return _mlp(8), _pydataset(X[order], y[order]), None, FIT


@case("DataFrame with the label column left in", "K316", stages=("data",))
def dataframe_label_left_in():
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier

    frame = load_breast_cancer(as_frame=True).frame
    return RandomForestClassifier(n_estimators=10, random_state=0), frame, frame["target"], {}


@case("DataFrame with default integer column labels and a constant column", "K308",
      stages=("data",))
def dataframe_constant_int_labels():
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    X, y = blobs()
    frame = pd.DataFrame(X)
    frame[8] = 1.0
    return LogisticRegression(), frame, y, {}


@case("validation data normalised separately from the training data", "K317")
def validation_scaled_separately():
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = rng.normal(40, 8, size=(800, 8))
    y = (X[:, 0] > 40).astype(int) + (X[:, 1] > 40)
    X_train = StandardScaler().fit_transform(X[:600]).astype("float32")
    X_val = (StandardScaler().fit_transform(X[600:]) * 2.5 + 1.5).astype("float32")
    return _mlp(8), X_train, y[:600], {"epochs": 10, "validation_data": (X_val, y[600:])}


@case("sparse matrix with NaN among its stored values", "K301", stages=("data",))
def sparse_nan():
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    dense = rng.random((400, 50)) * (rng.random((400, 50)) < 0.1)
    dense[10, 7] = np.nan
    return LogisticRegression(), sparse.csr_matrix(dense), rng.integers(0, 2, 400), {}


# -- well made --------------------------------------------------------------------------------


@case("tf.data: raw pixels through a Rescaling layer, shuffled")
def pipeline_rescaling():
    import keras

    X, y = digits()
    model = _mlp(64, 10, pre=(keras.layers.Rescaling(1 / 255),))
    return model, _pipeline(np.round(X * 255).astype("float32"), y), None, FIT


@case("tf.data: raw features through an adapted Normalization layer")
def pipeline_normalization():
    import keras

    X, y = blobs()
    raw = (X * 300 + 2_000).astype("float32")
    normalization = keras.layers.Normalization()
    normalization.adapt(raw)
    return _mlp(8, pre=(normalization,)), _pipeline(raw, y), None, FIT


@case("PyDataset of shuffled, standardised batches")
def pydataset_good():
    X, y = blobs()
    return _mlp(8), _pydataset(X, y), None, FIT


@case("DataFrame of mixed dtypes and int labels, trees on unscaled features", stages=("data",))
def dataframe_trees():
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X, y = blobs()
    frame = pd.DataFrame(X * rng.choice([1, 100, 10_000], size=8))  # integer column labels
    frame["size"] = pd.Categorical(rng.choice(["s", "m", "l"], size=len(frame)))
    frame["flag"] = rng.random(len(frame)) < 0.5
    return HistGradientBoostingClassifier(categorical_features="from_dtype"), frame, y, {}


@case("imbalanced classes with class_weight='balanced' on a DataFrame", stages=("data",))
def dataframe_imbalanced_weighted():
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    X, _ = blobs()
    y = (X[:, 0] > 1.6).astype(int)  # about 5 % positives
    return LogisticRegression(class_weight="balanced"), pd.DataFrame(X), y, {}


@case("validation data through the training scaler")
def validation_same_scaler():
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = rng.normal(40, 8, size=(800, 8))
    y = (X[:, 0] > 40).astype(int) + (X[:, 1] > 40)
    scaler = StandardScaler().fit(X[:600])
    return (_mlp(8), scaler.transform(X[:600]).astype("float32"), y[:600],
            {"epochs": 10, "validation_data": (scaler.transform(X[600:]).astype("float32"), y[600:])})


@case("sparse TF-IDF-like features with logistic regression", stages=("data",))
def sparse_good():
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    counts = sparse.random(400, 300, density=0.05, random_state=0, format="csr") * 10
    counts.data = np.ceil(counts.data)
    tfidf = TfidfTransformer().fit_transform(counts)
    return LogisticRegression(), tfidf, rng.integers(0, 2, 400), {}


CASES = [value for value in list(globals().values()) if isinstance(value, Case)]
