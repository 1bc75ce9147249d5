"""Well-made set-ups: they must raise no warning and no error in any stage (info is allowed).

Keras fits done right (MLP, CNN, LSTM, GRU, regression, binary, multi-label, logits, embedding,
functional), scikit-learn pipelines, and real architectures from ``keras.applications`` built
with ``weights=None`` (model checks only; each is built once per session and shared).
"""

from __future__ import annotations

import functools

import numpy as np

from .case import ALL_STAGES, Case, blobs, case, digits, regression, sequences

KERAS_FIT = {"epochs": 8, "batch_size": 32, "validation_split": 0.2}
SKLEARN = ("data", "model", "settings", "results")


def compiled(*stack, loss="sparse_categorical_crossentropy", metrics=("accuracy",), optimizer="adam"):
    import keras

    model = keras.Sequential(list(stack))
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


def L():
    import keras

    return keras.layers


# -- Keras fits, judged in every stage ----------------------------------------------------------


@case("MLP on digits", stages=ALL_STAGES, train=True)
def mlp_digits():
    return (compiled(L().Dense(64, activation="relu"), L().Dense(10, activation="softmax")),
            *digits(), KERAS_FIT)


@case("MLP with BatchNormalization and Dropout", stages=ALL_STAGES, train=True)
def mlp_bn_dropout():
    layers = L()
    model = compiled(layers.Dense(32), layers.BatchNormalization(), layers.Activation("relu"),
                     layers.Dropout(0.2), layers.Dense(3, activation="softmax"))
    return (model, *blobs(2000), KERAS_FIT)


@case("small CNN on 8x8 digits", stages=ALL_STAGES, train=True)
def cnn_digits():
    import keras

    layers = L()
    X, y = digits()
    model = compiled(keras.Input((8, 8, 1)), layers.Conv2D(16, 3, activation="relu", padding="same"),
                     layers.MaxPooling2D(), layers.Conv2D(32, 3, activation="relu", padding="same"),
                     layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax"))
    return model, X.reshape(-1, 8, 8, 1), y, {**KERAS_FIT, "epochs": 12}


@case("CNN with Conv → BatchNorm → ReLU blocks", stages=ALL_STAGES, train=True)
def cnn_bn_blocks():
    import keras

    layers = L()
    X, y = digits()
    model = compiled(keras.Input((8, 8, 1)), layers.Conv2D(16, 3, padding="same", use_bias=False),
                     layers.BatchNormalization(), layers.ReLU(), layers.Flatten(),
                     layers.Dense(10, activation="softmax"))
    return model, X.reshape(-1, 8, 8, 1), y, KERAS_FIT


@case("LSTM sequence classifier", stages=ALL_STAGES, train=True)
def lstm():
    model = compiled(L().LSTM(16), L().Dense(3, activation="softmax"))
    return (model, *sequences(), {**KERAS_FIT, "epochs": 10})


@case("bidirectional GRU sequence classifier", stages=ALL_STAGES, train=True)
def bidirectional_gru():
    layers = L()
    model = compiled(layers.Bidirectional(layers.GRU(8)), layers.Dense(3, activation="softmax"))
    return (model, *sequences(), {**KERAS_FIT, "epochs": 10})


@case("MLP regression with a linear output", stages=ALL_STAGES, train=True)
def mlp_regression():
    layers = L()
    model = compiled(layers.Dense(32, activation="relu"), layers.Dense(16, activation="relu"),
                     layers.Dense(1), loss="mse", metrics=("mae",))
    return (model, *regression(), KERAS_FIT)


@case("bounded regression: sigmoid output for targets in [0, 1]", stages=ALL_STAGES, train=True)
def bounded_regression():
    X, target = regression()
    share = (target - target.min()) / (target.max() - target.min())
    model = compiled(L().Dense(32, activation="relu"), L().Dense(1, activation="sigmoid"), loss="mse",
                     metrics=("mae",))
    return model, X, share, KERAS_FIT


@case("binary classifier: sigmoid unit and binary cross-entropy", stages=ALL_STAGES, train=True)
def binary():
    X, y = blobs(classes=2)
    model = compiled(L().Dense(16, activation="relu"), L().Dense(1, activation="sigmoid"),
                     loss="binary_crossentropy")
    return model, X, y, KERAS_FIT


@case("one-hot labels with categorical cross-entropy", stages=ALL_STAGES, train=True)
def one_hot():
    X, y = blobs()
    model = compiled(L().Dense(16, activation="relu"), L().Dense(3, activation="softmax"),
                     loss="categorical_crossentropy")
    return model, X, np.eye(3, dtype="float32")[y], KERAS_FIT


@case("logits output with from_logits=True", stages=ALL_STAGES, train=True)
def logits():
    import keras

    model = compiled(L().Dense(32, activation="relu"), L().Dense(10),
                     loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return (model, *digits(), KERAS_FIT)


@case("multi-label tags: sigmoid units and binary cross-entropy", stages=ALL_STAGES, train=True)
def multi_label():
    X, _ = blobs()
    tags = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.5, X[:, 0] + X[:, 2] > 0]).astype("float32")
    model = compiled(L().Dense(32, activation="relu"), L().Dense(3, activation="sigmoid"),
                     loss="binary_crossentropy", metrics=())
    return model, X, tags, KERAS_FIT


@case("token ids through an Embedding", stages=ALL_STAGES, train=True)
def embedding():
    import keras

    layers = L()
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 50, size=(600, 12))
    y = (tokens < 10).sum(axis=1) > (tokens >= 40).sum(axis=1)
    model = compiled(keras.Input((12,), dtype="int32"), layers.Embedding(50, 8),
                     layers.GlobalAveragePooling1D(), layers.Dense(16, activation="relu"),
                     layers.Dense(2, activation="softmax"))
    return model, tokens, y.astype(int), {**KERAS_FIT, "epochs": 15}


@case("functional MLP with a residual connection", stages=ALL_STAGES, train=True)
def functional_residual():
    import keras

    layers = L()
    inputs = keras.Input((8,))
    hidden = layers.Dense(32, activation="relu")(inputs)
    block = layers.Dense(32, activation="relu")(hidden)
    merged = layers.Add()([hidden, block])
    model = keras.Model(inputs, layers.Dense(3, activation="softmax")(merged))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return (model, *blobs(), KERAS_FIT)


@case("MLP with EarlyStopping on the validation loss", stages=ALL_STAGES, train=True)
def early_stopping():
    import keras

    stop = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    model = compiled(L().Dense(64, activation="relu"), L().Dense(10, activation="softmax"))
    return (model, *digits(), {**KERAS_FIT, "epochs": 20, "callbacks": [stop]})


# -- real architectures, model checks only -------------------------------------------------------


@functools.cache
def application(name: str):
    """``keras.applications.<name>(weights=None, classes=10)``, built once per session."""
    import keras

    model = getattr(keras.applications, name)(weights=None, classes=10)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _application_case(name: str) -> Case:
    def build():
        rng = np.random.default_rng(0)
        images = rng.random((4, 224, 224, 3), dtype=np.float32)
        return application(name), images, np.arange(4), {"epochs": 10, "batch_size": 4}

    return case(f"keras.applications.{name}(weights=None)", stages=("model",))(build)


resnet50 = _application_case("ResNet50")
mobilenet_v2 = _application_case("MobileNetV2")
vgg16 = _application_case("VGG16")
densenet121 = _application_case("DenseNet121")


@case("transfer learning: frozen MobileNetV2 base and a new softmax head", stages=("model",))
def transfer_learning():
    import keras

    base = keras.applications.MobileNetV2(weights=None, include_top=False, pooling="avg",
                                          input_shape=(96, 96, 3))
    base.trainable = False
    model = compiled(base, L().Dropout(0.2), L().Dense(5, activation="softmax"))
    images = np.random.default_rng(0).random((8, 96, 96, 3), dtype=np.float32)
    return model, images, np.arange(8) % 5, {"epochs": 10, "batch_size": 8}


# -- scikit-learn ----------------------------------------------------------------------------


@functools.cache
def _dataset(name: str):
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")(return_X_y=True)


def dataset(name: str):
    X, y = _dataset(name)
    return X.copy(), y.copy()


@case("StandardScaler + SVC on wine", stages=SKLEARN, train=True)
def scaled_svc():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return (make_pipeline(StandardScaler(), SVC()), *dataset("wine"), {})


@case("random forest on wine (scale-free)", stages=SKLEARN, train=True)
def forest():
    from sklearn.ensemble import RandomForestClassifier

    return (RandomForestClassifier(n_estimators=50, random_state=0), *dataset("wine"), {})


@case("StandardScaler + logistic regression on breast cancer", stages=SKLEARN, train=True)
def scaled_logistic():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return (make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
            *dataset("breast_cancer"), {})


@case("grid search over a scaled k-NN pipeline on iris", stages=SKLEARN, train=True)
def knn_search():
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    search = GridSearchCV(make_pipeline(StandardScaler(), KNeighborsClassifier()),
                          {"kneighborsclassifier__n_neighbors": [5, 9]}, cv=5)
    return (search, *dataset("iris"), {})


@case("ColumnTransformer: scaled numbers and one-hot categories", stages=SKLEARN, train=True)
def column_transformer():
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"income": rng.normal(50_000, 20_000, 400), "age": rng.normal(40, 12, 400),
                          "city": rng.choice(["paris", "lyon", "nice"], 400)})
    y = ((frame["income"] > 50_000) ^ (frame["city"] == "nice")).astype(int).to_numpy()
    prepare = ColumnTransformer([("num", StandardScaler(), ["income", "age"]),
                                 ("cat", OneHotEncoder(), ["city"])])
    return make_pipeline(prepare, LogisticRegression()), frame, y, {}


@case("StandardScaler + ridge regression on diabetes", stages=SKLEARN, train=True)
def ridge():
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return (make_pipeline(StandardScaler(), Ridge()), *dataset("diabetes"), {})


@case("gradient boosting regressor on diabetes", stages=SKLEARN, train=True)
def boosting():
    from sklearn.ensemble import GradientBoostingRegressor

    return (GradientBoostingRegressor(n_estimators=50, max_depth=2, random_state=0),
            *dataset("diabetes"), {})


@case("scaled MLPClassifier on digits", stages=SKLEARN, train=True)
def sklearn_mlp():
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = dataset("digits")
    model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(32,), max_iter=500,
                                                          random_state=0))
    return model, X[:800], y[:800], {}


CASES = [value for value in list(globals().values()) if isinstance(value, Case)]
