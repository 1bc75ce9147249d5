"""The scikit-learn adapter on real estimators: linear models, pipelines, searches, clusterers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import scipy.stats as stats
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from kepler_jupyter import adapters
from kepler_jupyter.adapters import sklearn as sk
from kepler_jupyter.fingerprint import fingerprint_settings


def _json_roundtrip(value):
    return json.loads(json.dumps(value, allow_nan=False))


@pytest.fixture
def frame(rng):
    n = 90
    X = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "income": rng.normal(3000, 500, n),
            "city": rng.choice(["paris", "lyon", "nice"], n),
        }
    )
    y = pd.Series(np.where(X["age"] + rng.normal(0, 5, n) > 40, "yes", "no"), name="bought")
    return X, y


def _pipeline():
    columns = ColumnTransformer(
        [("num", StandardScaler(), ["age", "income"]), ("cat", OneHotEncoder(), ["city"])]
    )
    return Pipeline([("prep", columns), ("clf", LogisticRegression(max_iter=200))])


def test_logistic_regression_before_and_after_fit(rng):
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression(C=0.5)
    assert adapters.framework_of(model) == "sklearn"
    data = sk.split_fit_arguments(model, (X, y), {})
    description = sk.describe_model(model)
    _json_roundtrip(description)
    assert description["config"]["C"] == 0.5
    assert description["built"] is False and description["n_params"] is None
    assert description["estimator_type"] == "classifier"

    model.fit(X, y)
    fitted = sk.describe_model(model)
    assert fitted["built"] is True
    assert fitted["n_params"] == model.coef_.size + model.intercept_.size == 4
    history, metrics = sk.collect_results(model, model, data)
    assert history == {}
    assert metrics["train_score"] == pytest.approx(model.score(X, y))
    assert metrics["train_score_n"] == 60 and metrics["score_name"] == "accuracy"
    assert metrics["n_iter"] >= 1


def test_training_score_uses_a_private_subsample(rng):
    X = rng.normal(size=(12_000, 2))
    y = X[:, 0] * 2 + rng.normal(0, 0.1, 12_000)
    model = Ridge().fit(X, y)
    state_before = np.random.get_state()[1].copy()
    _, metrics = sk.collect_results(model, model, sk.split_fit_arguments(model, (X, y), {}))
    assert metrics["train_score_n"] == sk.TRAIN_SCORE_ROWS
    assert metrics["score_name"] == "r2"
    assert metrics["train_score"] == pytest.approx(model.score(X, y), abs=0.01)
    assert np.array_equal(
        np.random.get_state()[1], state_before
    )  # the user's random state did not move


def test_pipeline_with_column_transformer_on_a_dataframe(frame):
    X, y = frame
    model = _pipeline()
    data = sk.split_fit_arguments(model, (), {"X": X, "y": y})
    description = sk.describe_model(model)
    _json_roundtrip(description)
    assert [layer["name"] for layer in description["layers"]] == ["prep/num", "prep/cat", "clf"]
    assert [layer["class"] for layer in description["layers"]] == [
        "StandardScaler",
        "OneHotEncoder",
        "LogisticRegression",
    ]
    assert description["layers"][0]["columns"] == ["age", "income"]
    steps = description["config"]["steps"]
    assert steps[1][0] == "clf" and steps[1][1]["class"] == "LogisticRegression"
    assert steps[1][1]["params"]["max_iter"] == 200
    assert steps[0][1]["params"]["transformers"][0][1] == {
        "class": "StandardScaler",
        "params": {"copy": True, "with_mean": True, "with_std": True},
    }

    settings = sk.describe_settings(model, {"X": X, "y": y}, data)
    _json_roundtrip(settings)
    assert settings["estimator_params"]["clf__max_iter"] == 200
    assert settings["estimator_params"]["clf"] == "LogisticRegression"
    assert settings["fit_kwargs"] == {}

    data_description = sk.describe_data(data)
    _json_roundtrip(data_description)
    assert data_description["input_kind"] == "dataframe"
    assert data_description["dtype"] == "mixed"
    assert data_description["column_dtypes"]["float64"] == 2
    assert data_description["n_features"] == 3
    assert data_description["label_distribution"] == {
        "no": int((y == "no").sum()),
        "yes": int((y == "yes").sum()),
    }

    model.fit(X, y)
    fitted = sk.describe_model(model)
    assert all(layer["built"] for layer in fitted["layers"])
    assert fitted["n_params"] > 0
    _, metrics = sk.collect_results(model, model, data)
    assert metrics["train_score"] == pytest.approx(model.score(X, y))


def test_grid_search_results(frame):
    X, y = frame
    search = GridSearchCV(_pipeline(), {"clf__C": [0.1, 1.0, 10.0]}, cv=3)
    data = sk.split_fit_arguments(search, (X, y), {})
    settings = sk.describe_settings(search, {}, data)
    assert settings["cv"] == 3 and settings["scoring"] is None
    assert settings["n_candidates"] == 3
    assert settings["search_space"] == {"clf__C": [0.1, 1.0, 10.0]}

    search.fit(X, y)
    _, metrics = sk.collect_results(search, search, data)
    _json_roundtrip(metrics)
    assert metrics["cv_score"] == pytest.approx(search.best_score_)
    assert metrics["best_params"] == search.best_params_
    assert metrics["cv_results"]["mean_test_score"] == pytest.approx(
        list(search.cv_results_["mean_test_score"])
    )
    assert metrics["cv_results"]["n_candidates"] == 3
    assert metrics["n_splits"] == 3
    assert metrics["score_name"] == "accuracy"
    assert sk.describe_model(search)["n_params"] > 0


def test_randomized_search_with_distributions(rng):
    X = rng.normal(size=(80, 3))
    y = (X[:, 1] > 0).astype(int)
    search = RandomizedSearchCV(
        LogisticRegression(),
        {"C": stats.loguniform(1e-2, 1e2)},
        n_iter=4,
        cv=3,
        scoring="balanced_accuracy",
        random_state=0,
    )
    data = sk.split_fit_arguments(search, (X, y), {})
    settings = sk.describe_settings(search, {}, data)
    _json_roundtrip(settings)
    assert settings["search_space"]["C"]["distribution"] == "loguniform"
    assert settings["search_space"]["C"]["args"] == [0.01, 100.0]
    assert settings["n_candidates"] == 4 and settings["scoring"] == "balanced_accuracy"
    search.fit(X, y)
    _, metrics = sk.collect_results(search, search, data)
    assert len(metrics["cv_results"]["params"]) == 4
    assert metrics["score_name"] == "balanced_accuracy"


def test_kmeans_without_labels_and_a_transformer_without_score(rng):
    X = rng.normal(size=(50, 2))
    model = KMeans(n_clusters=2, n_init=2, random_state=0)
    data = sk.split_fit_arguments(model, (X,), {})
    assert data.y is None
    model.fit(X)
    history, metrics = sk.collect_results(model, model, data)
    assert metrics["score_name"] == "neg_inertia"
    assert metrics["train_score"] == pytest.approx(model.score(X))
    assert sk.describe_data(data)["n_classes"] is None

    scaler = StandardScaler().fit(X)
    assert sk.collect_results(scaler, scaler, sk.split_fit_arguments(scaler, (X,), {})) == ({}, {})
    # a score that fails (labels of the wrong length) is skipped, not raised
    broken = sk.split_fit_arguments(model, (X, np.arange(3)), {})
    assert (
        "train_score"
        not in sk.collect_results(LogisticRegression().fit(X, X[:, 0] > 0), None, broken)[1]
    )


def test_sparse_input_and_sample_weights(rng):
    X = sp.random(40, 6, density=0.3, format="csr", random_state=0)
    y = rng.integers(0, 2, size=40)
    weights = np.ones(40)
    model = LogisticRegression()
    arguments = sk.bind_fit_arguments(model, (X, y, weights), {})
    assert arguments["sample_weight"] is weights
    data = sk.split_fit_arguments(model, (X, y, weights), {})
    description = sk.describe_data(data)
    assert description["input_kind"] == "sparse" and description["sparse_format"] == "csr"
    assert description["density"] == pytest.approx(X.nnz / 240)
    assert description["fingerprints"]["X"] and description["fingerprints"]["sample_weight"]

    settings = sk.describe_settings(model, arguments, data)
    summary = settings["fit_kwargs"]["sample_weight"]
    assert summary["shape"] == [40] and summary["dtype"] == "float64" and summary["fingerprint"]
    heavier = weights.copy()
    heavier[0] = 5.0
    changed = sk.describe_settings(model, {**arguments, "sample_weight": heavier}, data)
    assert fingerprint_settings(changed) != fingerprint_settings(settings)


def test_mlp_history_and_warm_start(rng):
    from sklearn.neural_network import MLPClassifier

    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0, warm_start=True)
    data = sk.split_fit_arguments(model, (X, y), {})
    assert sk.describe_settings(model, {}, data)["continues_fit"] is False
    with pytest.warns(Warning):  # ConvergenceWarning after 5 iterations
        model.fit(X, y)
    history, _ = sk.collect_results(model, model, data)
    assert len(history["loss"]) == 5
    assert sk.describe_model(model)["n_params"] == 3 * 4 + 4 + 4 * 1 + 1
    assert sk.describe_settings(model, {}, data)["continues_fit"] is True


def test_fit_arguments_at_their_default_are_not_settings(rng):
    # fit(X, y) and fit(X, y, sample_weight=None) train the same model: the same settings
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.tree import DecisionTreeClassifier

    X = rng.normal(size=(30, 3))
    y = (X[:, 0] > 0).astype(int)
    tree = DecisionTreeClassifier()
    plain = sk.describe_settings(tree, sk.bind_fit_arguments(tree, (X, y), {}),
                                 sk.split_fit_arguments(tree, (X, y), {}))
    for kwargs in ({"sample_weight": None}, {"check_input": True}, {"sample_weight": None,
                                                                     "check_input": True}):
        arguments = sk.bind_fit_arguments(tree, (X, y), kwargs)
        settings = sk.describe_settings(tree, arguments, sk.split_fit_arguments(tree, (X, y), kwargs))
        assert settings["fit_kwargs"] == {} and settings == plain
        assert fingerprint_settings(settings) == fingerprint_settings(plain)
    # a value other than the default is a setting, and changes the fingerprint
    unchecked = sk.describe_settings(tree, sk.bind_fit_arguments(tree, (X, y), {"check_input": False}),
                                     sk.split_fit_arguments(tree, (X, y), {}))
    assert unchecked["fit_kwargs"] == {"check_input": False}
    assert fingerprint_settings(unchecked) != fingerprint_settings(plain)
    # arrays are never compared with a default by ==, and stay settings
    boosting = HistGradientBoostingClassifier()
    weights = np.ones(30)
    arguments = sk.bind_fit_arguments(boosting, (X, y), {"sample_weight": weights})
    weighted = sk.describe_settings(boosting, arguments, sk.split_fit_arguments(boosting, (X, y), {}))
    assert weighted["fit_kwargs"]["sample_weight"]["shape"] == [30]


def test_default_comparison_keeps_booleans_apart_from_numbers():
    assert sk._is_default(None, 5) and sk._is_default(1, 1.0) and sk._is_default("auto", "auto")
    assert not sk._is_default(True, 1) and not sk._is_default(0, None)
    assert not sk._is_default(np.zeros(3), None) and not sk._is_default([1], [1])
