"""K316 target leakage and K317 validation scale, on the real tabular data sets sklearn ships.

A merely informative feature must not look like a copy of the label; a split of one data set
normalised together must not look like two scales.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from kepler_jupyter import checks

LOADERS = [(datasets.load_iris, False), (datasets.load_wine, False),
           (datasets.load_breast_cancer, False), (datasets.load_digits, False),
           (datasets.load_diabetes, True)]


def _codes(findings) -> set[str]:
    assert not [f for f in findings if f.code == "K000"], [str(f) for f in findings]
    return {f.code for f in findings}


@pytest.mark.parametrize(("loader", "regression"), LOADERS, ids=lambda v: getattr(v, "__name__", ""))
def test_leakage_fires_on_a_copy_of_the_label_and_not_on_real_features(loader, regression):
    data = loader(as_frame=True)
    X, y = data.data, data.target
    model = Ridge() if regression else RandomForestClassifier(n_estimators=5)
    assert "K316" not in _codes(checks.run(model, X, y, config={}))
    leaked = X.copy()
    # the label left in, recoded: affine units for a target, strings for classes
    leaked["outcome"] = y * 1000.0 + 3 if regression else y.map(lambda v: f"class {v}")
    (finding,) = [f for f in checks.run(model, leaked, y, config={}) if f.code == "K316"]
    assert finding.evidence["columns"] == ["outcome"]


def test_leakage_names_an_integer_labelled_column():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = rng.integers(0, 3, size=300)
    X[:, 3] = y
    findings = checks.run(RandomForestClassifier(n_estimators=5), X, y, config={})
    (finding,) = [f for f in findings if f.code == "K316"]
    assert finding.evidence["columns"] == ["3"]


@pytest.mark.parametrize(("loader", "regression"), LOADERS, ids=lambda v: getattr(v, "__name__", ""))
def test_validation_scale_silent_on_one_scaler_and_fires_on_separate_ones(loader, regression):
    keras = pytest.importorskip("keras")
    data = loader()
    X_train, X_val, y_train, y_val = train_test_split(data.data, data.target, random_state=0)
    model = keras.Sequential([keras.Input((X_train.shape[1],)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    scaler = StandardScaler().fit(X_train)
    together = checks.run(model, scaler.transform(X_train), y_train, config={},
                          validation_data=(scaler.transform(X_val), y_val))
    assert "K317" not in _codes(together)
    raw_validation = checks.run(model, scaler.transform(X_train), y_train, config={},
                                validation_data=(X_val, y_val))
    assert "K317" in _codes(raw_validation)
