"""Describe a scikit-learn estimator for the journal: parameters, steps and learned sizes.

Composite estimators (Pipeline, ColumnTransformer, FeatureUnion, voting / stacking
ensembles, searches) are flattened into a list of "layers" named by their path
(``preprocess/num/scaler``), so pipelines can be shown and compared like networks.
"""

from __future__ import annotations

import sys
from typing import Any

from kepler_jupyter.adapters.json_safe import to_json_safe

#: fitted attributes that hold learned parameters; their sizes add up to ``n_params``
_LEARNED_ATTRIBUTES = (
    "coef_",
    "intercept_",
    "coefs_",
    "intercepts_",
    "cluster_centers_",
    "support_vectors_",
    "dual_coef_",
    "components_",
    "means_",
    "covariances_",
    "weights_",
    "theta_",
    "var_",
    "feature_log_prob_",
    "class_log_prior_",
    "mean_",
    "scale_",
    "min_",
    "categories_",
    "embedding_",
    "tree_",
)
_MAX_LAYERS = 200


def describe_model(model: Any) -> dict[str, Any]:
    """The record's ``model`` field for a scikit-learn estimator.

    Returns
    -------
    dict
        ``class``, ``module``, ``config`` (``get_params(deep=False)`` as plain JSON, nested
        estimators as ``{"class", "params"}``), ``layers`` (the steps of composite
        estimators: ``name`` path, ``class``, ``n_params``, ``columns`` for
        ColumnTransformer parts; a single entry for a plain estimator), ``n_params`` and
        ``n_trainable_params`` (sizes of the learned arrays and tree nodes once fitted, else
        None), ``built`` (fitted), ``estimator_type`` (classifier, regressor, clusterer...).
    """
    description: dict[str, Any] = {
        "class": type(model).__name__,
        "module": type(model).__module__,
        "config": None,
        "layers": [],
        "n_params": None,
        "n_trainable_params": None,
        "built": is_fitted(model),
        "estimator_type": estimator_type(model),
    }
    try:
        description["config"] = to_json_safe(model.get_params(deep=False))
    except Exception:
        description["config"] = None
    try:
        layers: list[dict[str, Any]] = []
        _flatten(model, "", layers)
        description["layers"] = layers[:_MAX_LAYERS]
    except Exception:
        description["layers"] = []
    if description["built"]:
        count = count_learned_parameters(_fitted_estimator(model))
        description["n_params"] = count
        description["n_trainable_params"] = count
    return description


def is_fitted(estimator: Any) -> bool:
    """Whether scikit-learn considers the estimator fitted (never raises)."""
    try:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(estimator)
        return True
    except Exception:
        return False


def estimator_type(estimator: Any) -> str | None:
    """``classifier``, ``regressor``, ``clusterer``, ``outlier_detector``, ``density_estimator``
    or ``transformer``, from scikit-learn's tags; None when unknown."""
    kind = declared_estimator_type(estimator)
    if kind:
        return kind
    return "transformer" if hasattr(estimator, "transform") else None


def declared_estimator_type(estimator: Any) -> str | None:
    """The type scikit-learn's tags declare (``classifier``, ``regressor``, ``clusterer``...),
    None for transformers and unknown objects. Never imports scikit-learn: an estimator's
    module has imported it already."""
    utils = sys.modules.get("sklearn.utils")
    get_tags = getattr(utils, "get_tags", None)
    if get_tags is not None:
        try:
            kind = get_tags(estimator).estimator_type
            return str(kind) if kind else None
        except Exception:
            pass
    kind = getattr(estimator, "_estimator_type", None)  # scikit-learn before 1.6
    return str(kind) if kind else None


def count_learned_parameters(estimator: Any) -> int | None:
    """Number of learned values: coefficient arrays, centroids, tree nodes, sub-estimators."""
    if estimator is None:
        return None
    try:
        return _count(estimator, depth=0)
    except Exception:
        return None


def _count(estimator: Any, depth: int) -> int:
    if depth > 8:
        return 0
    total = 0
    for attribute in _LEARNED_ATTRIBUTES:
        value = getattr(estimator, attribute, None)
        if value is None:
            continue
        if attribute == "tree_":
            total += int(getattr(value, "node_count", 0))
        elif isinstance(value, (list, tuple)):
            total += sum(int(getattr(item, "size", 0) or 0) for item in value)
        else:
            total += int(getattr(value, "size", 0) or 0)
    for child in _children(estimator, fitted=True):
        total += _count(child, depth + 1)
    return total


def _children(estimator: Any, fitted: bool) -> list[Any]:
    """Sub-estimators: fitted ones (``estimators_``, ``steps``...) or the declared ones."""
    children: list[Any] = []
    if fitted:
        sub = getattr(estimator, "estimators_", None)
        if sub is not None:
            try:
                import numpy as np

                children.extend(np.ravel(np.asarray(sub, dtype=object)).tolist())
            except Exception:
                pass
        for attribute in ("transformers_", "best_estimator_", "regressor_", "estimator_"):
            value = getattr(estimator, attribute, None)
            if attribute == "transformers_" and value is not None:
                children.extend(item[1] for item in value if hasattr(item[1], "get_params"))
            elif value is not None and hasattr(value, "get_params"):
                children.append(value)
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list):
        children.extend(step[1] for step in steps if hasattr(step[1], "get_params"))
    return children


def _fitted_estimator(model: Any) -> Any:
    return getattr(model, "best_estimator_", None) or model


def _flatten(estimator: Any, prefix: str, layers: list[dict[str, Any]]) -> None:
    """Append one entry per leaf step of a composite estimator, named by its path."""
    parts = _named_parts(estimator)
    if not parts:
        layers.append(_layer_entry(estimator, prefix or type(estimator).__name__))
        return
    for name, part, columns in parts:
        path = f"{prefix}/{name}" if prefix else str(name)
        if not hasattr(part, "get_params"):  # "drop", "passthrough"
            entry = {"name": path, "class": str(part), "n_params": None}
        elif _named_parts(part):
            _flatten(part, path, layers)
            continue
        else:
            entry = _layer_entry(part, path)
        if columns is not None:
            entry["columns"] = to_json_safe(columns)
        layers.append(entry)


def _named_parts(estimator: Any) -> list[tuple[str, Any, Any]]:
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list):
        return [(name, step, None) for name, step in steps]
    # fitted copies first (``transformers_``, ``best_estimator_``): they know their sizes
    for attribute in ("transformers_", "transformers", "transformer_list", "estimators"):
        value = getattr(estimator, attribute, None)
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            return [(item[0], item[1], item[2] if len(item) > 2 else None) for item in value]
    for attribute in ("best_estimator_", "estimator"):  # searches, calibration, one-vs-rest
        inner = getattr(estimator, attribute, None)
        if inner is not None and hasattr(inner, "get_params"):
            return [("estimator", inner, None)]
    return []


def _layer_entry(estimator: Any, name: str) -> dict[str, Any]:
    fitted = is_fitted(estimator)
    return {
        "name": name,
        "class": type(estimator).__name__,
        "n_params": count_learned_parameters(estimator) if fitted else None,
        "built": fitted,
    }
