"""Buggy scikit-learn set-ups (K320, K321, K110 and the shared data / settings / results codes)."""

from __future__ import annotations

import functools

import numpy as np

from .case import Case, blobs, case

RESULTS = ("results",)


@functools.lru_cache(maxsize=1)
def _wine():
    from sklearn.datasets import load_wine

    return load_wine(return_X_y=True)


def wine():
    X, y = _wine()
    return X.copy(), y.copy()


@case("SVC on unscaled wine features", "K320")
def svc_unscaled():
    from sklearn.svm import SVC

    return (SVC(), *wine(), {})


@case("k-NN pipeline with imputation but no scaler", "K320")
def knn_pipeline_without_scaler():
    from sklearn.impute import SimpleImputer
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    return (make_pipeline(SimpleImputer(), KNeighborsClassifier()), *wine(), {})


@case("5 % positives, logistic regression without class_weight", "K321")
def imbalance_without_class_weight():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(800, 5))
    return LogisticRegression(), X, (rng.random(800) < 0.05).astype(int), {}


@case("NaN in a random forest's inputs", "K301")
def forest_nan():
    from sklearn.ensemble import RandomForestClassifier

    X, y = blobs()
    X[10:14, 1] = np.nan
    return RandomForestClassifier(n_estimators=10, random_state=0), X, y, {}


@case("MLPClassifier with learning_rate_init=0.5", "K101")
def mlp_learning_rate():
    from sklearn.neural_network import MLPClassifier

    return (MLPClassifier(learning_rate_init=0.5, random_state=0), *blobs(), {})


@case("MLPClassifier, label-sorted data, shuffle=False", "K106")
def mlp_sorted_no_shuffle():
    from sklearn.neural_network import MLPClassifier

    X, y = blobs()
    order = np.argsort(y, kind="stable")
    return MLPClassifier(shuffle=False, random_state=0), X[order], y[order], {}


@case("logistic regression stopped after 5 iterations", "K110", RESULTS, train=True)
def not_converged():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return (make_pipeline(StandardScaler(), LogisticRegression(max_iter=5)), *wine(), {})


@case("unregularised logistic regression on 200 features, 80 noisy samples", "K602", RESULTS, train=True)
def overfit_search():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 200))
    y = (X[:, 0] + rng.normal(0, 2.0, 80) > 0).astype(int)
    search = GridSearchCV(LogisticRegression(C=1e4, max_iter=5000), {"fit_intercept": [True]}, cv=4)
    return search, X, y, {}


CASES = [value for value in list(globals().values()) if isinstance(value, Case)]
