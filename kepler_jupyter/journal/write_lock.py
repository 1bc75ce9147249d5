"""The inter-process write lock of a journal, re-entrant within one thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from kepler_jupyter.journal.errors import JournalError
from kepler_jupyter.journal.project import ensure_kepler_dir

LOCK_FILE_NAME = "journal.lock"
LOCK_TIMEOUT_S = 30.0
# filelock polls a held lock; its default 50 ms would let one busy writer starve the others
# (it re-takes the lock long before they look again). An append holds it for about a ms.
LOCK_POLL_INTERVAL_S = 0.001


class WriteLock:
    """``.kepler/journal.lock``, held by whoever appends to or rewrites the journal.

    The lock is a file of its own, so it stays valid while compaction replaces journal.jsonl.
    Holding it also holds ``mutex``, the lock of this process's view of the journal.
    """

    def __init__(self, kepler_dir: Path, mutex: threading.RLock) -> None:
        self._kepler_dir = kepler_dir
        self._mutex = mutex
        self._file_lock: FileLock | None = None
        self._depth = 0  # re-entered by update() -> append(): take the file lock once

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock; creates the ``.kepler`` folder first if needed.

        Raises
        ------
        JournalError
            If the folder cannot be created, or another process holds the lock too long.
        """
        with self._mutex:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._acquire()
            self._depth = 1
            try:
                yield
            finally:
                self._depth = 0
                assert self._file_lock is not None
                self._file_lock.release()

    def _acquire(self) -> None:
        try:
            ensure_kepler_dir(self._kepler_dir)
        except OSError as error:
            raise JournalError(
                f"kepler cannot create its journal folder {self._kepler_dir}: {error}. Check "
                "that the project folder is writable, or choose another project with "
                "KEPLER_PROJECT_DIR or %kepler init PATH."
            ) from error
        lock_path = self._kepler_dir / LOCK_FILE_NAME
        if self._file_lock is None:
            self._file_lock = FileLock(str(lock_path))
        try:
            # Module globals read at call time, so tests can shorten them.
            self._file_lock.acquire(timeout=LOCK_TIMEOUT_S, poll_interval=LOCK_POLL_INTERVAL_S)
        except Timeout:
            raise JournalError(
                f"the journal in {self._kepler_dir} has been locked by another process for "
                f"more than {LOCK_TIMEOUT_S:.0f} s. If no other notebook or kepler command is "
                f"writing to it, delete {lock_path} and try again."
            ) from None
        except OSError as error:  # after Timeout, which is an OSError too
            # a read-only folder or a lock file owned by someone else: say so, not Errno 30
            raise JournalError(
                f"kepler cannot take the journal's lock {lock_path} ({error.strerror or error}). "
                "Check that the project folder is writable, or choose another project with "
                "KEPLER_PROJECT_DIR or %kepler init PATH."
            ) from error
