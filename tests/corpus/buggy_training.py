"""Buggy training runs (K5xx, judged by the monitor during a real fit) and bad results (K6xx).

Every fit is tiny: a few hundred 8×8 digits or synthetic rows, a few epochs.
"""

from __future__ import annotations

import numpy as np

from .case import Case, case, digits, regression

TRAINING = ("training",)
RESULTS = ("results",)


def model(*hidden, classes=10, optimizer="adam", loss="sparse_categorical_crossentropy", head=None):
    import keras

    output = head if head is not None else keras.layers.Dense(classes, activation="softmax")
    net = keras.Sequential([*hidden, output])
    net.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return net


def dense(units, activation="relu", **kwargs):
    import keras

    return keras.layers.Dense(units, activation=activation, **kwargs)


FIT = {"epochs": 3, "batch_size": 32}


@case("NaN targets reach the loss", "K501", TRAINING, train=True)
def nan_loss():
    X, y = digits(400)
    target = y.astype("float32")
    target[100:] = np.nan
    return model(dense(16), head=dense(1, None), loss="mse"), X, target, {**FIT, "shuffle": False}


@case("linear regression with SGD(0.5) overshoots", "K502", TRAINING, train=True)
def diverging():
    import keras

    X, y = digits(400)
    net = model(head=dense(1, None), loss="mse", optimizer=keras.optimizers.SGD(0.5))
    return net, X, y.astype("float32"), {**FIT, "epochs": 5}


@case("learning rate 0", ("K503", "K509"), TRAINING, train=True)
def not_learning():
    import keras

    X, y = digits(400)
    return model(dense(32), optimizer=keras.optimizers.SGD(0.0)), X, y, {**FIT, "epochs": 4}


@case("weights initialised with stddev 3 (initial loss far above ln 10)", ("K504", "K506"), TRAINING,
      train=True)
def bad_initial_loss():
    import keras

    X, y = digits(400)
    wide = keras.initializers.RandomNormal(stddev=3.0)
    hidden = [dense(64, kernel_initializer=wide) for _ in range(4)]
    return model(*hidden, optimizer=keras.optimizers.SGD(1e-6)), X, y, {**FIT, "epochs": 1}


@case("ten sigmoid layers: vanishing gradients", "K505", TRAINING, train=True)
def vanishing():
    X, y = digits(400)
    return model(*[dense(32, "sigmoid") for _ in range(10)]), X, y, {**FIT, "epochs": 2}


@case("ReLU layer with bias -10: all units dead", ("K507", "K509"), TRAINING, train=True)
def dead_relu():
    import keras

    X, y = digits(400)
    dead = dense(32, bias_initializer=keras.initializers.Constant(-10.0))
    return model(dead), X, y, {**FIT, "epochs": 2}


@case("tanh layer on inputs in the hundreds: saturated", "K508", TRAINING, train=True)
def saturated():
    X, y = digits(400)
    return model(dense(32, "tanh")), X * 160, y, {**FIT, "epochs": 1}


@case("full-batch SGD, learning rate 0.5 and momentum 0.97: the loss bounces", "K510", TRAINING,
      train=True)
def oscillating():
    import keras

    X, y = regression(400)
    net = model(dense(32), head=dense(1, None), loss="mse",
                optimizer=keras.optimizers.SGD(0.5, momentum=0.97))
    return net, X, y, {"epochs": 16, "batch_size": 400}


@case("big MLP on random labels: validation loss climbs", "K511", TRAINING, train=True)
def overfitting_started():
    X, _ = digits(400)
    noise = np.random.default_rng(0).integers(0, 10, 400)
    fit = {"epochs": 12, "batch_size": 32, "validation_data": (X[200:], noise[200:])}
    return model(dense(256)), X[:200], noise[:200], fit


@case("digit classes 0-9 fed to binary cross-entropy", "K512", TRAINING, train=True)
def negative_loss():
    X, y = digits(400)
    return model(dense(8), head=dense(1, "sigmoid"), loss="binary_crossentropy"), X, y.astype("float32"), FIT


@case("labels unrelated to the inputs: accuracy stays at chance", "K601", RESULTS, train=True)
def underfitting():
    X, _ = digits(400)
    noise = np.random.default_rng(1).integers(0, 10, 400)
    return model(dense(8)), X, noise, {"epochs": 4, "batch_size": 32, "validation_split": 0.25}


@case("wide MLP memorises 60 samples", "K602", RESULTS, train=True)
def variance():
    X, y = digits(560)
    fit = {"epochs": 30, "batch_size": 16, "validation_data": (X[60:], y[60:])}
    return model(dense(512)), X[:60], y[:60], fit


@case("noisy training labels, clean validation copies", "K603", RESULTS, train=True)
def validation_too_good():
    X, y = digits(400)
    noisy = y.copy()
    flip = np.random.default_rng(2).random(400) < 0.4
    noisy[flip] = (noisy[flip] + 3) % 10
    fit = {"epochs": 15, "batch_size": 32, "validation_data": (X[:150], y[:150])}
    return model(dense(64)), X, noisy, fit


CASES = [value for value in list(globals().values()) if isinstance(value, Case)]
