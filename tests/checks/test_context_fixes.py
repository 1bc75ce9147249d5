"""Checks given the context they lacked on the well-made gallery corpus (tests/corpus/gallery.py):
K301 reads which ColumnTransformer branch receives the NaN columns, the gradient probe measures
BatchNormalization models the way the optimiser sees them and leaves their state untouched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from kepler_jupyter import checks


def _frame() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"income": rng.normal(50, 10, 200), "age": rng.normal(40, 10, 200),
                          "city": rng.choice(["a", "b"], 200)})
    frame.loc[[3, 7, 11], "age"] = np.nan
    return frame, (frame["income"] > 50).astype(int).to_numpy()


def _k301(model, X, y) -> list:
    return [f for f in checks.run(model, X, y, config={}, select=["K301"]) if f.code == "K301"]


def test_nan_column_imputed_in_its_branch_is_info():
    X, y = _frame()
    numbers = make_pipeline(SimpleImputer(), StandardScaler())
    prepare = ColumnTransformer([("num", numbers, ["income", "age"]),
                                 ("cat", OneHotEncoder(), ["city"])])
    found = _k301(make_pipeline(prepare, LogisticRegression()), X, y)
    assert [f.severity for f in found] == ["info"]


def test_nan_column_passed_through_to_a_nan_aware_estimator_is_info():
    X, y = _frame()
    prepare = ColumnTransformer([("cat", OrdinalEncoder(), ["city"])], remainder="passthrough")
    model = make_pipeline(prepare, HistGradientBoostingClassifier(categorical_features=[0]))
    assert [f.severity for f in _k301(model, X, y)] == ["info"]


def test_nan_column_reaching_an_estimator_without_imputation_stays_an_error():
    X, y = _frame()
    prepare = ColumnTransformer([("num", StandardScaler(), ["income", "age"]),
                                 ("cat", OneHotEncoder(), ["city"])])
    assert [f.severity for f in _k301(make_pipeline(prepare, LogisticRegression()), X, y)] == ["error"]
    # the imputer sits in a branch that never sees the NaN column: no help
    prepare = ColumnTransformer([("num", StandardScaler(), ["age"]),
                                 ("inc", SimpleImputer(), ["income"]),
                                 ("cat", OneHotEncoder(), ["city"])])
    assert [f.severity for f in _k301(make_pipeline(prepare, LogisticRegression()), X, y)] == ["error"]


def test_probe_measures_batchnorm_models_in_training_mode_and_restores_their_state():
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    from kepler_jupyter.checks.measure.training_stats import Probe

    keras.utils.set_random_seed(0)
    layers = keras.layers
    # a conv stack with BatchNormalization: probed in training mode (batch statistics), its
    # moving statistics must come back unchanged (the probe never alters the user's model)
    stack = [keras.Input((16, 16, 3))]
    for _ in range(8):
        stack += [layers.Conv2D(8, 3, padding="same", use_bias=False),
                  layers.BatchNormalization(), layers.ReLU()]
    model = keras.Sequential([*stack, layers.GlobalAveragePooling2D(),
                              layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(0, 0.01, (16, 16, 16, 3)).astype("float32")
    y = np.arange(16) % 3
    before = [np.array(v) for v in model.non_trainable_variables]
    probe = Probe(model, (x, y))
    assert probe.training_mode
    stats = probe.measure()
    after = [np.array(v) for v in model.non_trainable_variables]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert stats.first_grad_norm > 1e-6 * stats.last_grad_norm
