"""The lifecycle of one run (one intercepted fit) and the observers that subscribe to it.

Like Keras callbacks and sacred observers: the run announces what happens to it as named
events, and every sink (the journal, the events log, the watch session's list of records, the
reporter under the cell, the live curves) is one ``RunObserver`` subclass that overrides the
hooks it cares about. A new sink is one class, subscribed in one place
(``kepler_jupyter.run.session.run_observers``, or ``session.lifecycle.subscribe(observer)``
for one ``watch()`` block); the run never calls a sink directly.

Order of the events of one run (``run`` is the ``FitContext``; its ``record`` is the journal
record as far as it is known at that moment)::

    finding*                  pre-fit findings (data, model, settings), as the checks find them
    then exactly one of
      blocked                 errors before training and no --force: nothing trained
                              (kepler then raises FitBlocked to the user)
      skipped                 the journal holds this experiment and on_duplicate is "skip"
      started                 training begins (record status "running")
        (epoch | finding)*    per Keras epoch (a training loop: progress every few seconds);
                              training findings (NaN loss…) as they happen
        finding*              results findings, after the fit
        ended                 status completed, stopped, failed or interrupted

A run whose ``record`` has ``duplicate_of`` set (the same experiment is in the journal) has
``run.previous`` (that earlier record) by the time of ``started`` or ``skipped``.

Observers hear every event in the order they were subscribed. An observer that raises is
isolated: its failure becomes one ``KeplerInternalWarning`` per hook and run, the other
observers still hear the event, and the user's fit goes on untouched.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from kepler_jupyter.warnings import KeplerInternalWarning

if TYPE_CHECKING:
    from kepler_jupyter.checks.base import Finding
    from kepler_jupyter.run.context import FitContext

#: the events of a run, in the order they can happen
EVENTS = ("started", "finding", "epoch", "ended", "blocked", "skipped")
#: the events that end a run (exactly one per run)
TERMINAL_EVENTS = ("ended", "blocked", "skipped")


class RunObserver:
    """Base class of everything that follows runs; every hook does nothing by default.

    Override the hooks you need. Hooks are called on the main thread; they must not change
    ``run.model`` (the user's object) and should treat ``run.record`` as read-only.
    """

    #: what the observer does, in a few words, for the warning when one of its hooks fails
    what: str = ""

    def on_started(self, run: FitContext) -> None:
        """Training is about to begin; ``run.record["status"]`` is ``"running"``."""

    def on_finding(self, run: FitContext, finding: Finding) -> None:
        """A check found something (before, during or after training: ``finding.stage``)."""

    def on_epoch(self, run: FitContext, epoch: int, logs: Mapping[str, float | None]) -> None:
        """A Keras epoch ended (``epoch`` counts from 0); ``run.record["history"]`` includes it.

        In a training loop (``run.kind == "loop"``: train_on_batch / partial_fit calls) it
        marks progress every few seconds instead, ``epoch`` counting calls and ``logs`` empty.
        """

    def on_ended(self, run: FitContext) -> None:
        """The fit returned or raised; the record is final (status, metrics, findings)."""

    def on_blocked(self, run: FitContext) -> None:
        """Errors before training stopped the fit; the record has status ``"blocked"``."""

    def on_skipped(self, run: FitContext) -> None:
        """The same experiment was done before and not trained again (status ``"skipped"``)."""


class RunLifecycle:
    """Emits the events of runs to a list of observers, isolating each observer's failures.

    Parameters
    ----------
    observers : iterable of RunObserver
        The sinks, in the order they hear each event.
    """

    def __init__(self, observers: Iterable[RunObserver] = ()) -> None:
        self.observers: list[RunObserver] = list(observers)
        # (observer, hook) pairs that already warned in the current run: a hook that fails on
        # every epoch is one warning, not one per epoch
        self._warned: set[tuple[int, str]] = set()

    def subscribe(self, observer: RunObserver) -> None:
        """Add ``observer``; it hears the events of runs from now on, after the others."""
        self.observers.append(observer)

    # -- the events -----------------------------------------------------------------------------
    def started(self, run: FitContext) -> None:
        self._emit("on_started", run)

    def finding(self, run: FitContext, finding: Finding) -> None:
        self._emit("on_finding", run, finding)

    def epoch(self, run: FitContext, epoch: int, logs: Mapping[str, float | None]) -> None:
        self._emit("on_epoch", run, epoch, logs)

    def ended(self, run: FitContext) -> None:
        self._emit("on_ended", run)
        self._warned.clear()

    def blocked(self, run: FitContext) -> None:
        self._emit("on_blocked", run)
        self._warned.clear()

    def skipped(self, run: FitContext) -> None:
        self._emit("on_skipped", run)
        self._warned.clear()

    def _emit(self, hook: str, run: FitContext, *details: object) -> None:
        for observer in list(self.observers):
            try:
                getattr(observer, hook)(run, *details)
            except Exception as error:  # one sink's failure must not reach the fit or the others
                key = (id(observer), hook)
                if key in self._warned:
                    continue
                self._warned.add(key)
                what = getattr(observer, "what", "") or type(observer).__name__
                warnings.warn(
                    f"kepler: {what} failed in {hook} "
                    f"({type(error).__name__}: {error}); your fit is not affected.",
                    KeplerInternalWarning,
                    stacklevel=3,
                )
