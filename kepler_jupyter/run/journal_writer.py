"""``JournalWriter``: the observer that keeps each run's record in the journal.

A run is written when it starts (status ``running``, so that a killed kernel still leaves a
trace), its partial history is saved every few seconds while a Keras fit runs, and the final
record replaces it when the run ends. The first write is made by the after-fit worker
(``run.after_fit``) while the fit trains: encoding the record, the append's ``fsync`` and the
index update cost a few milliseconds (more on a busy disk), as much as the rest of kepler's
work before a small fit. What is written is the record as it was at the start (a JSON copy
taken on the caller's thread), and the run's other writes wait for it. Blocked runs are journaled too (nothing trained, but the
attempt and its findings are part of the project's history); skipped runs are not (the earlier
record is the experiment).

A journal that cannot be written (read-only folder, lock held, full disk) is the user's
situation, not kepler's bug: the writer keeps the reason in ``run.save_error`` (the reporter
says it once, plainly, and the end line says "not saved") and the fit goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kepler_jupyter.run.lifecycle import RunObserver

if TYPE_CHECKING:
    from kepler_jupyter.journal import Journal
    from kepler_jupyter.run.context import FitContext

# save the running record's partial history at most this often (seconds)
PROGRESS_SAVE_INTERVAL = 2.0


class JournalWriter(RunObserver):
    """Writes the record of every run of a session to ``journal``."""

    what = "writing the experiment to the journal"

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        # id of each record written with status "running" (which the end updates in place) ->
        # when its progress was last saved; per run, as training loops of a block overlap
        self._running: dict[str, float] = {}

    def _save(self, run: FitContext, write: Callable[..., Any], *args: Any) -> bool:
        """``write(*args)``; a journal that cannot be written sets ``run.save_error``."""
        from kepler_jupyter.journal import JournalError

        try:
            write(*args)
        except (JournalError, OSError) as exc:
            if run.save_error is None:
                run.save_error = str(exc) if isinstance(exc, JournalError) else (
                    f"{exc.strerror or exc} ({exc.filename or self.journal.kepler_dir})")
            return False
        return True

    def on_started(self, run: FitContext) -> None:
        from kepler_jupyter.journal.record import to_stored
        from kepler_jupyter.run import after_fit

        try:
            # an independent copy: the fit changes the record (its history) while this is written
            snapshot = to_stored(run.record)
        except (TypeError, ValueError):  # cannot be stored: add() says why, here and now
            snapshot = run.record
        after_fit.defer(lambda: self._add_running(run, snapshot))

    def _add_running(self, run: FitContext, snapshot: dict[str, Any]) -> None:
        if self._save(run, self.journal.add, snapshot):
            self._running[snapshot["id"]] = time.monotonic()

    def on_epoch(self, run: FitContext, epoch: int, logs: Mapping[str, float | None]) -> None:
        exp_id = run.record["id"]
        last_saved = self._running.get(exp_id)
        if last_saved is not None and time.monotonic() - last_saved > PROGRESS_SAVE_INTERVAL:
            self._running[exp_id] = time.monotonic()
            progress = {"history": run.record.get("history") or {}}
            if run.kind != "loop":  # a training loop's steps are calls, not epochs
                progress["epochs_done"] = epoch + 1
            # beside the journal (journal/progress.py): not one more journal line every 2 s
            self._save(run, self.journal.save_progress, exp_id, progress)

    def on_ended(self, run: FitContext) -> None:
        from kepler_jupyter.run import after_fit

        after_fit.wait()  # the running record's write (on_started), where this runs inline
        exp_id = run.record["id"]
        if exp_id in self._running:
            saved = self._save(run, self.journal.update, exp_id, run.record)
            del self._running[exp_id]
        else:  # the start could not be written (disk full a moment ago): try the whole record
            saved = self._save(run, self.journal.add, run.record)
        if saved:
            run.save_error = None  # the final version is what counts: it is in the journal

    def on_blocked(self, run: FitContext) -> None:
        self._save(run, self.journal.add, run.record)
