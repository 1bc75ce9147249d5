"""Adapter for scikit-learn estimators: fit arguments, settings, data and results.

The model description lives in ``kepler_jupyter.models.sklearn_model``. Results are kept cheap: the training score
is measured on a random subsample of at most ``TRAIN_SCORE_ROWS`` rows.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

from kepler_jupyter.adapters.data_description import describe_fit_data
from kepler_jupyter.adapters.json_safe import finite_float, summarize_array, to_json_safe
from kepler_jupyter.models.sklearn_model import describe_model, estimator_type, is_fitted
from kepler_jupyter.run.context import FitData

__all__ = [
    "collect_results",
    "describe_data",
    "describe_model",
    "describe_settings",
    "split_fit_arguments",
]

# the training score is a diagnostic (train vs validation): 1,000 rows estimate it within a few
# points, and keep it cheap for estimators whose predict is the expensive part (k-NN, SVMs)
TRAIN_SCORE_ROWS = 1000
#: candidates kept from a search's ``cv_results_`` (the journal is not a results store)
MAX_CV_CANDIDATES = 200
_SCORE_NAMES = {"classifier": "accuracy", "regressor": "r2"}
_CLUSTER_SCORE_NAMES = {
    "KMeans": "neg_inertia",
    "MiniBatchKMeans": "neg_inertia",
    "BisectingKMeans": "neg_inertia",
    "GaussianMixture": "log_likelihood",
    "BayesianGaussianMixture": "log_likelihood",
}
_NO_DEFAULT = object()


def bind_fit_arguments(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """``fit``'s arguments by name, following the estimator's own ``fit`` signature."""
    try:
        bound = inspect.signature(model.fit).bind_partial(*args, **kwargs)
        arguments = dict(bound.arguments)
        for name, parameter in inspect.signature(model.fit).parameters.items():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD and name in arguments:
                arguments.update(arguments.pop(name))  # **fit_params, flattened
        return arguments
    except (TypeError, ValueError):
        arguments = dict(zip(("X", "y"), args, strict=False))
        arguments.update(kwargs)
        return arguments


def split_fit_arguments(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> FitData:
    """The data a ``estimator.fit(X, y=None, **fit_params)`` call trains on."""
    arguments = bind_fit_arguments(model, args, kwargs)
    X = arguments.get("X", arguments.get("x", arguments.get("raw_documents")))
    return FitData(
        X=X, y=arguments.get("y", arguments.get("Y")), sample_weight=arguments.get("sample_weight")
    )


def describe_settings(model: Any, fit_kwargs: dict[str, Any], data: FitData) -> dict[str, Any]:
    """The record's ``params`` field for a scikit-learn fit.

    Returns
    -------
    dict
        ``estimator_params`` (``get_params(deep=True)`` as plain JSON, nested estimators by
        class name since their parameters are listed flattened), ``continues_fit`` (a
        ``warm_start`` estimator fitted before: training continues), ``fit_kwargs`` (fit
        parameters other than X and y; arrays as ``{"type", "shape", "dtype",
        "fingerprint"}``) and, for searches, ``cv``, ``scoring``, ``refit``, ``n_candidates``
        and ``search_space`` (``param_grid`` / ``param_distributions``).
    """
    params: dict[str, Any] = {}
    try:
        params["estimator_params"] = to_json_safe(model.get_params(deep=True), estimators="name")
    except Exception:
        params["estimator_params"] = None
    params["continues_fit"] = bool(_warm_start(model) and is_fitted(model))
    data_names = _data_parameter_names(model)
    defaults = _fit_defaults(model)
    # fit(X, y) and fit(X, y, sample_weight=None) train the same model: an argument passed at
    # its default value (or as None) must not make the settings, and so the experiment, differ
    extra = {
        key: value
        for key, value in (fit_kwargs or {}).items()
        if key not in data_names and not _is_default(value, defaults.get(key, _NO_DEFAULT))
    }
    params["fit_kwargs"] = {key: _fit_argument_summary(value) for key, value in extra.items()}
    if _is_search(model):
        params.update(_describe_search(model))
    return params


def _data_parameter_names(model: Any) -> set[str]:
    """The names fit gives to X and y (``raw_documents`` for text vectorizers), and ``*args``."""
    names = {"X", "y", "x", "Y", "*args"}
    try:
        parameters = list(inspect.signature(model.fit).parameters.values())
    except (TypeError, ValueError):
        return names
    positional = [
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return names | set(positional[:2])


def _fit_defaults(model: Any) -> dict[str, Any]:
    """The defaults of ``model.fit``'s keyword parameters (none when it has no signature)."""
    try:
        parameters = inspect.signature(model.fit).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def _is_default(value: Any, default: Any) -> bool:
    """Whether a fit argument changes nothing: None, or equal to its parameter's default.

    Only None and plain scalars are compared: ``==`` on arrays answers elementwise, and a
    ``True`` passed where the default is ``1`` is not the same argument to scikit-learn.
    """
    if value is None or value is default:
        return True
    kind = _scalar_kind(value)
    return kind is not None and kind == _scalar_kind(default) and bool(value == default)


def _scalar_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"  # 1 and 1.0 are the same number to fit
    return "str" if isinstance(value, str) else None


def _fit_argument_summary(value: Any) -> Any:
    """Small values as they are; arrays and long lists (sample weights, groups) as a summary
    with a fingerprint, so a change of their values still changes the settings."""
    if isinstance(value, (list, tuple)) and len(value) > 64:
        return {**summarize_array(value), "length": len(value)}
    if hasattr(value, "shape") and hasattr(value, "dtype") and not callable(value):
        return summarize_array(value)
    return to_json_safe(value, estimators="name")


def _warm_start(model: Any) -> bool:
    try:
        return bool(model.get_params(deep=False).get("warm_start"))
    except Exception:
        return False


def describe_data(data: FitData) -> dict[str, Any]:
    """The record's ``data`` field (see ``data_description.describe_fit_data``)."""
    return describe_fit_data(data)


def collect_results(
    model: Any, result: Any, data: FitData
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``history`` (iteration curves the estimator keeps, e.g. MLP ``loss_curve_``) and final
    ``metrics``: ``train_score`` on at most 1,000 training rows with ``train_score_n`` and
    ``score_name``; ``n_iter``; for searches ``cv_score``, ``best_params`` and ``cv_results``.
    """
    history: dict[str, Any] = {}
    for attribute, key in (
        ("loss_curve_", "loss"),
        ("validation_scores_", "val_score"),
        ("train_score_", "train_loss"),
    ):
        values = getattr(model, attribute, None)
        if values is not None:
            try:
                history[key] = [finite_float(value) for value in list(values)]
            except TypeError:
                pass
    metrics: dict[str, Any] = {}
    metrics.update(_train_score(model, data))
    n_iter = getattr(model, "n_iter_", None)
    if n_iter is not None:
        try:
            import numpy as np

            metrics["n_iter"] = int(np.max(n_iter))
        except Exception:
            pass
    if _is_search(model):
        metrics.update(_search_results(model))
    return history, metrics


def _train_score(model: Any, data: FitData) -> dict[str, Any]:
    score = getattr(model, "score", None)
    if not callable(score) or data.X is None:
        return {}
    try:
        X_sample, y_sample, n_rows = _subsample(data.X, data.y)
        with warnings.catch_warnings():  # kepler's own measurement: its warnings are noise
            warnings.simplefilter("ignore")
            value = score(X_sample) if y_sample is None else score(X_sample, y_sample)
    except Exception:  # clusterers without y, transformers without score, odd inputs
        return {}
    value = finite_float(value)
    if value is None:
        return {}
    return {"train_score": value, "train_score_n": n_rows, "score_name": _score_name(model)}


def _subsample(X: Any, y: Any) -> tuple[Any, Any, int]:
    """At most ``TRAIN_SCORE_ROWS`` random rows of X and y (new objects; the data is untouched)."""
    import numpy as np

    n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
    if n_rows <= TRAIN_SCORE_ROWS:
        return X, y, n_rows
    # a private generator: the user's global random state must not move
    rows = np.sort(np.random.default_rng(0).choice(n_rows, TRAIN_SCORE_ROWS, replace=False))
    return _take(X, rows), (None if y is None else _take(y, rows)), TRAIN_SCORE_ROWS


def _take(values: Any, rows: Any) -> Any:
    if hasattr(values, "iloc"):
        return values.iloc[rows]
    if hasattr(values, "tocsr") and getattr(values, "format", None) not in ("csr", "csc"):
        return values.tocsr()[rows]
    if isinstance(values, (list, tuple)):
        return [values[row] for row in rows]
    return values[rows]


def _score_name(model: Any) -> str:
    scoring = getattr(model, "scoring", None) if _is_search(model) else None
    if isinstance(scoring, str):
        return scoring
    estimator = model
    if _is_search(model):
        estimator = getattr(model, "best_estimator_", None) or getattr(model, "estimator", None)
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    name = _CLUSTER_SCORE_NAMES.get(type(final).__name__)
    return name or _SCORE_NAMES.get(estimator_type(model) or "", "score")


def _is_search(model: Any) -> bool:
    try:
        from sklearn.model_selection._search import BaseSearchCV
    except Exception:  # a future scikit-learn that moved it: recognise searches by shape
        return hasattr(model, "cv") and hasattr(model, "estimator") and hasattr(model, "refit")
    return isinstance(model, BaseSearchCV)


def _describe_search(model: Any) -> dict[str, Any]:
    space = getattr(model, "param_grid", None)
    if space is None:
        space = getattr(model, "param_distributions", None)
    n_candidates = getattr(model, "n_iter", None)
    if hasattr(model, "param_grid"):
        try:
            from sklearn.model_selection import ParameterGrid

            n_candidates = len(ParameterGrid(model.param_grid))
        except Exception:
            n_candidates = None
    scoring = model.scoring
    return {
        "cv": to_json_safe(model.cv),
        "scoring": scoring if isinstance(scoring, (str, type(None))) else to_json_safe(scoring),
        "refit": to_json_safe(model.refit),
        "n_candidates": n_candidates,
        "search_space": to_json_safe(space),
    }


def _search_results(model: Any) -> dict[str, Any]:
    results: dict[str, Any] = {}
    if hasattr(model, "best_score_"):
        results["cv_score"] = finite_float(model.best_score_)
    if hasattr(model, "best_params_"):
        results["best_params"] = to_json_safe(model.best_params_, estimators="name")
    cv_results = getattr(model, "cv_results_", None)
    if isinstance(cv_results, dict):
        keys = [
            key
            for key in cv_results
            if key == "params" or key.startswith(("mean_test_", "std_test_", "rank_test_"))
        ]
        summary: dict[str, Any] = {}
        for key in keys:
            values = list(cv_results[key])[:MAX_CV_CANDIDATES]
            if key == "params":
                summary[key] = to_json_safe(values, estimators="name")
            elif key.startswith("rank_"):
                summary[key] = [int(value) for value in values]
            else:
                summary[key] = [finite_float(value) for value in values]
        summary["n_candidates"] = len(cv_results.get("params", []))
        results["cv_results"] = summary
    n_splits = getattr(model, "n_splits_", None)
    if n_splits is not None:
        results["n_splits"] = int(n_splits)
    return results
