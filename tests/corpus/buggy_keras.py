"""Buggy Keras models (K2xx, K4xx): each set-up is judged by the model checks before any fit.

The data are well made (standardised blobs), so only the model is at fault.
"""

from __future__ import annotations

import numpy as np

from .case import Case, blobs, case, digits, sequences

MODEL = ("model",)


def compiled(*stack, loss="sparse_categorical_crossentropy", compile_model=True):
    import keras

    model = keras.Sequential(list(stack))
    if compile_model:
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def layers():
    import keras

    return keras.layers


FIT = {"epochs": 10, "batch_size": 32, "validation_split": 0.2}


@case("zero kernel initialisation in a hidden layer", "K201", MODEL)
def zero_init():
    L = layers()
    model = compiled(L.Dense(32, activation="relu", kernel_initializer="zeros"),
                     L.Dense(3, activation="softmax"))
    return (model, *blobs(), FIT)


@case("RandomNormal(stddev=1) on 784 pixel inputs", "K202", MODEL)
def huge_random_normal():
    import keras

    L = layers()
    rng = np.random.default_rng(0)
    X = rng.random((300, 784)).astype("float32")
    model = compiled(L.Dense(64, activation="relu", kernel_initializer=keras.initializers.RandomNormal(stddev=1.0)),
                     L.Dense(3, activation="softmax"))
    return model, X, rng.integers(0, 3, 300), FIT


@case("model never compiled", "K400", MODEL)
def not_compiled():
    L = layers()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(3, activation="softmax"), compile_model=False)
    return (model, *blobs(), FIT)


@case("five sigmoid hidden layers", "K401", MODEL)
def deep_sigmoid():
    L = layers()
    model = compiled(*[L.Dense(32, activation="sigmoid") for _ in range(5)], L.Dense(3, activation="softmax"))
    return (model, *blobs(), FIT)


@case("hidden Dense layers without activation", "K402", MODEL)
def linear_stack():
    L = layers()
    model = compiled(L.Dense(64), L.Dense(32), L.Dense(3, activation="softmax"))
    return (model, *blobs(), FIT)


@case("Conv2D without activation feeding Conv2D", "K402", MODEL)
def conv_without_activation():
    import keras

    L = layers()
    X, y = digits(300)
    model = compiled(keras.Input((8, 8, 1)), L.Conv2D(16, 3), L.Conv2D(16, 3, activation="relu"),
                     L.Flatten(), L.Dense(10, activation="softmax"))
    return model, X.reshape(-1, 8, 8, 1), y, FIT


@case("functional model: linear projection into Dense", "K402", MODEL)
def functional_linear_projection():
    import keras

    L = layers()
    inputs = keras.Input((8,))
    projected = L.Dense(16, name="projection")(inputs)
    hidden = L.Dense(16, activation="relu")(projected)
    model = keras.Model(inputs, L.Dense(3, activation="softmax")(hidden))
    model.compile("adam", "sparse_categorical_crossentropy")
    return (model, *blobs(), FIT)


@case("relu on the output layer, then Softmax", "K403", MODEL)
def double_activation():
    L = layers()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(3, activation="relu"), L.Softmax())
    return (model, *blobs(), FIT)


@case("linear output with sparse categorical cross-entropy", "K404", MODEL)
def missing_softmax():
    L = layers()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(3))
    return (model, *blobs(), FIT)


@case("tanh output with binary cross-entropy", "K404", MODEL)
def tanh_with_bce():
    L = layers()
    X, y = blobs(classes=2)
    model = compiled(L.Dense(16, activation="relu"), L.Dense(1, activation="tanh"), loss="binary_crossentropy")
    return model, X, y, FIT


@case("LSTM classifier with a linear head and a probability loss", "K404", MODEL)
def lstm_linear_head():
    L = layers()
    model = compiled(L.LSTM(16), L.Dense(3), loss="sparse_categorical_crossentropy")
    return (model, *sequences(), FIT)


@case("softmax output and from_logits=True", "K405", MODEL)
def softmax_from_logits():
    import keras

    L = layers()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(3, activation="softmax"),
                     loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return (model, *blobs(), FIT)


@case("softmax output with binary cross-entropy", "K406", MODEL)
def softmax_bce():
    L = layers()
    X, y = blobs()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(3, activation="softmax"), loss="binary_crossentropy")
    return model, X, np.eye(3, dtype="float32")[y], FIT


@case("sigmoid output with categorical cross-entropy", "K407", MODEL)
def sigmoid_cce():
    L = layers()
    X, y = blobs()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(3, activation="sigmoid"),
                     loss="categorical_crossentropy")
    return model, X, np.eye(3, dtype="float32")[y], FIT


@case("softmax on a single output unit", "K408", MODEL)
def single_unit_softmax():
    L = layers()
    X, y = blobs(classes=2)
    model = compiled(L.Dense(16, activation="relu"), L.Dense(1, activation="softmax"), loss="binary_crossentropy")
    return model, X, y, FIT


@case("two output units for three classes", "K409", MODEL)
def too_few_units():
    L = layers()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(2, activation="softmax"))
    return (model, *blobs(), FIT)


@case("ten outputs for a scalar regression target (silent broadcasting)", "K409", MODEL)
def regression_width():
    L = layers()
    X, _ = blobs()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(10), loss="mse")
    return model, X, X[:, 0] * 2.0, FIT


@case("one-hot labels with a sparse loss", "K410", MODEL)
def onehot_sparse():
    L = layers()
    X, y = blobs()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(3, activation="softmax"))
    return model, X, np.eye(3, dtype="float32")[y], FIT


@case("integer labels with categorical cross-entropy", "K410", MODEL)
def integer_categorical():
    L = layers()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(3, activation="softmax"),
                     loss="categorical_crossentropy")
    return (model, *blobs(), FIT)


@case("ten digit classes with a sigmoid unit and binary cross-entropy", "K410", MODEL)
def multiclass_bce():
    L = layers()
    X, y = digits()
    model = compiled(L.Dense(32, activation="relu"), L.Dense(1, activation="sigmoid"), loss="binary_crossentropy")
    return model, X, y, FIT


@case("sigmoid output for house-price-like targets", "K411", MODEL)
def sigmoid_regression():
    L = layers()
    X, _ = blobs()
    prices = 200_000 + 50_000 * X[:, 0]
    model = compiled(L.Dense(16, activation="relu"), L.Dense(1, activation="sigmoid"), loss="mse")
    return model, X, prices, FIT


@case("ReLU output for targets that go negative", "K411", MODEL)
def relu_negative_targets():
    L = layers()
    X, _ = blobs()
    model = compiled(L.Dense(16, activation="relu"), L.Dense(1, activation="relu"), loss="mae")
    return model, X, X[:, 1], FIT


@case("dropout rate 0.8", "K412", MODEL)
def heavy_dropout():
    L = layers()
    model = compiled(L.Dense(64, activation="relu"), L.Dropout(0.8), L.Dense(3, activation="softmax"))
    return (model, *blobs(), FIT)


@case("Dropout right before BatchNormalization", "K413", MODEL)
def dropout_before_bn():
    L = layers()
    model = compiled(L.Dense(64, activation="relu"), L.Dropout(0.3), L.BatchNormalization(),
                     L.Dense(3, activation="softmax"))
    return (model, *blobs(), FIT)


@case("two-million-parameter MLP for 60 samples", "K414", MODEL)
def huge_model_tiny_data():
    L = layers()
    X, y = blobs(60)
    model = compiled(L.Dense(2048, activation="relu"), L.Dense(1024, activation="relu"), L.Dense(3, activation="softmax"))
    return model, X, y, {"epochs": 10, "batch_size": 16}


CASES = [value for value in list(globals().values()) if isinstance(value, Case)]
