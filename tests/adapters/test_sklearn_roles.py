"""Which scikit-learn estimators are experiments and which are data preparation."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.feature_selection import RFE, SelectKBest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import LabelEncoder, OneHotEncoder, StandardScaler
from sklearn.utils import all_estimators

from kepler_jupyter.adapters.sklearn_roles import is_experiment

# subpackages that hold only preparation tools / only models users compare
PREPARATION_PACKAGES = {"preprocessing", "impute", "feature_extraction", "feature_selection",
                        "kernel_approximation", "random_projection"}
MODEL_PACKAGES = {"linear_model", "svm", "tree", "ensemble", "naive_bayes", "neighbors",
                  "cluster", "decomposition", "manifold", "mixture", "covariance",
                  "cross_decomposition", "discriminant_analysis", "gaussian_process",
                  "neural_network", "isotonic", "kernel_ridge", "semi_supervised"}


def _instance(cls):
    """An instance of every estimator class, meta-estimators given a small inner estimator."""
    required = {
        "estimator": LogisticRegression(), "base_estimator": LogisticRegression(),
        "estimators": [("lr", LogisticRegression())],
        "steps": [("scale", StandardScaler()), ("lr", LogisticRegression())],
        "transformers": [("scale", StandardScaler(), [0])],
        "transformer_list": [("scale", StandardScaler())],
        "dictionary": np.eye(3), "param_grid": {"C": [1.0]}, "param_distributions": {"C": [1.0]},
    }
    kwargs = {name: required[name] for name, parameter in inspect.signature(cls).parameters.items()
              if name in required and (parameter.default is inspect.Parameter.empty
                                       or name == "estimator")}
    return cls(**kwargs)


def _all_estimators():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated classes are still estimators
        return [(name, cls.__module__.split(".")[1], _instance(cls)) for name, cls in all_estimators()]


def test_every_scikit_learn_estimator_is_classified_by_its_family():
    from sklearn.base import is_classifier, is_regressor

    estimators = _all_estimators()
    assert len(estimators) > 150
    for name, package, estimator in estimators:
        expected = None
        if is_classifier(estimator) or is_regressor(estimator):
            expected = name not in ("RFE", "RFECV")  # feature selectors, whatever they wrap
        elif package in PREPARATION_PACKAGES:
            expected = False
        elif package in MODEL_PACKAGES:
            expected = name not in ("KNeighborsTransformer", "RadiusNeighborsTransformer",
                                    "RandomTreesEmbedding")  # feature maps, not models
        if expected is not None:
            assert is_experiment(estimator) is expected, name


@pytest.mark.parametrize("estimator, expected", [
    (StandardScaler(), False), (LabelEncoder(), False), (OneHotEncoder(), False),
    (SelectKBest(), False), (RFE(LogisticRegression()), False), (PCA(), True),
    (make_pipeline(StandardScaler(), LogisticRegression()), True),
    (make_pipeline(StandardScaler(), OneHotEncoder()), False),
    (make_pipeline(StandardScaler(), PCA(2)), True),
    (ColumnTransformer([("scale", StandardScaler(), [0])]), False),
    (ColumnTransformer([("pca", PCA(1), [0, 1])]), True),
    (FeatureUnion([("scale", StandardScaler()), ("pca", PCA(1))]), True),
    (GridSearchCV(StandardScaler(), {"with_mean": [True]}), True),
    ("not an estimator", True),
])
def test_composites_searches_and_selectors(estimator, expected):
    assert is_experiment(estimator) is expected


def test_preparation_names_show_the_steps_of_composites():
    from kepler_jupyter.adapters.sklearn_roles import preparation_name

    assert preparation_name(StandardScaler()) == "StandardScaler"
    prepare = ColumnTransformer([("num", make_pipeline(StandardScaler()), [0]),
                                 ("cat", OneHotEncoder(), [1]), ("rest", "drop", [2])])
    assert preparation_name(prepare) == "ColumnTransformer(Pipeline(StandardScaler), OneHotEncoder)"


def test_keras_models_are_experiments():
    keras = pytest.importorskip("keras")
    assert is_experiment(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))
