"""``kepler_jupyter.watch()``: the interception and journaling of ``%%kepler fit`` as a context
manager, for scripts, the IPython terminal, grids and tests.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kepler_jupyter.run.lifecycle import RunLifecycle, RunObserver
from kepler_jupyter.run.options import DISPLAY_CHOICES, ON_DUPLICATE_CHOICES, RunOptions

if TYPE_CHECKING:
    from kepler_jupyter.display.reporter import Reporter
    from kepler_jupyter.journal import Journal
    from kepler_jupyter.run.context import FitContext

__all__ = ["DISPLAY_CHOICES", "ON_DUPLICATE_CHOICES", "WatchSession", "open_session", "watch"]


class WatchSession(RunObserver):
    """One ``%%kepler fit`` cell or ``watch()`` block: its options, journal and results.

    It is also an observer of its own runs: it keeps the final record of each in ``records``.
    """

    what = "keeping the block's records"

    def __init__(self, options: RunOptions, journal: Journal, reporter: Reporter) -> None:
        self.options = options
        self.journal = journal
        #: shows the runs under the cell, and asks the user when a run must ask
        self.reporter = reporter
        # the final journal record of every fit in the block, in order (see ``records``)
        self._records: list[dict[str, Any]] = []
        #: where the runs of this block announce their events; ``subscribe`` adds a sink
        self.lifecycle = RunLifecycle(run_observers(self))
        #: this block's id, written in each record's ``source.run``: the run table groups the
        #: fits of one cell / block under one parent row (``journal.groups``)
        self.run_id = secrets.token_hex(8)
        self._fits = 0
        #: class names of the preparation steps (scalers, encoders) fitted so far in the block
        self.preparation: list[str] = []
        # id(model) -> (model, record id) of the estimators this block fitted, so that a later
        # clf.score(X_val, y_val) in the block is recorded as the experiment's validation score
        self._fitted: dict[int, tuple[Any, str]] = {}

    @property
    def records(self) -> list[dict[str, Any]]:
        """The final journal record of every fit in the block, in order (a fit's after-fit
        work, ``run.after_fit``, is waited for first)."""
        from kepler_jupyter.run import after_fit

        after_fit.wait()
        return self._records

    @property
    def last(self) -> dict[str, Any] | None:
        """The record of the most recent fit, or None if nothing was fitted."""
        return self.records[-1] if self.records else None

    @property
    def skipped(self) -> bool:
        """Whether a fit in this block was skipped as an already-done experiment."""
        return any(record.get("status") == "skipped" for record in self.records)

    def next_name(self, model: Any) -> str:
        self._fits += 1
        base = self.options.name or type(model).__name__
        return base if self._fits == 1 else f"{base} #{self._fits}"

    def handle_score(self, model: Any, args: tuple, kwargs: dict, result: Any) -> None:
        """A scikit-learn score() after a fit in this block: keep it as the validation score."""
        from kepler_jupyter.run import after_fit

        after_fit.wait()  # the fit's own record, kept when its after-fit work ends
        known = self._fitted.get(id(model))
        if known is None or known[0] is not model:
            return
        from kepler_jupyter.run.stages import validation_score_update

        record = next((r for r in self.records if r.get("id") == known[1]), None)
        if record is None:
            return
        changes = validation_score_update(record, args, kwargs, result)
        if changes:
            record.update(changes)
            self.journal.update(record["id"], changes)

    def handle_fit(self, framework: str, original: Any, model: Any, args: tuple, kwargs: dict) -> Any:
        from kepler_jupyter.run.experiment import run_intercepted_fit

        return run_intercepted_fit(self, framework, original, model, args, kwargs)

    # -- as an observer of its runs ---------------------------------------------------------------
    def _keep(self, record: dict[str, Any]) -> None:
        for index, known in enumerate(self._records):
            if known.get("id") == record.get("id"):
                self._records[index] = dict(record)
                return
        self._records.append(dict(record))

    def on_ended(self, run: FitContext) -> None:
        self._keep(run.record)
        if run.record.get("status") == "completed" and run.framework == "sklearn" and run.kind == "fit":
            self._fitted[id(run.model)] = (run.model, run.record["id"])

    def on_blocked(self, run: FitContext) -> None:
        self._keep(run.record)

    def on_skipped(self, run: FitContext) -> None:
        self._keep(run.record)


def run_observers(session: WatchSession) -> list[RunObserver]:
    """The sinks of every run, in the order they hear each event: the place to add one.

    The journal first (what the others report is saved by then), the events log, the session's
    list of records, then what the user sees under the cell.
    """
    from kepler_jupyter.display.curves_observer import LiveCurves
    from kepler_jupyter.run.events import EventsLog
    from kepler_jupyter.run.journal_writer import JournalWriter

    return [
        JournalWriter(session.journal),
        EventsLog(session.journal.kepler_dir),
        session,
        session.reporter,
        LiveCurves(session.reporter),
    ]


@contextmanager
def open_session(options: RunOptions, project_dir: str | Path | None = None) -> Iterator[WatchSession]:
    """Intercept fits until the block ends, each one a run of a new ``WatchSession``."""
    from kepler_jupyter.display.reporter import Reporter, detect_display_mode
    from kepler_jupyter.journal import Journal

    mode = detect_display_mode() if options.display == "auto" else options.display
    journal = Journal(project_dir)
    reporter = Reporter(mode, project_dir=journal.project_dir)
    session = WatchSession(options, journal, reporter)
    reporter.open()
    try:
        with intercepting(session):
            yield session
    finally:
        _end_of_block(reporter, mode)


def _end_of_block(reporter: Reporter, mode: str) -> None:
    """Close the block's display once its fits' after-fit work (``run/after_fit.py``) is shown.

    Printed text is read in order (a terminal, a script's output): the block ends once its
    fits' reports are printed. In a notebook the block's end waits too (the fits themselves
    returned at once): the cell's output block is closed (its final static fallback sent,
    finding warnings printed again) while the cell is still running, because a display
    message that arrives after the cell has finished is not applied to it (nbclient and
    nbconvert stop reading the cell's messages, and the saved notebook would keep the
    block's first fallback). With no display, nothing waits.
    """
    from kepler_jupyter.run import after_fit

    if mode in ("widget", "text"):
        after_fit.wait()
    reporter.close()


@contextmanager
def intercepting(session: WatchSession) -> Iterator[WatchSession]:
    """Route every training call in the block to ``session``: ``open_session`` once it has made
    its session (a search's detached points make theirs over an in-memory journal)."""
    from kepler_jupyter.run.dispatch import TrainingCalls
    from kepler_jupyter.run.intercept import Interception

    calls = TrainingCalls(session)
    with Interception(calls, on_score=calls.on_score):
        try:
            yield session
        except BaseException as exc:
            calls.close(exc)  # training loops end with the block
            raise
        calls.close()


@contextmanager
def watch(
    name: str | None = None,
    hypothesis: str | None = None,
    tags: Iterable[str] = (),
    *,
    ignore: Iterable[str] = (),
    force: bool = False,
    on_duplicate: str = "warn",
    save: bool = False,
    checks: bool = True,
    project_dir: str | Path | None = None,
    display: str = "auto",
    source: str | None = None,
    notebook_path: str | None = None,
    cell_id: str | None = None,
) -> Iterator[WatchSession]:
    """Journal every Keras / scikit-learn ``fit`` run inside the block as an experiment.

    Parameters
    ----------
    name, hypothesis, tags
        Stored with each experiment (a second fit in the block gets ``name #2``).
    ignore
        Check codes to ignore in this block, e.g. ``["K104", "K303"]``.
    force
        Train even when checks before training found errors.
    on_duplicate
        ``"warn"`` (default: say so, then train), ``"skip"`` (do not train a fit the journal
        already holds) or ``"ask"``.
    save
        Store the trained model beside the journal.
    checks
        Run kepler's checks (on by default).
    project_dir
        The project whose ``.kepler/`` journal is used; default: resolved as documented.
    display
        ``"auto"`` (widgets in a notebook, text elsewhere), ``"widget"``, ``"text"`` or
        ``"none"``.
    source, notebook_path, cell_id
        The code, the notebook and the notebook cell's id the experiments come from, when
        known (kept in ``source``; the panel opens the notebook at that cell).

    Yields
    ------
    WatchSession
        ``session.records`` holds the journal record of each fit once it has ended.

    Examples
    --------
    >>> with kepler_jupyter.watch(name="baseline", hypothesis="a linear model is enough"):
    ...     clf.fit(X_train, y_train)  # doctest: +SKIP
    """
    # one RunOptions from the arguments above (every parameter but project_dir is a field of
    # it: tests/test_run_options.py checks that they agree); it validates them
    arguments = dict(locals())
    options = RunOptions(**{name: arguments[name] for name in RunOptions.field_names()})
    with open_session(options, project_dir) as session:
        yield session
