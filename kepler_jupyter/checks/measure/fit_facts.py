"""Facts about one fit that several checks need: the estimator's parameters, whether samples or
classes are weighted."""

from __future__ import annotations

from typing import Any

from kepler_jupyter.checks.base import CheckSubject
from kepler_jupyter.models.sklearn_steps import final_estimator_params


def estimator_params(subject: CheckSubject) -> dict[str, Any]:
    """``get_params(deep=False)`` of the final estimator (``final_estimator_params``), read once
    per subject: scikit-learn reads the constructor's signature on each call (a quarter of a
    millisecond) and several checks ask. Read-only: the dict is shared."""
    if "estimator_params" not in subject.cache:
        subject.cache["estimator_params"] = final_estimator_params(subject.model)
    params: dict[str, Any] = subject.cache["estimator_params"]
    return params


def fit_is_weighted(subject: CheckSubject) -> bool:
    """Whether the fit weights samples or classes (the answer to class imbalance)."""
    if subject.sample_weight is not None or subject.fit_kwargs.get("sample_weight") is not None:
        return True
    if subject.fit_kwargs.get("class_weight"):
        return True
    params = estimator_params(subject) if subject.framework == "sklearn" else {}
    return params.get("class_weight") not in (None, {})
