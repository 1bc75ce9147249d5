"""Optuna's pruners on Keras points: hopeless trials stop early and are journaled ``stopped``.

After each epoch the trial reports the search's metric (the project goal's, else the first of
``history.goal.DEFAULT_METRICS`` the epoch logs) to Optuna; when the study's pruner says the
trial cannot catch up, training stops (``model.stop_training``, as Keras' own early stopping
does) and the point's record becomes ``stopped`` with the pruner's reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from kepler_jupyter.history.goal import DEFAULT_METRICS, Goal, lower_is_better


def epoch_metric(goal: Goal | None, logs: dict[str, Any]) -> tuple[str, float, bool] | None:
    """``(metric, value, higher_is_better)`` of an epoch's logs for the search."""
    names = [goal.metric] if goal is not None else list(DEFAULT_METRICS)
    for name in names:
        value = logs.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            higher = goal.mode == "max" if goal is not None else not lower_is_better(name)
            return name, float(value), higher
    return None


def pruning_hook(trial: Any, pruner: Any, goal: Callable[[], Goal | None]) -> Callable[[int, dict[str, Any]], str | None]:
    """``on_epoch(epoch, logs)`` reporting to ``trial``; returns why to stop, or None."""

    def on_epoch(epoch: int, logs: dict[str, Any]) -> str | None:
        found = epoch_metric(goal(), logs)
        if found is None:
            return None
        name, value, higher = found
        trial.report(value if higher else -value, epoch)
        if not trial.should_prune():
            return None
        return (f"pruned by Optuna's {type(pruner).__name__} after epoch {epoch + 1}: "
                f"{name} {value:.4g} is behind the earlier trials at this epoch")

    return on_epoch


def pruning_callback(on_epoch: Callable[[int, dict[str, Any]], str | None], reasons: list[str]) -> Any:
    """A Keras callback that asks ``on_epoch`` after each epoch and stops training on a reason."""
    import keras

    class PruningCallback(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            reason = on_epoch(epoch, dict(logs or {}))
            if reason and not reasons:
                reasons.append(reason)
                self.model.stop_training = True

    return PruningCallback()
