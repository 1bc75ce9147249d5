"""Builders of small real Keras models used by the adapter and fingerprint tests."""

from __future__ import annotations

from typing import Any


def sequential_classifier(keras: Any, units: int = 8, names: tuple[str, ...] | None = None) -> Any:
    """Input(4) -> Dense(units, relu) -> Dropout(0.2) -> Dense(3, softmax), compiled with Adam."""
    names = names or (None, None, None)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(units, activation="relu", name=names[0]),
            keras.layers.Dropout(0.2, name=names[1]),
            keras.layers.Dense(3, activation="softmax", name=names[2]),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def two_input_model(keras: Any) -> Any:
    """A functional model with inputs ``a`` (3 features) and ``b`` (2 features)."""
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    joined = keras.layers.Concatenate()([a, b])
    hidden = keras.layers.Dense(4, activation="tanh")(joined)
    output = keras.layers.Dense(1, activation="sigmoid")(hidden)
    model = keras.Model({"a": a, "b": b}, output)
    model.compile(
        optimizer="sgd",
        loss=keras.losses.BinaryCrossentropy(from_logits=False),
        metrics=[keras.metrics.AUC(name="auc")],
    )
    return model
