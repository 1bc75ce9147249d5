"""Which scikit-learn estimators are experiments and which are data preparation.

A model that learns something users compare — every predictor (classifiers, regressors,
outlier detectors), clustering, decomposition and embeddings, density models — is an
experiment: kepler journals it and checks it. A transformer fitted on its own to prepare data
— scalers, encoders, imputers, vectorisers, feature selectors, kernel maps, random projections
— is preparation: kepler journals nothing and checks nothing for it, and the next experiments
in the same cell / ``watch()`` block list it under ``data.preparation``.

The rule, in order (first match decides):

1. anything that is not a scikit-learn estimator (a Keras model, an unknown object) is an
   experiment — kepler keeps journaling what it does not know;
2. a hyperparameter search (``GridSearchCV``...) is an experiment;
3. a composite (``Pipeline``, ``ColumnTransformer``, ``FeatureUnion``) is an experiment when
   one of its parts is one (``StandardScaler → LogisticRegression``; ``PCA`` in a union);
4. a feature selector (``SelectorMixin``: ``SelectKBest``, ``SelectFromModel``, ``RFE``...) is
   preparation, even when it can ``predict`` through the estimator it wraps;
5. a predictor, clusterer or density model (``predict``, ``fit_predict``, ``score_samples``,
   or scikit-learn's estimator type) is an experiment;
6. an estimator of a model family — ``sklearn.decomposition``, ``manifold``,
   ``cross_decomposition``, ``cluster``, ``mixture``, ``covariance``, ``neural_network``,
   ``discriminant_analysis``, and ``NeighborhoodComponentsAnalysis`` — is an experiment;
7. any other transformer (``TransformerMixin``, or a ``transform`` method) is preparation;
8. everything else (estimators that neither predict nor transform, e.g. ``NearestNeighbors``)
   is an experiment.
"""

from __future__ import annotations

import sys
from typing import Any

from kepler_jupyter.models.sklearn_model import declared_estimator_type

#: scikit-learn subpackages whose estimators learn a model users compare, transformers or not
MODEL_FAMILIES = frozenset(
    {
        "cluster",
        "covariance",
        "cross_decomposition",
        "decomposition",
        "discriminant_analysis",
        "manifold",
        "mixture",
        "neural_network",
    }
)
#: model-family estimators that live in a subpackage of preparation tools
MODEL_CLASSES = frozenset({"NeighborhoodComponentsAnalysis"})
_PREDICTING_METHODS = ("predict", "fit_predict", "score_samples", "decision_function")
_PREDICTOR_TYPES = ("classifier", "regressor", "outlier_detector", "clusterer", "density_estimator")


def is_experiment(estimator: Any) -> bool:
    """Whether fitting ``estimator`` is an experiment (True) or data preparation (False).

    Parameters
    ----------
    estimator : object
        A scikit-learn estimator (an instance, fitted or not), a Keras model, or anything else.

    Returns
    -------
    bool
        See the module docstring for the rule; never raises.
    """
    try:
        return _is_experiment(estimator)
    except Exception:  # an odd object: journal it, as kepler did before this rule
        return True


def preparation_name(estimator: Any) -> str:
    """How a preparation step is listed in ``data.preparation``: its class name, with the
    steps of a composite (``Pipeline(SimpleImputer, StandardScaler)``)."""
    name = type(estimator).__name__
    try:
        parts = _parts(estimator)
    except Exception:
        parts = None
    if not parts:
        return name
    return f"{name}({', '.join(preparation_name(part) for part in parts)})"


def _is_experiment(estimator: Any) -> bool:
    base = sys.modules.get("sklearn.base")
    if base is None or not isinstance(estimator, base.BaseEstimator):
        return True
    if _is_search(estimator):
        return True
    parts = _parts(estimator)
    if parts is not None:
        return any(is_experiment(part) for part in parts)
    if _is_selector(estimator):
        return False
    if _is_predictor(estimator):
        return True
    if _family(estimator) in MODEL_FAMILIES or type(estimator).__name__ in MODEL_CLASSES:
        return True
    transformer = getattr(base, "TransformerMixin", ())
    if isinstance(estimator, transformer) or callable(getattr(estimator, "transform", None)):
        return False
    return True


def _is_search(estimator: Any) -> bool:
    return hasattr(estimator, "cv") and hasattr(estimator, "estimator") and (
        hasattr(estimator, "param_grid") or hasattr(estimator, "param_distributions")
    )


def _parts(estimator: Any) -> list[Any] | None:
    """The estimators a composite is made of, or None for a plain estimator."""
    for attribute in ("steps", "transformer_list", "transformers"):
        entries = getattr(estimator, attribute, None)
        if isinstance(entries, list) and all(isinstance(e, tuple) and len(e) >= 2 for e in entries):
            return [e[1] for e in entries if not isinstance(e[1], str) and e[1] is not None]
    return None


def _is_selector(estimator: Any) -> bool:
    selection = sys.modules.get("sklearn.feature_selection._base")
    mixin = getattr(selection, "SelectorMixin", None)
    if mixin is not None and isinstance(estimator, mixin):
        return True
    return _family(estimator) == "feature_selection"


def _is_predictor(estimator: Any) -> bool:
    estimator_type = declared_estimator_type(estimator)
    if estimator_type in _PREDICTOR_TYPES:
        return True
    return any(callable(getattr(estimator, name, None)) for name in _PREDICTING_METHODS)


def _family(estimator: Any) -> str | None:
    """The scikit-learn subpackage that defines the estimator's class (None outside it)."""
    parts = (type(estimator).__module__ or "").split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "sklearn" else None
