"""Writing that survives crashes and never leaves half a write behind."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from kepler_jupyter.journal.errors import JournalError


@dataclass(frozen=True)
class AppendOutcome:
    """Where an append landed: the file's identity and size before, and what was written."""

    identity: tuple[int, int]
    size_before: int
    mtime_before: int
    mtime_after: int
    written: bytes


def append_durably(path: Path, payload: bytes) -> AppendOutcome:
    """Append ``payload`` to ``path`` and fsync; the caller holds the write lock.

    A torn last line left by a killed writer is first ended with a newline, so the payload
    always starts on a line of its own.

    Raises
    ------
    JournalError
        If the file cannot be opened or written; after a failed write the file is cut back to
        its previous size, so it is exactly as before.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as error:
        raise JournalError(_write_failed_message(path, error, restored=True)) from error
    try:
        before = os.fstat(fd)
        if before.st_size and os.pread(fd, 1, before.st_size - 1) != b"\n":
            payload = b"\n" + payload
        try:
            write_all(fd, payload)
            os.fsync(fd)
        except OSError as error:
            restored = _truncate(fd, before.st_size)
            raise JournalError(_write_failed_message(path, error, restored)) from error
        after = os.fstat(fd)
    finally:
        os.close(fd)
    return AppendOutcome(
        identity=(before.st_dev, before.st_ino),
        size_before=before.st_size,
        mtime_before=before.st_mtime_ns,
        mtime_after=after.st_mtime_ns,
        written=payload,
    )


def write_all(fd: int, payload: bytes) -> None:
    """``os.write`` until everything is written (a nearly full disk writes short)."""
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def sync_folder(folder: Path) -> None:
    """fsync a folder so a rename in it survives a power cut (not possible everywhere)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _truncate(fd: int, size: int) -> bool:
    """Cut the file back to ``size`` after a failed write; whether that worked."""
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError:
        return False
    return True


def _write_failed_message(path: Path, error: OSError, restored: bool) -> str:
    reason = error.strerror or str(error)
    state = (
        "The journal is unchanged (nothing was half-written)."
        if restored
        else "kepler could not cut the partial line back off; it will be skipped when reading."
    )
    return (
        f"kepler could not write to its journal {path}: {reason}. {state} Free some disk "
        "space or fix the folder's permissions, then run again; this experiment was not saved."
    )
