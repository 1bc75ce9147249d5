"""The Keras callback kepler adds to a fit to follow it epoch by epoch.

kepler must not import Keras unless the user's code did, so the callback class is built on
first use by ``make_epoch_recorder`` rather than at import time.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from kepler_jupyter.warnings import KeplerInternalWarning

EpochFunction = Callable[[int, dict[str, float | None]], Any]

_recorder_class: type | None = None


def make_epoch_recorder(on_epoch: EpochFunction) -> Any:
    """A ``keras.callbacks.Callback`` that calls ``on_epoch(epoch, logs)`` after each epoch.

    Parameters
    ----------
    on_epoch
        Called with the 0-based epoch number and that epoch's logs as plain Python floats
        (NaN and infinity kept as they are, so monitors can see them; None for a value that
        is not a number). Used to save the
        partial history and draw live curves.

    Returns
    -------
    KeplerEpochRecorder
        Its ``history`` attribute holds the epochs seen so far (``{metric: [float | None]}``,
        NaN stored as None), readable even when the fit is interrupted. Errors raised by
        ``on_epoch`` or by the recorder become a ``KeplerInternalWarning``; training goes on.
    """
    return _get_recorder_class()(on_epoch)


def _get_recorder_class() -> type:
    global _recorder_class
    if _recorder_class is None:
        import keras

        class KeplerEpochRecorder(keras.callbacks.Callback):
            """Records each epoch's logs and hands them to kepler (see ``make_epoch_recorder``)."""

            def __init__(self, on_epoch: EpochFunction) -> None:
                super().__init__()
                self.on_epoch = on_epoch
                self.history: dict[str, list[float | None]] = {}
                self.epochs: list[int] = []
                self._warned = False

            def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
                try:
                    plain_logs = {str(key): _to_float(value) for key, value in (logs or {}).items()}
                    self.epochs.append(int(epoch))
                    for key, value in plain_logs.items():
                        column = self.history.setdefault(key, [None] * (len(self.epochs) - 1))
                        column.append(value if value is not None and math.isfinite(value) else None)
                    for (
                        key,
                        column,
                    ) in self.history.items():  # e.g. val_* skipped by validation_freq
                        if key not in plain_logs:
                            column.append(None)
                    self.on_epoch(int(epoch), plain_logs)
                except Exception as error:  # never let kepler's bookkeeping stop training
                    if not self._warned:  # once per fit: an error each epoch would flood the cell
                        self._warned = True
                        warnings.warn(
                            KeplerInternalWarning(
                                f"kepler could not record epoch {epoch}: {type(error).__name__}: {error}"
                            ),
                            stacklevel=2,
                        )

        _recorder_class = KeplerEpochRecorder
    return _recorder_class


def _to_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        try:  # one-element arrays and tensors
            import numpy as np

            return float(np.asarray(value).reshape(-1)[0])
        except Exception:
            return None
