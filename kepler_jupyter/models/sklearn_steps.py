"""The steps of a scikit-learn set-up: pipelines flattened, searches and wrappers opened, the
final estimator and its parameters, the step that handles missing values.

Read through attributes only, so importing this never imports scikit-learn (the catalogue and
``%kepler checks`` load it in kernels that never use scikit-learn).
"""

from __future__ import annotations

from typing import Any


def pipeline_steps(model: Any) -> list[Any]:
    """The estimators a fit runs, in order: pipelines flattened, searches and wrappers opened."""
    for _ in range(10):  # bounded unwrapping of searches and meta-estimators
        inner = getattr(model, "estimator", None)
        if getattr(model, "steps", None) is None and inner is not None and hasattr(model, "get_params"):
            model = inner
        else:
            break
    if getattr(model, "steps", None):
        steps: list[Any] = []
        for _, step in model.steps:
            steps.extend(pipeline_steps(step) if getattr(step, "steps", None) else [step])
        return steps
    return [model]


def final_estimator_params(model: Any) -> dict[str, Any]:
    """The ``get_params(deep=False)`` of a pipeline's or search's final estimator."""
    estimator = final_estimator(model)
    try:
        return dict(estimator.get_params(deep=False))
    except Exception:
        return {}


def final_estimator(model: Any) -> Any:
    """The estimator that does the learning inside pipelines, searches and wrappers."""
    for _ in range(10):  # bounded: wrappers nest a few levels at most
        if getattr(model, "steps", None):
            model = model.steps[-1][1]
        elif getattr(model, "regressor", None) is not None:  # TransformedTargetRegressor
            model = model.regressor
        elif getattr(model, "estimator", None) is not None and hasattr(model, "get_params"):
            model = model.estimator  # searches, OneVsRest, calibration, bagging…
        else:
            return model
    return model


def nan_handler(model: Any, nan_columns: list[str] | None = None) -> str | None:
    """The step of a scikit-learn set-up that deals with NaN inputs (an imputer, or an estimator
    such as HistGradientBoosting that supports missing values), or ``None``.

    Steps are walked in order: an imputer or a NaN-aware final estimator handles them; a step
    that merely lets NaN through (a scaler) passes the question on; any other step fails.
    ``nan_columns`` (the DataFrame columns holding NaN, when known) lets a ColumnTransformer be
    judged on the branches that really receive them: a branch of clean columns is irrelevant,
    and ``remainder="passthrough"`` hands the NaN columns on to the next step.
    """
    steps = pipeline_steps(model)
    for position, step in enumerate(steps):
        name = type(step).__name__
        if "Imputer" in name:
            return name
        branches = _branch_verdict(step, nan_columns)
        if branches == "imputes":
            return f"{name} (its branches impute)"
        if branches == "passes":
            if position == len(steps) - 1:
                return None
            continue
        if not _allows_nan(step):
            return None
        if position == len(steps) - 1:
            return name
    return None


def _branch_verdict(step: Any, nan_columns: list[str] | None) -> str | None:
    """How a ColumnTransformer / FeatureUnion treats NaN: ``"imputes"`` (every branch that
    receives a NaN column imputes or drops it), ``"passes"`` (some hand NaN on unchanged, the
    rest impute), ``"fails"``, or ``None`` for a step without branches."""
    entries = [entry for entry in getattr(step, "transformers", None) or
               getattr(step, "transformer_list", None) or [] if isinstance(entry, tuple)]
    if not entries:
        return None
    known = set(nan_columns) if nan_columns is not None else None
    covered: set[str] = set()
    verdicts = []
    for entry in entries:
        branch = entry[1]
        columns = entry[2] if len(entry) > 2 else None
        names = ([columns] if isinstance(columns, str) else list(columns)
                 if isinstance(columns, (list, tuple)) else None)
        if names is not None and all(isinstance(c, str) for c in names):
            covered.update(names)
            if known is not None and not known & set(names):
                continue  # this branch never sees a NaN
        verdicts.append(_branch_treats_nan(branch))
    remainder = getattr(step, "remainder", "drop")
    if known is not None and known - covered and not isinstance(remainder, str):
        verdicts.append(_branch_treats_nan(remainder))
    elif known is not None and known - covered and remainder == "passthrough":
        verdicts.append("passes")
    elif known is None and remainder == "passthrough":
        verdicts.append("passes")
    if "fails" in verdicts:
        return "fails"
    return "passes" if "passes" in verdicts else "imputes"


def _branch_treats_nan(branch: Any) -> str:
    if isinstance(branch, str):
        return "imputes" if branch == "drop" else "passes"  # "passthrough"
    inner = [s for _, s in getattr(branch, "steps", None) or []] or [branch]
    if any("Imputer" in type(s).__name__ for s in inner):
        return "imputes"
    return "passes" if all(_allows_nan(s) for s in inner) else "fails"


def _allows_nan(step: Any) -> bool:
    try:
        from sklearn.utils import get_tags

        return bool(get_tags(step).input_tags.allow_nan)
    except Exception:  # older scikit-learn or a non-estimator step
        return False
