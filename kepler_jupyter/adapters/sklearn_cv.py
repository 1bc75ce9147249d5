"""Cross-validation as one experiment: ``cross_validate`` / ``cross_val_score`` /
``learning_curve`` in a cell.

Each fold fits a clone of the estimator; journaling every fold would give one experiment per
fold with nothing to tell them apart. kepler journals the whole cross-validation instead: the
estimator and data as for a fit, the cross-validation settings, and the folds' scores (for a
learning curve, the mean scores per training-set size as its history).
"""

from __future__ import annotations

from typing import Any

from kepler_jupyter.adapters.json_safe import finite_float, to_json_safe

#: where scikit-learn defines cross_validate (cross_val_score calls it through this module)
CROSS_VALIDATE_MODULE = "sklearn.model_selection._validation"
#: the function every fold of cross_validate, learning_curve, ... is fitted in
FOLD_FUNCTION = "_fit_and_score"
_SETTINGS = ("cv", "scoring", "return_train_score", "error_score")
#: experiment kinds of the functions kepler journals, and how a record's name shows them
KINDS = {"cross_validation": "cross-validation", "learning_curve": "learning curve"}
_FUNCTION_KINDS = {"cross_validate": "cross_validation", "learning_curve": "learning_curve"}


def experiment_kind(function: Any) -> str:
    """``"cross_validation"`` for scikit-learn's ``cross_validate``, ``"learning_curve"`` for
    its ``learning_curve``, else ``"fit"`` (any estimator method)."""
    if getattr(function, "__module__", None) != CROSS_VALIDATE_MODULE:
        return "fit"
    return _FUNCTION_KINDS.get(getattr(function, "__name__", ""), "fit")


def is_cross_validation(function: Any) -> bool:
    """Whether ``function`` is scikit-learn's ``cross_validate``."""
    return experiment_kind(function) == "cross_validation"


def fit_arguments(named: dict[str, Any]) -> dict[str, Any]:
    """The arguments each fold's fit gets: X, y and the ``params`` routed to fit."""
    arguments = {"X": named.get("X"), "y": named.get("y")}
    arguments.update(named.get("params") or named.get("fit_params") or {})
    return arguments


def _describe_cv(cv: Any) -> Any:
    if cv is None or isinstance(cv, int):
        return 5 if cv is None else cv  # scikit-learn's default is 5 folds
    splits = getattr(cv, "get_n_splits", None)
    description: dict[str, Any] = {"class": type(cv).__name__}
    for name in ("n_splits", "shuffle", "random_state", "test_size", "n_repeats"):
        if hasattr(cv, name):
            description[name] = to_json_safe(getattr(cv, name))
    if callable(splits) and "n_splits" not in description:
        try:
            description["n_splits"] = int(splits())
        except Exception:
            pass
    return description


def _describe_scoring(scoring: Any) -> Any:
    if scoring is None or isinstance(scoring, str):
        return scoring
    if isinstance(scoring, (list, tuple, set)):
        return sorted(str(name) for name in scoring)
    if isinstance(scoring, dict):
        return sorted(str(name) for name in scoring)
    return getattr(scoring, "__name__", type(scoring).__name__)


def describe_cross_validation(named: dict[str, Any]) -> dict[str, Any]:
    """The ``params.cross_validation`` field: folds, scoring and how groups were given."""
    settings: dict[str, Any] = {"cv": _describe_cv(named.get("cv"))}
    settings["scoring"] = _describe_scoring(named.get("scoring"))
    settings["grouped"] = named.get("groups") is not None
    for name in (*_SETTINGS[2:], "train_sizes", "shuffle"):
        if name in named:
            settings[name] = to_json_safe(named[name])
    return settings


def collect(kind: str, result: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(history, metrics)`` of a cross-validation or a learning curve from its result."""
    if kind == "learning_curve":
        return collect_learning_curve(result)
    return {}, collect_cross_validation(result)


def collect_learning_curve(result: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """History per training-set size (``train_size``, ``train_score``, ``val_score``: means
    over the folds) and metrics at the largest size (``cv_score``, ``cv_train_score``)."""
    if not isinstance(result, tuple) or len(result) < 3:
        return {}, {}
    sizes, train_scores, test_scores = result[0], result[1], result[2]
    history: dict[str, Any] = {"train_size": [int(size) for size in list(sizes)]}
    for key, scores in (("train_score", train_scores), ("val_score", test_scores)):
        history[key] = [_mean_finite(row) for row in list(scores)]
    metrics: dict[str, Any] = {"n_splits": len(list(test_scores)[0]) if len(test_scores) else 0}
    if history["val_score"]:
        metrics["cv_score"] = history["val_score"][-1]
        metrics["cv_train_score"] = history["train_score"][-1]
    return history, metrics


def _mean_finite(values: Any) -> float | None:
    finite = [score for score in (finite_float(value) for value in list(values)) if score is not None]
    return sum(finite) / len(finite) if finite else None


def collect_cross_validation(result: Any) -> dict[str, Any]:
    """Metrics from ``cross_validate``'s result: ``cv_score`` (mean test score over the folds),
    its spread, the per-fold scores, and every other scorer's mean."""
    if not isinstance(result, dict):
        return {}
    metrics: dict[str, Any] = {}
    for key, values in result.items():
        if not key.startswith(("test_", "train_")):
            continue
        try:
            scores = [finite_float(value) for value in list(values)]
        except TypeError:
            continue
        finite = [score for score in scores if score is not None]
        if not finite:
            continue
        mean = sum(finite) / len(finite)
        name = {"test_score": "cv_score", "train_score": "cv_train_score"}.get(key, f"cv_{key}")
        metrics[name] = mean
        if key == "test_score":
            metrics["cv_score_std"] = (sum((s - mean) ** 2 for s in finite) / len(finite)) ** 0.5
            metrics["cv_fold_scores"] = scores
            metrics["n_splits"] = len(scores)
    return metrics
