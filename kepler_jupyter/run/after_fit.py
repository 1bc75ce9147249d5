"""The after-fit worker: what a finished fit does once the user has its result.

Reading the outcome (the training score on a sample), the results checks, the record's
summary, the comparison with earlier experiments and the final journal write (its ``fsync``
and index update) change nothing the fit returns, so they run on one background thread while
the user's code goes on: a small fit costs about what it costs without kepler.

Nothing is lost by that:

* jobs run one at a time, in order, from a bounded queue (a caller waits when it is full);
* a new intercepted fit waits for the jobs before it starts (it may train the same model
  object), and so does every journal read in the process (``journal.pending``), so what the
  user or the next fit reads is always the final record;
* the interpreter's exit waits for them (``atexit``: a script that ends right after its fit, an
  IPython terminal or a Jupyter kernel that shuts down), and an interrupt of the main thread
  (Ctrl-C, the notebook's stop button) does not reach the worker;
* each job runs in the context of the code that submitted it, so what it shows (the results
  under the cell, warnings) goes to that cell of the notebook.

The same worker makes a run's first journal write (the running record) and its events-log
line while the fit trains (``run.journal_writer``, ``run.events``): jobs are run in order, so
the final write always follows them.

``KEPLER_AFTER_FIT=inline`` in the environment runs every job before the fit returns instead.
"""

from __future__ import annotations

import atexit
import contextvars
import os
import queue
import threading
import time
from collections.abc import Callable

from kepler_jupyter.journal import pending

#: jobs waiting at most; a fit that finds the queue full waits for a place
QUEUE_SIZE = 8
#: how long the interpreter's exit waits for the jobs (seconds)
EXIT_TIMEOUT = 300.0

Job = Callable[[], None]


def enabled() -> bool:
    """Whether finished fits hand their remaining work to the worker (else it runs inline)."""
    return os.environ.get("KEPLER_AFTER_FIT", "").lower() not in ("inline", "off", "0", "no")


class AfterFitWorker:
    """One daemon thread running submitted jobs in order from a bounded queue."""

    def __init__(self, size: int = QUEUE_SIZE) -> None:
        self._jobs: queue.Queue[tuple[contextvars.Context, Job]] = queue.Queue(size)
        self._thread: threading.Thread | None = None
        self._start_mutex = threading.Lock()

    def submit(self, job: Job) -> None:
        """Run ``job`` on the worker thread, in the caller's context; inline on the worker
        itself (a job that submits) or where no thread can be started."""
        if self.on_worker_thread() or not self._started():
            job()
            return
        self._jobs.put((contextvars.copy_context(), job))

    def on_worker_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job has finished; False if ``timeout`` passed first.
        Returns at once on the worker thread (a job never waits for itself)."""
        if self.on_worker_thread():
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        done = self._jobs.all_tasks_done
        with done:
            while self._jobs.unfinished_tasks:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                done.wait(remaining)
        return True

    @property
    def pending(self) -> int:
        """How many submitted jobs have not finished."""
        return self._jobs.unfinished_tasks

    def _started(self) -> bool:
        with self._start_mutex:
            if self._thread is not None and self._thread.is_alive():
                return True
            try:
                # A daemon thread: the exit waits for the jobs through atexit (below), which
                # runs before daemon threads stop; a non-daemon one would keep a script alive.
                thread = threading.Thread(target=self._run, name="kepler-after-fit", daemon=True)
                thread.start()
            except RuntimeError:  # interpreter shutting down, or no threads left
                return False
            self._thread = thread
            return True

    def _run(self) -> None:
        while True:
            context, job = self._jobs.get()
            try:
                context.run(job)
            except BaseException:  # noqa: S110 - a job guards itself; the worker must go on
                pass
            finally:
                self._jobs.task_done()


_worker = AfterFitWorker()


def defer(job: Job) -> None:
    """Run ``job`` after the fit has returned (or now, with ``KEPLER_AFTER_FIT=inline``)."""
    if not enabled():
        job()
        return
    _worker.submit(job)


def wait(timeout: float | None = None) -> bool:
    """Wait for every deferred job of this process; False if ``timeout`` passed first."""
    return _worker.wait(timeout)


def _wait_at_exit() -> None:
    _worker.wait(EXIT_TIMEOUT)


pending.register(_worker.wait)
atexit.register(_wait_at_exit)
