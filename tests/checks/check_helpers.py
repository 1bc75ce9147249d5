"""Helpers shared by the check tests (imported relatively: ``from .check_helpers import …``)."""

from __future__ import annotations


def make_mlp(n_features=8, n_classes=3, optimizer="adam", loss="sparse_categorical_crossentropy",
             first_layers=()):
    """A compiled Keras MLP: optional first layers, Dense(16, relu), softmax / linear head."""
    import keras

    layers = [keras.Input((n_features,)), *first_layers, keras.layers.Dense(16, activation="relu")]
    if n_classes:
        layers.append(keras.layers.Dense(n_classes, activation="softmax"))
    else:
        layers.append(keras.layers.Dense(1))
    model = keras.Sequential(layers)
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"] if n_classes else [])
    return model


def codes(findings, severities=("error", "warning", "info")):
    """The codes of the findings with these severities."""
    return sorted({f.code for f in findings if f.severity in severities})


def alarms(findings):
    """Warnings, errors and internal failures: what must never appear on a well-made set-up."""
    return [(f.code, f.message) for f in findings
            if f.severity in ("error", "warning") or f.code == "K000"]
