"""K1 settings checks: learning rate, batch size, epochs and shuffling.

The settings come from the fit's keyword arguments (``batch_size``, ``epochs``, ``shuffle``),
the compiled Keras optimizer, or the scikit-learn estimator's parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.measure.data_stats import n_rows, split_inputs
from kepler_jupyter.checks.measure.fit_facts import estimator_params
from kepler_jupyter.checks.measure.label_order import labels_grouped
from kepler_jupyter.models.sklearn_steps import final_estimator

#: usual learning-rate ranges (low, high) per optimizer family, lower-case class names
LEARNING_RATE_RANGES: dict[str, tuple[float, float]] = {
    "adam": (1e-6, 0.01), "adamw": (1e-6, 0.01), "adamax": (1e-6, 0.01), "nadam": (1e-6, 0.01),
    "rmsprop": (1e-6, 0.01), "lion": (1e-7, 0.01), "lamb": (1e-6, 0.01),
    "sgd": (1e-5, 1.0), "adagrad": (1e-5, 1.0), "adadelta": (1e-5, 10.0), "ftrl": (1e-5, 10.0),
    "adafactor": (1e-6, 1.0),
}
DEFAULT_RANGE = (1e-7, 1.0)
_KERAS_DEFAULT_BATCH = 32
_SHUFFLING_SKLEARN = ("MLPClassifier", "MLPRegressor", "SGDClassifier", "SGDRegressor",
                      "SGDOneClassSVM", "Perceptron", "PassiveAggressiveClassifier",
                      "PassiveAggressiveRegressor")


def learning_rate(subject: CheckSubject) -> tuple[str, float] | None:
    """(optimizer name, initial learning rate) of a Keras model or a scikit-learn MLP / SGD."""
    if subject.framework == "keras":
        optimizer = getattr(subject.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", None) or optimizer  # loss scaling
        if optimizer is None:
            return None
        schedule = getattr(optimizer, "_learning_rate", None)
        initial = getattr(schedule, "initial_learning_rate", None)
        value = _to_float(initial if initial is not None else getattr(optimizer, "learning_rate", None))
        return None if value is None else (type(optimizer).__name__, value)
    estimator = final_estimator(subject.model)
    params = estimator_params(subject)
    name = type(estimator).__name__
    if name.startswith("MLP") and params.get("solver") in ("adam", "sgd"):
        return (params["solver"], float(params.get("learning_rate_init", 0.001)))
    if name.startswith("SGD") and params.get("learning_rate") not in (None, "optimal"):
        return ("sgd", float(params.get("eta0", 0.01)))
    return None


def _to_float(value: Any) -> float | None:
    if value is None:
        return None
    for convert in (float, lambda v: float(v.numpy())):
        try:
            return convert(value)
        except Exception:
            continue
    return None


class LearningRateRange(Check):
    code = "K101"
    title = "Learning rate outside the usual range for the optimizer"
    severity = "warning"
    stage = "settings"
    why = ("Too high a learning rate makes the loss oscillate or diverge to NaN; too low makes "
           "training crawl so the model looks like it cannot learn. Adaptive optimizers (Adam, "
           "RMSprop) work with far smaller rates than plain SGD.")
    fix = ("Start from the optimizer's default (Adam 1e-3, SGD 1e-2 with momentum 0.9) and tune "
           "by factors of 3–10, or run a learning-rate range test.")
    #: thresholds are ``<optimizer>_min`` / ``<optimizer>_max`` for any optimizer name
    open_thresholds = True

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = learning_rate(subject)
        if found is None:
            return
        name, rate = found
        low, high = LEARNING_RATE_RANGES.get(name.lower(), DEFAULT_RANGE)
        low = float(self.options.get(f"{name.lower()}_min", low))
        high = float(self.options.get(f"{name.lower()}_max", high))
        if low <= rate <= high:
            return
        side = "above" if rate > high else "below"
        yield self.finding(
            f"{name} learning rate {rate:g} is {side} the usual range {low:g}–{high:g}.",
            evidence={"optimizer": name, "learning_rate": rate, "low": low, "high": high},
        )


def batch_setting(subject: CheckSubject) -> tuple[int, bool, int] | None:
    """(batch size, whether the user chose it, training rows); ``None`` when not applicable."""
    train = split_inputs(subject).train
    if not train or subject.sampled.get("training") is not None:
        return None  # datasets and generators batch themselves
    n_train = n_rows(train[0][1])
    if subject.framework == "keras":
        chosen = subject.fit_kwargs.get("batch_size")
        if chosen is None:
            return _KERAS_DEFAULT_BATCH, False, n_train
        return int(chosen), True, n_train
    params = estimator_params(subject)
    if type(final_estimator(subject.model)).__name__.startswith("MLP"):
        chosen = params.get("batch_size", "auto")
        if chosen == "auto":
            return min(200, n_train), False, n_train
        return int(chosen), True, n_train
    return None


class SmallBatch(Check):
    code = "K102"
    title = "Batch size very small"
    severity = "warning"
    stage = "settings"
    why = ("Tiny batches give very noisy gradients and make each epoch slow (one step per few "
           "samples); batch-normalisation statistics over a handful of samples are unreliable.")
    fix = "Use a batch size of 16–256 (32 is a good start) and retune the learning rate."
    defaults = {"min_batch_size": 8, "min_samples": 100}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = batch_setting(subject)
        if found is None:
            return
        size, _, n_train = found
        if size < self.options["min_batch_size"] and n_train >= self.options["min_samples"]:
            yield self.finding(
                f"batch_size={size} on {n_train:,} training samples: "
                f"{-(-n_train // size):,} noisy updates per epoch.",
                evidence={"batch_size": size, "n_train": n_train})


class LargeBatch(Check):
    code = "K103"
    title = "Batch size too large for the data"
    severity = "warning"
    stage = "settings"
    why = ("With a batch as large as the data there are only one or two weight updates per "
           "epoch: training needs many more epochs and loses the regularising noise of "
           "mini-batches.")
    fix = "Use a batch size well below the number of training samples (e.g. 32–256)."
    defaults = {"min_samples_for_half": 256}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = batch_setting(subject)
        if found is None or not found[1]:
            return
        size, _, n_train = found
        if n_train == 0:
            return
        if size > n_train:
            message = (f"batch_size={size} is larger than the {n_train:,} training samples: one "
                       "update per epoch, on all of the data.")
        elif size > n_train / 2 and n_train >= self.options["min_samples_for_half"]:
            message = (f"batch_size={size} is more than half of the {n_train:,} training samples: "
                       f"{-(-n_train // size)} updates per epoch.")
        else:
            return
        yield self.finding(message, evidence={"batch_size": size, "n_train": n_train})


class BatchNotPowerOfTwo(Check):
    code = "K104"
    title = "Batch size is not a power of two"
    severity = "info"
    stage = "settings"
    why = ("Powers of two (32, 64, 128) map neatly onto GPU memory and kernels; other sizes "
           "can run slightly slower. On CPUs it rarely matters.")
    fix = "Round the batch size to a nearby power of two, e.g. 32, 64 or 128."

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = batch_setting(subject)
        if found is None or not found[1]:
            return
        size, _, n_train = found
        if size > 0 and size & (size - 1) and size < n_train:
            nearest = 1 << max(size.bit_length() - 1, 0)
            if size - nearest > nearest * 2 - size:
                nearest *= 2
            yield self.finding(f"batch_size={size}; the nearest power of two is {nearest}.",
                               evidence={"batch_size": size, "nearest": nearest})


class FewEpochs(Check):
    code = "K105"
    title = "Too few epochs to judge the training"
    severity = "info"
    stage = "settings"
    frameworks = ("keras",)
    why = ("A single epoch gives one point per curve: no trend, no sign of over- or "
           "under-fitting, and kepler's results diagnosis has nothing to compare.")
    fix = ("Train for several epochs (with `keras.callbacks.EarlyStopping(restore_best_weights=True)` "
           "to stop when validation stops improving).")
    defaults = {"min_epochs": 2}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        epochs = int(subject.fit_kwargs.get("epochs", 1) or 1) - int(subject.fit_kwargs.get("initial_epoch", 0) or 0)
        has_validation = bool(subject.validation or subject.validation_split)
        if has_validation and 0 < epochs < self.options["min_epochs"]:
            yield self.finding(f"epochs={epochs} with validation data: one point per curve.",
                               evidence={"epochs": epochs})


class UnshuffledOrderedData(Check):
    code = "K106"
    title = "Label-ordered data trained without shuffling"
    severity = "warning"
    stage = "settings"
    why = ("With shuffling off and the data sorted or grouped by label, every batch holds one "
           "class: the model chases one class after another and forgets the previous ones.")
    fix = "Leave `shuffle=True` (the default), or shuffle the arrays once before the fit."
    defaults = {"min_order": 0.5}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if subject.framework == "keras":
            if subject.fit_kwargs.get("shuffle", True) is not False or _stateful(subject.model):
                return  # stateful RNNs need the order; there shuffle=False is right
            setting = "shuffle=False"
        else:
            estimator = final_estimator(subject.model)
            if type(estimator).__name__ not in _SHUFFLING_SKLEARN:
                return
            if estimator_params(subject).get("shuffle", True) is not False:
                return
            setting = f"{type(estimator).__name__}(shuffle=False)"
        order = labels_grouped(subject, self.options["min_order"])
        if order is not None:
            yield self.finding(
                f"{setting}, and the training labels are {order:.0%} grouped (far fewer label "
                "changes between neighbouring samples than in a random order).",
                evidence={"order": order, "setting": setting})


def _stateful(model: Any) -> bool:
    return any(getattr(layer, "stateful", False) for layer in getattr(model, "layers", None) or [])


CHECKS = [LearningRateRange, SmallBatch, LargeBatch, BatchNotPowerOfTwo, FewEpochs,
          UnshuffledOrderedData]
