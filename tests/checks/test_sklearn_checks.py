"""K320, K321, K110: scikit-learn specific checks, on real estimators and bundled data sets."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC

from kepler_jupyter import checks
from kepler_jupyter.run.context import FitContext, FitData, RunOptions

from .check_helpers import alarms


def run(model, X, y, **kwargs):
    return checks.run(model, X, y, config={}, **kwargs)


def only(findings, code):
    return [f for f in findings if f.code == code]


@pytest.fixture(scope="module")
def wine():
    return datasets.load_wine(return_X_y=True)


@pytest.mark.parametrize("estimator", [
    SVC(), KNeighborsClassifier(), LogisticRegression(max_iter=5000),
    make_pipeline(SimpleImputer(), PCA(3), SVC()),
    GridSearchCV(SVC(), {"C": [1, 10]}), OneVsRestClassifier(SVC()),
])
def test_scale_sensitive_estimators_on_unscaled_wine(wine, estimator):
    X, y = wine
    found = only(run(estimator, X, y), "K320")
    assert len(found) == 1 and found[0].evidence["scale_ratio"] > 1000
    assert found[0].evidence["widest"] == "12"  # proline, in the hundreds


@pytest.mark.parametrize("estimator", [
    make_pipeline(StandardScaler(), SVC()),
    GridSearchCV(make_pipeline(StandardScaler(), SVC()), {"svc__C": [1, 10]}),
    RandomForestClassifier(n_estimators=5),
    make_pipeline(ColumnTransformer([("scale", StandardScaler(), list(range(13)))]), KNeighborsClassifier()),
    make_pipeline(FunctionTransformer(np.log1p), SVC()),  # unknown transformer: no guessing
])
def test_scaled_pipelines_and_scale_free_estimators_are_silent(wine, estimator):
    X, y = wine
    assert only(run(estimator, X, y), "K320") == []


def test_already_scaled_data_and_similar_scales_are_silent(wine):
    X, y = wine
    assert only(run(SVC(), StandardScaler().fit_transform(X), y), "K320") == []
    iris_X, iris_y = datasets.load_iris(return_X_y=True)
    digits_X, digits_y = datasets.load_digits(return_X_y=True)
    assert alarms(run(SVC(), iris_X, iris_y)) == []
    assert alarms(run(SVC(gamma=0.001), digits_X, digits_y)) == []


def test_categorical_frame_through_a_column_transformer(rng):
    import pandas as pd

    frame = pd.DataFrame({"income": rng.normal(50_000, 20_000, 300), "age": rng.normal(40, 12, 300),
                          "city": rng.choice(["a", "b", "c"], 300)})
    y = rng.integers(0, 2, 300)
    pipeline = make_pipeline(ColumnTransformer([("num", StandardScaler(), ["income", "age"]),
                                                ("cat", OneHotEncoder(), ["city"])]),
                             LogisticRegression())
    assert alarms(run(pipeline, frame, y)) == []


def test_imbalance_without_class_weight(rng):
    X = rng.normal(size=(800, 5))
    y = (rng.random(800) < 0.05).astype(int)
    found = run(LogisticRegression(), X, y)
    assert [f.code for f in found if f.severity == "warning"] == ["K321"]  # not K312 too
    assert "class_weight='balanced'" in found[0].fix
    assert only(run(LogisticRegression(class_weight="balanced"), X, y), "K321") == []
    assert only(run(LogisticRegression(), X, y, sample_weight=np.ones(800)), "K321") == []
    # an estimator without class_weight gets the general advice
    assert only(run(KNeighborsClassifier(), X, y), "K312")


def test_convergence_warnings_become_a_finding(wine):
    X, y = wine
    model = LogisticRegression(max_iter=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    ctx = FitContext("sklearn", model, (X, y), {}, RunOptions(), data=FitData(X, y),
                     record={"metrics": {}, "history": {}}, fit_warnings=caught)
    found = only(checks.run_results(ctx), "K110")
    assert len(found) == 1 and found[0].evidence["count"] >= 1
    assert "max_iter" in found[0].message or "converge" in found[0].message.lower()
    ctx.options.ignore = ["K110"]
    assert only(checks.run_results(ctx), "K110") == []
