"""Pre-fit families judged with their context, each buggy set-up beside its well-made
counterpart: a saturating hidden stack judged with the head it feeds (K401), the learning rate
judged against the regression targets' scale (K107)."""

from __future__ import annotations

import numpy as np

from .case import Case, blobs, case, regression

MODEL = ("model",)
SETTINGS = ("settings",)
FIT = {"epochs": 10, "batch_size": 32, "validation_split": 0.2}


def _sequential(*stack, loss="sparse_categorical_crossentropy", optimizer="adam"):
    import keras

    model = keras.Sequential(list(stack))
    model.compile(optimizer=optimizer, loss=loss)
    return model


def _dense(units: int, activation: str | None = None):
    import keras

    return keras.layers.Dense(units, activation=activation)


def _prices(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Standardised features and a house price in dollars (std in the tens of thousands)."""
    X, target = regression(n)
    return X, (250_000 + 60_000 * target).astype("float32")


# -- K401: saturating hidden layers in front of a saturating head --------------------------------


@case("two tanh hidden layers feeding a softmax head", "K401", MODEL)
def tanh_pair_softmax():
    model = _sequential(_dense(32, "tanh"), _dense(32, "tanh"), _dense(3, "softmax"))
    return (model, *blobs(), FIT)


@case("two sigmoid hidden layers feeding a sigmoid head", "K401", MODEL)
def sigmoid_pair_sigmoid():
    X, y = blobs(classes=2)
    model = _sequential(_dense(16, "sigmoid"), _dense(16, "sigmoid"), _dense(1, "sigmoid"),
                        loss="binary_crossentropy")
    return model, X, y, FIT


@case("two tanh hidden layers feeding a linear regression output", stages=MODEL)
def tanh_pair_linear():
    model = _sequential(_dense(32, "tanh"), _dense(32, "tanh"), _dense(1), loss="mse")
    return (model, *regression(), FIT)


@case("one tanh hidden layer feeding a softmax head", stages=MODEL)
def tanh_single_softmax():
    model = _sequential(_dense(32, "tanh"), _dense(3, "softmax"))
    return (model, *blobs(), FIT)


# -- K107: learning rate vs the regression targets' scale ----------------------------------------


@case("Keras MSE regression on prices in dollars", "K107", SETTINGS)
def keras_unscaled_prices():
    model = _sequential(_dense(32, "relu"), _dense(1), loss="mse")
    return (model, *_prices(), FIT)


@case("MLPRegressor on prices in dollars", "K107", SETTINGS)
def sklearn_unscaled_prices():
    from sklearn.neural_network import MLPRegressor

    return MLPRegressor(hidden_layer_sizes=(32,), max_iter=200, random_state=0), *_prices(), {}


@case("Keras MSE regression on standardised prices", stages=SETTINGS)
def keras_scaled_prices():
    X, price = _prices()
    model = _sequential(_dense(32, "relu"), _dense(1), loss="mse")
    return model, X, (price - price.mean()) / price.std(), FIT


@case("MLPRegressor inside TransformedTargetRegressor on prices", stages=SETTINGS)
def sklearn_transformed_prices():
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    model = TransformedTargetRegressor(MLPRegressor(hidden_layer_sizes=(32,), random_state=0),
                                       transformer=StandardScaler())
    return (model, *_prices(), {})


CASES = [value for value in list(globals().values()) if isinstance(value, Case)]
