"""Facts about one fit that several checks need: whether samples or classes are weighted."""

from __future__ import annotations

from kepler_jupyter.checks.base import CheckSubject
from kepler_jupyter.models.sklearn_steps import final_estimator_params


def fit_is_weighted(subject: CheckSubject) -> bool:
    """Whether the fit weights samples or classes (the answer to class imbalance)."""
    if subject.sample_weight is not None or subject.fit_kwargs.get("sample_weight") is not None:
        return True
    if subject.fit_kwargs.get("class_weight"):
        return True
    params = final_estimator_params(subject.model) if subject.framework == "sklearn" else {}
    return params.get("class_weight") not in (None, {})
