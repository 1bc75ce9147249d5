"""Safe compaction: rewrite the journal with only the latest version of each record.

Nothing is lost on the way: the rewrite happens under the write lock, goes to a temporary file
in the same folder that is fsynced before it atomically replaces the journal, the previous file
stays linked as a backup until the replacement is durable, and lines that cannot be read are
first copied to a ``journal.damaged-<time>.jsonl`` side file.
"""

from __future__ import annotations

import os
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kepler_jupyter.journal.durable_io import sync_folder, write_all
from kepler_jupyter.journal.errors import JournalDamageWarning, JournalError
from kepler_jupyter.journal.lines import gc_paused, is_tombstone, parse_record_line
from kepler_jupyter.journal.logfile import JournalFile


@dataclass(frozen=True)
class CompactionReport:
    """What one compaction did.

    Attributes
    ----------
    lines_before, lines_after : int
        Lines in the journal before and after.
    records : int
        Live records kept.
    damaged_file : pathlib.Path or None
        Side file the unreadable lines were copied to, if there were any.
    """

    lines_before: int
    lines_after: int
    records: int
    damaged_file: Path | None


def compact(journal_file: JournalFile) -> CompactionReport:
    """Rewrite ``journal_file`` keeping the latest version of each live record.

    Raises
    ------
    JournalError
        If the rewrite fails; the journal is then left as it was.
    """
    path = journal_file.path
    with journal_file.locked():
        try:
            with open(path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                content = handle.read()
        except FileNotFoundError:
            return CompactionReport(0, 0, 0, None)
        except OSError as error:
            raise JournalError(f"kepler cannot read its journal {path}: {error}") from error
        _remove_leftovers(path, (stat.st_dev, stat.st_ino))

        lines = content.split(b"\n")
        unterminated = lines.pop()  # b"" when the file ends with a newline
        latest: dict[str, tuple[bytes, dict[str, Any]]] = {}
        damaged: list[tuple[int, bytes]] = []
        # Every line is parsed here, superseded ones too: a damaged line must be found and set
        # aside before the rewrite drops it.
        with gc_paused(len(content)):
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                record = parse_record_line(line)
                if record is None:
                    damaged.append((number, line))
                elif is_tombstone(record):
                    latest.pop(record["id"], None)
                else:
                    latest[record["id"]] = (line, record)
        if unterminated.strip():
            # Under the lock nobody is writing, so this is a write cut short by a crash.
            damaged.append((len(lines) + 1, unterminated))

        new_content = b"".join(line + b"\n" for line, _ in latest.values())
        if new_content == content:
            return CompactionReport(len(lines), len(lines), len(latest), None)
        damaged_file = _save_damaged_lines(journal_file.kepler_dir, damaged) if damaged else None
        new_identity = _replace_file(path, new_content, (stat.st_dev, stat.st_ino))
        journal_file.adopt_compacted(
            {record_id: record for record_id, (_, record) in latest.items()},
            new_identity,
            new_content,
        )
        if damaged_file is not None:
            warnings.warn(
                f"kepler compacted its journal {path} and set {len(damaged)} unreadable "
                f"line(s) aside in {damaged_file} (line {', '.join(str(n) for n, _ in damaged[:10])}"
                f"{', ...' if len(damaged) > 10 else ''}); every readable record was kept.",
                JournalDamageWarning,
                stacklevel=2,
            )
        return CompactionReport(
            lines_before=len(lines) + (1 if unterminated else 0),
            lines_after=len(latest),
            records=len(latest),
            damaged_file=damaged_file,
        )


def _save_damaged_lines(kepler_dir: Path, damaged: list[tuple[int, bytes]]) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    payload = b"".join(line + b"\n" for _, line in damaged)
    for attempt in range(1000):
        suffix = "" if attempt == 0 else f"-{attempt}"
        side_file = kepler_dir / f"journal.damaged-{stamp}{suffix}.jsonl"
        try:
            # O_EXCL: an earlier side file is never overwritten.
            fd = os.open(side_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        except OSError as error:
            raise JournalError(_not_compacted(kepler_dir, error)) from error
        try:
            _write_and_sync(fd, payload)
        except OSError as error:
            raise JournalError(_not_compacted(kepler_dir, error)) from error
        finally:
            os.close(fd)
        sync_folder(kepler_dir)
        return side_file
    raise JournalError(f"kepler could not name a side file for damaged lines in {kepler_dir}")


def _replace_file(path: Path, content: bytes, old_identity: tuple[int, int]) -> tuple[int, int]:
    """Atomically replace ``path`` by ``content``; returns the new file's (device, inode)."""
    folder = path.parent
    temporary = folder / f"{path.name}.compacting-{os.getpid()}"
    backup = folder / f"{path.name}.before-compaction-{os.getpid()}"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_and_sync(fd, content)
            new_stat = os.fstat(fd)
        finally:
            os.close(fd)
        _link_or_copy(path, backup)
        os.replace(temporary, path)
        sync_folder(folder)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        # The backup (if made) is left in place only when the journal itself may be unsafe.
        if _identity_of(path) == old_identity:
            backup.unlink(missing_ok=True)
        raise JournalError(_not_compacted(folder, error)) from error
    # The new file is durable: the backup of the old one is no longer needed.
    backup.unlink(missing_ok=True)
    return (new_stat.st_dev, new_stat.st_ino)


def _remove_leftovers(path: Path, identity: tuple[int, int]) -> None:
    """Remove what a compaction killed half-way left behind (we hold the lock).

    A temporary file never became the journal; a backup that is a hard link to the current
    journal is only another name for it. A backup of other content is kept: it is no longer
    needed once a replacement succeeded, but deleting data is not compaction's call to make.
    """
    for temporary in path.parent.glob(f"{path.name}.compacting-*"):
        temporary.unlink(missing_ok=True)
    for backup in path.parent.glob(f"{path.name}.before-compaction-*"):
        if _identity_of(backup) == identity:
            backup.unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        # Some file systems have no hard links; a full copy is slower but as safe.
        shutil.copy2(source, target)


def _identity_of(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def _write_and_sync(fd: int, payload: bytes) -> None:
    write_all(fd, payload)
    os.fsync(fd)


def _not_compacted(folder: Path, error: OSError) -> str:
    reason = error.strerror or str(error)
    return (
        f"kepler could not compact its journal in {folder}: {reason}. The journal is unchanged "
        "and keeps working; free some disk space and run compact() again."
    )
