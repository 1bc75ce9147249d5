"""Judgements on loss curves and probe statistics, as plain functions of numbers.

Each returns ``None`` when all is well, or the message (and for ``judge_probe`` the evidence) of
a finding. Kept free of Keras so the thresholds can be tested on hand-made curves.
"""

from __future__ import annotations

import math
from typing import Any


def chance_level(loss: Any, units: int | None, weighted: bool, resumed: bool) -> float | None:
    """The loss of an untrained classifier predicting uniformly: ln C for a C-class
    cross-entropy, ln 2 for a binary one. ``None`` when the loss is not on the plain
    cross-entropy's scale (sample or class weights, focal loss, label smoothing) or the fit
    resumes an earlier one (``loss`` is a ``models.keras_compile.LossInfo``)."""
    if loss is None or loss.kind not in ("binary_ce", "categorical_ce", "sparse_ce"):
        return None
    if "focal" in loss.name.lower() or loss.label_smoothing or weighted or resumed:
        return None
    if loss.kind == "binary_ce":
        return math.log(2)
    return math.log(units) if units and units > 1 else None


def rising_run(losses: list[float], rising_epochs: int, rising_factor: float,
               **_: Any) -> list[float] | None:
    """The last ``rising_epochs + 1`` losses when each rose over the one before and the last is
    ``rising_factor`` × the best so far; a steadily climbing loss is diverging."""
    tail = losses[-(rising_epochs + 1):]
    if len(tail) < rising_epochs + 1 or min(losses) <= 0:
        return None
    climbing = all(later > earlier for earlier, later in zip(tail, tail[1:], strict=False))
    return tail if climbing and tail[-1] > rising_factor * min(losses) else None


def not_decreasing(losses: list[float], initial_loss: float, epochs: int, min_share: float,
                   min_epochs: int, min_improvement: float, **_: Any) -> str | None:
    """Judged once, after ``max(min_epochs, min_share × epochs)`` epochs: no later epoch beat
    the first epoch's loss by ``min_improvement`` (relative), and the first epoch itself did
    not improve on the very first batch (a model that learned everything in epoch 1 and then
    plateaued is fine)."""
    judge_at = max(min_epochs, math.ceil(min_share * epochs))
    if len(losses) != judge_at or losses[0] <= 0:
        return None
    first, best_later = losses[0], min(losses[1:])
    learned_in_first_epoch = first < (1 - 10 * min_improvement) * initial_loss
    if best_later >= (1 - min_improvement) * first and not learned_in_first_epoch:
        return (f"After {len(losses)} of {epochs} epochs the loss is {losses[-1]:.4g}; it started "
                f"at {initial_loss:.4g} and the best epoch reached {min(losses):.4g} (less than "
                f"{min_improvement:.0%} better than the first epoch).")
    return None


def oscillation(losses: list[float], window: int, min_turns: int, min_swing: float,
                **_: Any) -> str | None:
    """In the last ``window`` epochs the loss reversed direction at least ``min_turns`` times
    between two large moves (each at least ``min_swing`` of the window's mean loss): it
    bounces around instead of settling. Small jitter on a plateau does not count."""
    tail = losses[-window:]
    if len(tail) < window:
        return None
    mean = sum(abs(v) for v in tail) / len(tail)
    if not mean:
        return None
    steps = [later - earlier for earlier, later in zip(tail, tail[1:], strict=False)]
    large = [abs(step) >= min_swing * mean for step in steps]
    turns = sum(1 for i in range(len(steps) - 1)
                if large[i] and large[i + 1] and steps[i] * steps[i + 1] < 0)
    if turns >= min_turns:
        shown = ", ".join(f"{v:.3g}" for v in tail)
        return (f"The loss reversed direction {turns} times in the last {window} epochs "
                f"({shown}), by more than {min_swing:.0%} of its mean each time.")
    return None


def smoothed(values: list[float], window: int) -> list[float]:
    """Moving average over ``window`` epochs (one value per full window)."""
    if window <= 1:
        return list(values)
    return [sum(values[i:i + window]) / window for i in range(len(values) - window + 1)]


def overfitting_start(losses: list[float], val_losses: list[float], patience: int,
                      min_rise: float, window: int = 3, **_: Any) -> str | None:
    """A sustained rise, not one noisy epoch: the validation loss, smoothed over ``window``
    epochs, has stayed above its best for ``patience`` epochs and ends ``min_rise`` (relative)
    above it, while the smoothed training loss kept falling over the same epochs."""
    n = len(val_losses)
    if n != len(losses) or n < window + patience:
        return None
    if not all(math.isfinite(v) for v in [*losses, *val_losses]):
        return None
    val_smooth, train_smooth = smoothed(val_losses, window), smoothed(losses, window)
    best = min(range(len(val_smooth)), key=val_smooth.__getitem__)
    since = len(val_smooth) - 1 - best
    if since < patience or val_smooth[-1] <= (1 + min_rise) * val_smooth[best]:
        return None
    if not train_smooth[-1] < train_smooth[best]:
        return None
    lowest = min(val_losses)
    return (f"Validation loss rose from {lowest:.4g} (epoch {val_losses.index(lowest) + 1}) to "
            f"{val_losses[-1]:.4g} (epoch {n}) and stayed up for {since} epochs (averaged over "
            f"{window}), while the training loss fell to {losses[-1]:.4g}.")


def judge_probe(stats: Any, checks: dict[str, Any], where: str) -> dict[str, tuple]:
    """Findings from one ``ProbeStats``: code -> (message, evidence)."""
    found: dict[str, tuple] = {}
    ratio = stats.grad_ratio
    if "K506" in checks:
        options = checks["K506"].options
        if stats.nonfinite_gradients:
            found["K506"] = (f"Gradients are not finite in {', '.join(stats.nonfinite_gradients)} "
                             f"{where}.", {"layers": stats.nonfinite_gradients})
        elif ratio is not None and ratio > options["max_ratio"]:
            found["K506"] = (
                f"The first layer's gradient norm ({stats.first_layer}: "
                f"{stats.first_grad_norm:.3g}) is {ratio:.0f}× the last layer's "
                f"({stats.last_layer}: {stats.last_grad_norm:.3g}) {where}.",
                {"first_grad_norm": stats.first_grad_norm, "last_grad_norm":
                 stats.last_grad_norm, "ratio": ratio})
        else:
            large = {name: value for name, value in stats.relative_gradients.items()
                     if value > options["max_relative_gradient"]}
            if large:
                shown = ", ".join(f"{n}: {v:.3g}×" for n, v in large.items())
                found["K506"] = (f"Gradient norms dwarf the weights they update ({shown} the "
                                 f"weight norm) {where}.", {"gradient_to_weight": large})
    if "K505" in checks and ratio is not None:
        options = checks["K505"].options
        if ratio < options["max_ratio"] and stats.first_grad_norm < options["max_first_norm"]:
            found["K505"] = (
                f"The first layer's gradient norm ({stats.first_layer}: "
                f"{stats.first_grad_norm:.2e}) is {ratio:.1e} of the last layer's "
                f"({stats.last_layer}: {stats.last_grad_norm:.2e}) {where}.",
                {"first_grad_norm": stats.first_grad_norm, "last_grad_norm":
                 stats.last_grad_norm, "ratio": ratio})
    if "K507" in checks:
        limit = checks["K507"].options["dead_fraction"]
        dead = {name: round(v, 3) for name, v in stats.dead_fraction.items() if v >= limit}
        if dead:
            shown = ", ".join(f"{n}: {v:.0%}" for n, v in dead.items())
            found["K507"] = (f"ReLU units output 0 for every probe sample ({shown} of units) "
                             f"{where}.", {"dead_fraction": dead})
    if "K508" in checks:
        limit = checks["K508"].options["saturated_fraction"]
        saturated = {n: round(v, 3) for n, v in stats.saturated_fraction.items() if v > limit}
        if saturated:
            shown = ", ".join(f"{n}: {v:.0%}" for n, v in saturated.items())
            found["K508"] = (f"Pre-activations beyond ±5 ({shown} of outputs) {where}.",
                             {"saturated_fraction": saturated})
    return found
