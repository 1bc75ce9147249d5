"""The learning rate judged against the regression target's scale (K107).

K101 judges the learning rate against the optimizer; a rate fine for the optimizer can still be
wrong for the loss. With a squared error the loss grows with the targets' variance and its
gradients with their spread, so unscaled targets (prices, counts, durations) make plain SGD
overshoot and leave Adam, whose steps are about the learning rate whatever the gradient, with
thousands of updates to travel before the outputs even reach the targets' range.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.measure.fit_facts import estimator_params
from kepler_jupyter.checks.settings import learning_rate
from kepler_jupyter.models.keras_compile import loss_info
from kepler_jupyter.models.sklearn_steps import final_estimator

#: Keras loss names (lower-case, no underscores) that are a squared error
_SQUARED = frozenset({"mse", "meansquarederror"})
#: scikit-learn regressors trained by gradient steps on a squared error
_GRADIENT_REGRESSORS = ("MLPRegressor", "SGDRegressor")


def target_std(y: Any) -> float | None:
    """The largest per-output standard deviation of numeric targets, or ``None``."""
    if y is None or isinstance(y, (dict, list, tuple)):
        return None
    try:
        values = np.asarray(y, dtype="float64")
    except (TypeError, ValueError):
        return None
    if values.size < 2:
        return None
    values = values.reshape(len(values), -1)
    with np.errstate(all="ignore"):
        spread = np.nanstd(values, axis=0)
    finite = spread[np.isfinite(spread)]
    return float(finite.max()) if finite.size else None


def _squared_error(subject: CheckSubject) -> bool:
    if subject.framework == "keras":
        info = loss_info(getattr(subject.model, "loss", None))
        return info is not None and info.name.lower().replace("_", "") in _SQUARED
    estimator = final_estimator(subject.model)
    if type(estimator).__name__ not in _GRADIENT_REGRESSORS:
        return False
    return estimator_params(subject).get("loss", "squared_error") == "squared_error"


def _transforms_target(model: Any) -> bool:
    """Whether a TransformedTargetRegressor (or any wrapper with a target transformer) sits
    between the fit and the final estimator."""
    for _ in range(10):  # bounded: wrappers nest a few levels at most
        if getattr(model, "regressor", None) is not None and (
                getattr(model, "transformer", None) is not None
                or getattr(model, "func", None) is not None):
            return True
        if getattr(model, "steps", None):
            model = model.steps[-1][1]
        elif getattr(model, "estimator", None) is not None and hasattr(model, "get_params"):
            model = model.estimator
        else:
            return False
    return False


class TargetScaleLearningRate(Check):
    code = "K107"
    title = "Learning rate not suited to the regression targets' scale"
    severity = "warning"
    stage = "settings"
    why = ("A squared-error loss grows with the square of the targets' scale and its gradients "
           "with their spread: with targets whose std is in the tens or more, SGD steps overshoot "
           "(the loss oscillates or diverges) and Adam's steps, about the learning rate each, "
           "need thousands of updates before the outputs reach the targets' range — the loss "
           "looks stuck. A learning rate that is right for the optimizer is then wrong for the "
           "loss.")
    fix = ("Standardise the targets: y_scaled = (y - y.mean()) / y.std(), and invert it on the "
           "predictions — scikit-learn's TransformedTargetRegressor(regressor=…, "
           "transformer=StandardScaler()) does both; or lower the learning rate in proportion.")
    defaults = {"min_target_std": 10.0}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if not _squared_error(subject) or _transforms_target(subject.model):
            return
        spread = target_std(subject.y)
        if spread is None or spread < self.options["min_target_std"]:
            return
        found = learning_rate(subject)
        rate = f" with {found[0]} learning rate {found[1]:g}" if found else ""
        yield self.finding(
            f"the regression targets have std {spread:.4g} under a squared-error loss{rate}: "
            f"the loss scales with std² ≈ {spread ** 2:.3g}. Standardise y (e.g. "
            "TransformedTargetRegressor with a StandardScaler) or scale it down before the fit.",
            evidence={"target_std": spread, "learning_rate": found[1] if found else None,
                      "optimizer": found[0] if found else None},
        )


CHECKS = [TargetScaleLearningRate]
