"""The objects that carry one intercepted fit through kepler's stages.

``RunOptions`` is what the user asked for (from ``%%kepler fit`` flags or ``watch(...)``).
``FitData`` is the data a fit was called with, already split into X, y and validation.
``FitContext`` is everything one intercepted fit call needs; each stage of the pipeline in
``kepler_jupyter.run.experiment`` is a plain function of it, and it is the ``run`` that the
lifecycle's observers (``kepler_jupyter.run.lifecycle``) receive with every event.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kepler_jupyter.run.lifecycle import RunLifecycle
from kepler_jupyter.run.options import RunOptions

if TYPE_CHECKING:
    from kepler_jupyter.checks.base import Finding
    from kepler_jupyter.history.repeats import AfterFit
    from kepler_jupyter.journal import Journal

__all__ = ["FitContext", "FitData", "RunOptions"]


@dataclass
class FitData:
    """The data one fit was called with.

    ``X`` and ``y`` are whatever the user passed (arrays, DataFrames, tf.data datasets,
    generators); ``validation`` is ``(X_val, y_val)`` when the fit was given validation data
    explicitly, and ``validation_split`` the fraction Keras takes from the end of the arrays.
    """

    X: Any = None
    y: Any = None
    validation: tuple[Any, Any] | None = None
    validation_split: float = 0.0
    sample_weight: Any = None
    #: bounded samples of the streams among the arguments (``adapters.streams.StreamSample``),
    #: keyed ``"x"`` / ``"validation_data"``: kepler reads streams only through these
    samples: dict[str, Any] = field(default_factory=dict)


@dataclass
class FitContext:
    """Everything kepler knows about one intercepted fit call.

    Stages read what they need and add to ``record`` (the journal record being built) and
    ``findings``. ``model`` is the user's object: stages must never change it.
    """

    framework: str  # "keras" or "sklearn"
    model: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    options: RunOptions
    data: FitData = field(default_factory=FitData)
    record: dict[str, Any] = field(default_factory=dict)
    #: what the checks found so far (before, during and after training)
    findings: list[Finding] = field(default_factory=list)
    #: extra Keras callbacks kepler adds to this fit (the training monitor, the epoch recorder)
    callbacks: list[Any] = field(default_factory=list)
    #: warnings the user's fit raised (re-shown to the user unchanged; checks read them)
    fit_warnings: list[warnings.WarningMessage] = field(default_factory=list)
    #: what the original fit returned, once it has
    result: Any = None
    #: set by a training-time check that stopped the fit (NaN loss, divergence)
    stop_reason: str | None = None
    #: the journal this run's record goes to (read here: earlier runs, the project folder)
    journal: Journal | None = None
    #: where the run announces its events (started, finding, epoch, ended, blocked, skipped)
    lifecycle: RunLifecycle = field(default_factory=RunLifecycle)
    #: "fit", "cross_validation" (scikit-learn's cross_validate / cross_val_score),
    #: "learning_curve", or "loop" (train_on_batch / partial_fit calls, see run/loops.py)
    kind: str = "fit"
    #: the method the user called: "fit", "fit_transform", "fit_predict", "train_on_batch"...
    entry: str = "fit"
    #: the id of the cell run / ``watch()`` block this fit belongs to (the record's
    #: ``source.run``: the run table groups one block's fits)
    cell_run: str | None = None
    #: the answer of ``git status`` started as training begins (``stages.start_git_read``),
    #: read into ``record["env"]["git"]`` once the fit is over (``stages.record_git_state``)
    git_state: Callable[[], dict[str, Any] | None] | None = None
    #: the earlier record of this very experiment, when the journal holds one
    previous: dict[str, Any] | None = None
    #: what was done about that earlier run: "warn" (trained again) or "skip"
    duplicate_action: str | None = None
    #: why the record could not be saved (read-only folder, lock, full disk); None when saved
    save_error: str | None = None
    #: the after-fit report (what changed, similar experiments, distance to the goal)
    after_fit_report: AfterFit | None = None
    #: stream samples taken before anything else (``adapters.streams.sample_fit_streams``)
    stream_samples: dict[str, Any] = field(default_factory=dict)

    def require_journal(self) -> Journal:
        """The journal, for the stages that read or write beside it (every run of a watch
        session has one; a context built by hand for the checks alone may not)."""
        if self.journal is None:
            raise RuntimeError("this run has no journal")
        return self.journal
