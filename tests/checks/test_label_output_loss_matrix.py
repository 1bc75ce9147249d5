"""Labels × output activation × loss, for every target form sklearn's ``type_of_target`` names.

Each target form (binary, multiclass, multilabel-indicator, one-hot multiclass, continuous,
continuous-multioutput) meets the Keras heads that pair with it: the right pairings must raise
no K4 warning or error, the wrong ones the code that names the mismatch.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sklearn.utils.multiclass import type_of_target  # noqa: E402

from kepler_jupyter import checks  # noqa: E402

RNG = np.random.default_rng(0)
N = 240
X = RNG.normal(size=(N, 6)).astype("float32")
_classes = RNG.integers(0, 4, N)
TARGETS = {
    "binary": RNG.integers(0, 2, N),
    "multiclass": _classes,
    "multilabel-indicator": (RNG.random((N, 4)) < 0.3).astype("float32"),
    "onehot": np.eye(4, dtype="float32")[_classes],
    "continuous": (X @ RNG.normal(size=6) * 10 + 3).astype("float32"),
    "continuous-multioutput": (X[:, :3] * 5 - 1).astype("float32"),
}
SKLEARN_FORM = {"onehot": "multilabel-indicator"}  # sklearn calls one-hot rows multilabel too


def _head(activation: str, units: int, loss: object) -> keras.Model:
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss)
    return model


def _logits(name: str) -> object:
    return {"bce": keras.losses.BinaryCrossentropy(from_logits=True),
            "scce": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            "cce": keras.losses.CategoricalCrossentropy(from_logits=True)}[name]


GOOD = [
    ("binary", "sigmoid", 1, "binary_crossentropy"),
    ("binary", "linear", 1, "logits:bce"),
    ("binary", "softmax", 2, "sparse_categorical_crossentropy"),
    ("multiclass", "softmax", 4, "sparse_categorical_crossentropy"),
    ("multiclass", "linear", 4, "logits:scce"),
    ("multilabel-indicator", "sigmoid", 4, "binary_crossentropy"),
    ("multilabel-indicator", "linear", 4, "logits:bce"),
    ("onehot", "softmax", 4, "categorical_crossentropy"),
    ("onehot", "linear", 4, "logits:cce"),
    ("continuous", "linear", 1, "mse"),
    ("continuous", "linear", 1, "mae"),
    ("continuous", "linear", 1, "huber"),
    ("continuous-multioutput", "linear", 3, "mse"),
]
BAD = [
    ("binary", "softmax", 1, "binary_crossentropy", "K408"),
    ("binary", "relu", 1, "binary_crossentropy", "K404"),
    ("binary", "linear", 1, "binary_crossentropy", "K404"),
    ("binary", "softmax", 2, "binary_crossentropy", "K406"),
    ("binary", "sigmoid", 1, "categorical_crossentropy", "K409"),  # CCE over one unit is 0
    ("multilabel-indicator", "sigmoid", 4, "categorical_crossentropy", "K407"),
    ("multiclass", "softmax", 3, "sparse_categorical_crossentropy", "K409"),
    ("multiclass", "sigmoid", 1, "binary_crossentropy", "K410"),
    ("multiclass", "softmax", 4, "categorical_crossentropy", "K410"),
    ("multiclass", "softmax", 4, "logits:scce", "K405"),
    ("multilabel-indicator", "sigmoid", 3, "binary_crossentropy", "K409"),
    ("multilabel-indicator", "softmax", 4, "binary_crossentropy", "K406"),
    ("onehot", "softmax", 4, "sparse_categorical_crossentropy", "K410"),
    ("onehot", "softmax", 3, "categorical_crossentropy", "K409"),
    ("continuous", "sigmoid", 1, "mse", "K411"),
    ("continuous", "softmax", 1, "mse", "K408"),
    ("continuous-multioutput", "linear", 2, "mse", "K409"),
]


def _findings(form: str, activation: str, units: int, loss: str) -> list:
    compiled = _logits(loss.split(":")[1]) if loss.startswith("logits:") else loss
    return checks.run(_head(activation, units, compiled), X, TARGETS[form], epochs=10, config={},
                      select=["K4"])


def test_the_target_forms_are_sklearns():
    for form, y in TARGETS.items():
        assert type_of_target(y) == SKLEARN_FORM.get(form, form)


@pytest.mark.parametrize(("form", "activation", "units", "loss"), GOOD,
                         ids=["-".join(map(str, case)) for case in GOOD])
def test_a_matching_head_raises_nothing(form, activation, units, loss):
    alarms = [str(f) for f in _findings(form, activation, units, loss)
              if f.severity in ("error", "warning") or f.code == "K000"]
    assert alarms == []


@pytest.mark.parametrize(("form", "activation", "units", "loss", "code"), BAD,
                         ids=["-".join(map(str, case[:4])) for case in BAD])
def test_a_mismatched_head_is_named(form, activation, units, loss, code):
    assert code in {f.code for f in _findings(form, activation, units, loss)}
