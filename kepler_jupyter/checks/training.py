"""Training-time checks (K5xx) and the Keras callback that runs them during ``fit``.

The checks here are catalogue entries (code, title, severity, why, fix, thresholds); the
``TrainingMonitor`` in ``training_monitor`` does the watching. ``make_training_callbacks(ctx)``
returns the callback kepler appends to the user's ``callbacks=``. Keras is imported only when
the callback is built, i.e. when the user's fit already runs Keras.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from kepler_jupyter.checks.base import Check

if TYPE_CHECKING:
    from kepler_jupyter.run.context import FitContext


class TrainingCheck(Check):
    """A check judged by the training monitor from the fit's logs and probe statistics."""

    stage = "training"
    frameworks = ("keras",)


class NonFiniteLoss(TrainingCheck):
    code = "K501"
    title = "Loss became NaN or infinite"
    severity = "error"
    why = ("Once the loss is NaN / inf every weight update is NaN too: nothing after this step "
           "can be learned. Usual causes: a learning rate far too high, NaN / inf in the data, "
           "log(0) in a custom loss, or unscaled inputs or targets.")
    fix = ("Check the data for NaN / inf, lower the learning rate (÷10), scale inputs and "
           "targets, or add clipnorm=1.0 to the optimizer.")
    defaults = {"stop": True}


class DivergingLoss(TrainingCheck):
    code = "K502"
    title = "Loss is diverging"
    severity = "error"
    why = ("The loss grows instead of shrinking: the updates overshoot (learning rate too high) "
           "or the gradients explode; more epochs only make it worse.")
    fix = "Lower the learning rate (÷10), add gradient clipping (clipnorm=1.0) or normalise inputs."
    defaults = {"stop": True, "factor": 1e3, "rising_epochs": 3, "rising_factor": 2.0}


class LossNotDecreasing(TrainingCheck):
    code = "K503"
    title = "Loss is not decreasing"
    why = ("After a fair share of the epochs the loss is where it started: the model is not "
           "learning (learning rate far too low, frozen or dead layers, labels unrelated to the "
           "inputs, or a loss that does not match the output).")
    fix = ("Try a learning rate 10× higher, check that layers are trainable, check the labels, "
           "and try to overfit a handful of samples first.")
    defaults = {"min_share": 0.3, "min_epochs": 3, "min_improvement": 0.01}


class InitialLossFarFromChance(TrainingCheck):
    code = "K504"
    title = "Initial loss far from chance level"
    why = ("An untrained classifier should predict about uniformly: cross-entropy starts near "
           "ln C for C classes (ln 2 = 0.69 for binary). Far above means exploding initial "
           "outputs (unscaled inputs, bad initialisation); far below means the answer leaks "
           "into the inputs or the loss is wired wrong.")
    fix = ("Far above: normalise the inputs and use the default initialisers. Far below: check "
           "for label leakage and how the loss reads the outputs.")
    defaults = {"high_factor": 3.0, "low_factor": 0.1}


class VanishingGradients(TrainingCheck):
    code = "K505"
    title = "Vanishing gradients"
    why = ("The first layer's gradient is a tiny fraction of the last layer's: early layers "
           "barely learn. Typical with deep sigmoid / tanh stacks or poor initialisation.")
    fix = ("Use ReLU-family activations with he_normal initialisation, add BatchNormalization "
           "or residual connections, or make the network shallower.")
    defaults = {"max_ratio": 1e-3, "max_first_norm": 1e-4}


class ExplodingGradients(TrainingCheck):
    code = "K506"
    title = "Exploding gradients"
    why = ("Gradients are non-finite, or far larger in the first layer than in the last, or far "
           "larger than the weights they update: steps overshoot and training becomes unstable.")
    fix = ("Lower the learning rate, add gradient clipping (clipnorm=1.0), scale the inputs, or "
           "use a fan-in-scaled initialiser and BatchNormalization.")
    defaults = {"max_ratio": 70.0, "max_relative_gradient": 100.0}


class DyingReLU(TrainingCheck):
    code = "K507"
    title = "Dying ReLU units"
    why = ("A ReLU unit whose input is negative for every sample outputs 0 and gets no gradient: "
           "it is dead and may never recover. Many dead units shrink the network's capacity.")
    fix = ("Lower the learning rate, use he_normal initialisation, scale the inputs, or try "
           "LeakyReLU / ELU / GELU.")
    defaults = {"dead_fraction": 0.7}


class SaturatedActivations(TrainingCheck):
    code = "K508"
    title = "Saturated sigmoid / tanh units"
    why = ("Most pre-activations lie beyond ±5, where sigmoid and tanh are flat: their gradients "
           "are nearly 0 and the layer stops learning.")
    fix = ("Normalise the inputs, use a smaller initial weight scale or BatchNormalization, or "
           "switch hidden layers to ReLU.")
    defaults = {"saturated_fraction": 0.5}


class WeightsNotUpdating(TrainingCheck):
    code = "K509"
    title = "Weights are not updating"
    why = ("A layer's kernel did not change over an epoch: its gradient is zero (dead units "
           "upstream, a disconnected layer) or the learning rate is zero.")
    fix = ("Check the learning rate, that the layers are trainable and connected to the loss, "
           "and for dead ReLU units (K507).")
    defaults = {"min_relative_change": 1e-8}


class OscillatingLoss(TrainingCheck):
    code = "K510"
    title = "Loss is oscillating"
    why = ("The loss goes up and down from epoch to epoch by large amounts instead of settling: "
           "the steps overshoot the minimum (learning rate too high, batch too small).")
    fix = "Lower the learning rate or use a schedule that decays it; try a larger batch size."
    defaults = {"window": 6, "min_turns": 3, "min_swing": 0.15}


class OverfittingStarted(TrainingCheck):
    code = "K511"
    title = "Overfitting has started"
    why = ("The validation loss has risen for several epochs while the training loss kept "
           "falling: the model now memorises the training data.")
    fix = ("Stop around the best epoch (keras.callbacks.EarlyStopping(restore_best_weights="
           "True)), add regularisation (dropout, weight decay, augmentation) or more data.")
    # a sustained gap on smoothed curves: single noisy epochs are common on small validation
    # sets and are not overfitting (patience / smoothing as in Keras' EarlyStopping practice)
    defaults = {"patience": 3, "min_rise": 0.02, "window": 3}


class NegativeCrossEntropy(TrainingCheck):
    code = "K512"
    title = "Cross-entropy loss is negative"
    why = ("Cross-entropy cannot be negative for valid labels; a negative value means labels "
           "outside [0, 1] (or not one-hot) are fed to the loss, and the model optimises nonsense.")
    fix = "Check the labels: binary 0 / 1, one-hot rows, or integer ids with a sparse loss."


CHECKS: list[type[Check]] = [
    NonFiniteLoss, DivergingLoss, LossNotDecreasing, InitialLossFarFromChance,
    VanishingGradients, ExplodingGradients, DyingReLU, SaturatedActivations, WeightsNotUpdating,
    OscillatingLoss, OverfittingStarted, NegativeCrossEntropy,
]


def default_training_checks(ignore: list[str] | tuple[str, ...] = ()) -> list[Check]:
    """Every training check with its default thresholds, minus codes / prefixes in ``ignore``."""
    wanted = [code.strip().upper() for code in ignore]
    return [cls() for cls in CHECKS if not any(cls.code.startswith(p) for p in wanted if p)]


def make_training_callbacks(
    ctx: FitContext,
    checks: list[Check] | None = None,
    probe_budget: float = 0.005,
    probe_size: int = 64,
) -> list[Any]:
    """The Keras callbacks that watch one fit: ``[KeplerTrainingMonitor]``, or ``[]``.

    Parameters
    ----------
    ctx : FitContext
        The intercepted fit; findings go to ``ctx.findings`` (and ``ctx.lifecycle``'s ``finding`` event),
        a fatal one sets ``ctx.stop_reason``.
    checks : list of Check, optional
        The enabled training checks, configured with the project's thresholds; by default all
        of them except the codes in ``ctx.options.ignore``.
    probe_budget : float
        Share of the elapsed fit time the gradient / activation statistics may use (they run
        at epoch ends, only while within budget; the first epoch's always runs).
    probe_size : int
        Samples in the stored probe batch.
    """
    if ctx.framework != "keras" or "keras" not in sys.modules:
        return []
    if checks is None:
        checks = default_training_checks(ctx.options.ignore)
    if not checks:
        return []
    from kepler_jupyter.checks.training_monitor import TrainingMonitor, keras_callback

    monitor = TrainingMonitor(ctx, checks, probe_budget=probe_budget, probe_size=probe_size)
    return [keras_callback(monitor)]
