"""K6 results checks: bias (underfitting), variance (overfitting), suspicious validation.

They read the finished fit's ``history`` (Keras, per epoch) or final ``metrics``
(scikit-learn: ``train_score`` / ``val_score`` / ``cv_score``, or ``*_accuracy``). Scores are
put on one scale before judging: accuracy for classifiers, R² for regressors (a Keras MSE loss is
turned into R² with the variance of the training targets). Gap thresholds follow AutoTrainer;
the bias check compares with the project goal (``[goal]`` in the configuration) when there is
one, else with the chance level (the majority-class share, or predicting the mean).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.measure.data_stats import labels, task_of
from kepler_jupyter.models.keras_compile import loss_name
from kepler_jupyter.models.keras_layers import training_only_regularisation
from kepler_jupyter.models.sklearn_steps import final_estimator

_ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy",
                  "binary_accuracy")
_MSE_LOSSES = ("mse", "mean_squared_error", "meansquarederror")
_SKLEARN_KINDS = {"accuracy": "accuracy", "r2": "R²"}


@dataclass
class Scores:
    """Training and validation scores on one scale (higher is better), last value last."""

    kind: str  # "accuracy" or "R²"
    train: list[float]
    validation: list[float]
    chance: float | None
    epochs: int  # 0 for estimators without epochs

    @property
    def final_train(self) -> float | None:
        return self.train[-1] if self.train else None

    @property
    def final_validation(self) -> float | None:
        return self.validation[-1] if self.validation else None


def scores(subject: CheckSubject) -> Scores | None:
    """The fit's scores, computed once per subject; ``None`` when there is nothing to judge."""
    if "scores" not in subject.cache:
        subject.cache["scores"] = _scores(subject)
    return subject.cache["scores"]


def _scores(subject: CheckSubject) -> Scores | None:
    history = subject.record.get("history") or {}
    metrics = subject.record.get("metrics") or {}
    task = task_of(subject)
    coded = labels(subject)
    chance = None
    if coded is not None and coded.task == "classification" and coded.train is not None and len(coded.train):
        counts = coded.counts("train")
        chance = float(counts.max() / counts.sum())
    if subject.framework == "keras":
        if task == "classification":
            key = next((k for k in _ACCURACY_KEYS if history.get(k)), None)
            if key is None:
                return None
            return Scores("accuracy", _floats(history[key]), _floats(history.get(f"val_{key}")),
                          chance, len(history[key]))
        if task == "regression" and loss_name(subject.model).replace(" ", "") in _MSE_LOSSES:
            variance = _target_variance(coded)
            if not variance or not history.get("loss"):
                return None
            as_r2 = [1 - v / variance for v in _floats(history["loss"])]
            val = [1 - v / variance for v in _floats(history.get("val_loss"))]
            return Scores("R²", as_r2, val, 0.0, len(history["loss"]))
        return None
    # scikit-learn scores with the estimator's (or the search's) scorer; judge only the two
    # whose scale is known: accuracy for classifiers, R² for regressors
    score_name = metrics.get("score_name")
    default = "accuracy" if task == "classification" else "r2" if task == "regression" else None
    kind = _SKLEARN_KINDS.get(score_name or default or "")
    train_score = _first(metrics, ("train_accuracy", "train_score", "accuracy", "score"))
    val_score = _first(metrics, ("val_accuracy", "val_score", "validation_score", "cv_score"))
    if val_score is None and _floats(history.get("val_score")):
        val_score = _floats(history.get("val_score"))[-1]  # MLP early stopping's held-out score
    if train_score is None or kind is None:
        return None
    return Scores(kind, [train_score], [] if val_score is None else [val_score],
                  chance if kind == "accuracy" else 0.0, 0)


def _floats(values: Any) -> list[float]:
    out = []
    for value in values or []:
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            out.append(number)
    return out


def _first(metrics: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        values = _floats([metrics.get(key)])
        if values:
            return values[0]
    return None


def _target_variance(coded: Any) -> float | None:
    if coded is None or coded.task != "regression" or coded.train is None:
        return None
    values = coded.train[np.isfinite(coded.train)]
    variance = float(values.var()) if len(values) > 1 else 0.0
    return variance if variance > 0 else None


def project_goal(subject: CheckSubject) -> Any:
    """The project's ``Goal`` from ``[goal]`` in the configuration, or ``None``."""
    table = subject.config.get("goal")
    if not isinstance(table, dict) or not table.get("metric"):
        return None
    try:
        from kepler_jupyter.history.goal import Goal

        return Goal.from_config(table)
    except Exception:  # an unreadable goal is the goal command's business, not a check's
        return None


def _train_value_for_goal(subject: CheckSubject, metric: str) -> tuple[str, float] | None:
    """The training-data counterpart of the goal's metric (``val_accuracy`` → ``accuracy``)."""
    history = subject.record.get("history") or {}
    metrics = subject.record.get("metrics") or {}
    base = metric[4:] if metric.startswith("val_") else metric
    for name in (base, f"train_{base}", "train_score" if base in ("score", "val_score") else ""):
        if not name:
            continue
        values = _floats(history.get(name)) or _floats([metrics.get(name)])
        if values:
            return name, values[-1]
    return None


class Underfitting(Check):
    code = "K601"
    title = "Underfitting: high avoidable bias"
    severity = "warning"
    stage = "results"
    why = ("When the model does poorly even on the data it trained on, more data or "
           "regularisation cannot help: the model lacks capacity, training stopped too early, "
           "or the optimisation is not working.")
    fix = ("Next steps, in order: train longer; tune the learning rate; use a bigger model "
           "(wider or deeper layers, more trees, a less regularised estimator: larger C, smaller "
           "alpha); reduce dropout / weight decay; add better features.")
    defaults = {"min_gain_over_chance": 0.1, "min_epochs": 3, "goal_tolerance": 0.0,
                "still_learning_drop": 0.005}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = scores(subject)
        if found is not None and 0 < found.epochs < self.options["min_epochs"]:
            return
        gap = self._gap_to_goal(subject) or self._gap_to_chance(found)
        if gap is None:
            return
        message, evidence = gap
        falling = _recent_loss_drop(subject.record.get("history") or {})
        if falling is not None and falling >= self.options["still_learning_drop"]:
            # still learning steadily: stopped early rather than stuck, so advice, not alarm
            yield self.finding(
                message + f" The training loss is still falling ({falling:.1%} per epoch lately): "
                "train longer before judging the model.",
                evidence={**evidence, "loss_drop_per_epoch": falling}, severity="info")
            return
        yield self.finding(message, evidence=evidence)

    def _gap_to_goal(self, subject: CheckSubject) -> tuple[str, dict[str, Any]] | None:
        goal = project_goal(subject)
        train = _train_value_for_goal(subject, goal.metric) if goal and goal.target is not None else None
        if train is None:
            return None
        name, value = train
        short = goal.target - value if goal.mode == "max" else value - goal.target
        if short <= self.options["goal_tolerance"]:
            return None
        return (f"training {name} is {value:.4g}, {short:.3g} short of the project goal "
                f"{goal.describe()}: that gap is avoidable bias, before any validation gap.",
                {"metric": name, "train": value, "goal": goal.describe(), "avoidable_bias": short})

    def _gap_to_chance(self, found: Scores | None) -> tuple[str, dict[str, Any]] | None:
        if found is None or found.final_train is None or found.chance is None:
            return None
        chance, value = found.chance, found.final_train
        gain = (value - chance) / (1 - chance) if chance < 1 else 1.0
        if gain >= self.options["min_gain_over_chance"]:
            return None
        baseline = ("always predicting the most frequent class" if found.kind == "accuracy"
                    else "always predicting the mean")
        return (f"final training {found.kind} is {value:.3f}; {baseline} scores {chance:.3f}"
                + (f" (after {found.epochs} epochs)." if found.epochs else "."),
                {"kind": found.kind, "train": value, "chance": chance, "epochs": found.epochs})


def _recent_loss_drop(history: dict[str, Any]) -> float | None:
    """Mean relative decrease of the training loss over the last two epochs."""
    loss = _floats(history.get("loss"))[-3:]
    if len(loss) < 3 or loss[0] <= 0:
        return None
    return (loss[0] - loss[-1]) / loss[0] / 2


def _interpolates_training_data(model: Any) -> bool:
    """Trees and forests fit their training data almost perfectly by design."""
    name = type(final_estimator(model)).__name__
    return any(word in name for word in ("Tree", "Forest", "ExtraTrees"))


class Overfitting(Check):
    code = "K602"
    title = "Overfitting: high variance (training much better than validation)"
    severity = "warning"
    stage = "results"
    why = ("A large gap between training and validation scores means the model learned "
           "particulars of the training samples that do not carry over to new data.")
    fix = ("Next steps: more training data or data augmentation; regularisation (dropout, L2 "
           "weight decay, smaller C / larger alpha, shallower trees); early stopping on the "
           "validation loss; a smaller model.")
    defaults = {"max_gap_low": 0.1, "max_gap_high": 0.07, "high_score": 0.9, "min_epochs": 2}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = scores(subject)
        if found is None or found.final_train is None or found.final_validation is None:
            return
        if 0 < found.epochs < self.options["min_epochs"]:
            return
        if subject.framework == "sklearn" and _interpolates_training_data(subject.model):
            return
        train, val = found.final_train, found.final_validation
        limit = self.options["max_gap_high"] if train > self.options["high_score"] else self.options["max_gap_low"]
        gap = train - val
        if gap < limit:
            return
        yield self.finding(
            f"final training {found.kind} {train:.3f} vs validation {val:.3f}: a gap of "
            f"{gap:.3f} (limit {limit:g} at this level).",
            evidence={"kind": found.kind, "train": train, "validation": val, "gap": gap,
                      "limit": limit, "epochs": found.epochs})


class SuspiciousValidation(Check):
    code = "K603"
    title = "Validation suspiciously better than training"
    severity = "warning"
    stage = "results"
    why = ("A model should not do clearly better on data it never saw: it usually means the "
           "validation set overlaps the training set, is easier (a different distribution), or "
           "the labels leak into the inputs.")
    fix = ("Check for train/validation overlap (K305) and for features derived from the label; "
           "make sure validation comes from the same distribution. Dropout or augmentation "
           "active only in training explains a gap of a point or two, not more.")
    # dropout / noise / augmentation / weight penalties act only in training, so Keras'
    # training score is measured on a handicapped model: a larger lead is expected then
    defaults = {"max_lead": 0.05, "min_epochs": 3, "regularised_lead": 0.15}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = scores(subject)
        if found is None or found.final_train is None or found.final_validation is None:
            return
        if found.epochs and found.epochs < self.options["min_epochs"]:
            return
        train = found.final_train
        if len(found.train) >= 2:
            # Keras reports the training score averaged over the epoch while the weights were
            # still improving; validation is measured at the epoch's end. Allow for that lag.
            train += max(0.0, found.train[-1] - found.train[-2])
        lead = found.final_validation - train
        limit = self.options["max_lead"]
        regularisers = training_only_regularisation(subject.model) \
            if subject.framework == "keras" else []
        if regularisers:
            # each training-only handicap lowers the training score on its own (augmentation
            # and Dropout(0.5) together are the usual image-classifier recipe): allow for up to two
            limit += self.options["regularised_lead"] * min(2, len(regularisers))
        if lead <= limit:
            return
        because = (f" (allowing {limit:.2f} for {', '.join(regularisers[:3])}, active only in "
                   "training)" if regularisers else "")
        yield self.finding(
            f"final validation {found.kind} {found.final_validation:.3f} is {lead:.3f} above "
            f"training ({found.final_train:.3f})"
            + (f" after {found.epochs} epochs" if found.epochs else "") + because + ".",
            evidence={"kind": found.kind, "train": found.final_train,
                      "validation": found.final_validation, "lead": lead, "limit": limit,
                      "training_only_layers": regularisers})


CHECKS = [Underfitting, Overfitting, SuspiciousValidation]
