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


@dataclass
class _Plan:
    """What the rewrite keeps of the complete lines read so far."""

    latest: dict[str, bytes]  # id -> its latest readable line, in order of first appearance
    damaged: list[tuple[int, bytes]]  # (line number, line)
    n_lines: int
    changed: bool  # whether the kept lines differ from the lines read


def _plan(content: bytes) -> _Plan:
    """Parse every line of ``content`` (complete lines): a damaged line must be found and set
    aside before the rewrite drops it, superseded versions included."""
    lines = content.split(b"\n")[:-1] if content else []
    latest: dict[str, bytes] = {}
    damaged: list[tuple[int, bytes]] = []
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
                latest[record["id"]] = line
    changed = len(latest) != len(lines) or any(
        kept is not line for kept, line in zip(latest.values(), lines, strict=False))
    return _Plan(latest, damaged, len(lines), changed)


def compact(journal_file: JournalFile, index: Any = None) -> CompactionReport:
    """Rewrite ``journal_file`` keeping the latest version of each live record.

    The long part — reading and parsing every line, writing the new file — happens before
    the write lock is taken, so other kernels keep appending meanwhile. Under the lock only
    the lines appended since are read and copied (as they are, after the compacted ones: the
    last line of an id still wins), then the new file replaces the journal; the lock is held
    for about as long as those few lines take. ``index`` (a ``JournalIndex``) is moved to
    the new file's offsets instead of being rebuilt.

    Raises
    ------
    JournalError
        If the rewrite fails; the journal is then left as it was.
    """
    path = journal_file.path
    folder = path.parent
    temporary = folder / f"{path.name}.compacting-{os.getpid()}"
    try:
        with open(path, "rb") as handle:
            first = os.fstat(handle.fileno())
            content = handle.read()
    except FileNotFoundError:
        return CompactionReport(0, 0, 0, None)
    except OSError as error:
        raise JournalError(f"kepler cannot read its journal {path}: {error}") from error
    content = content[: content.rfind(b"\n") + 1]  # a write in progress is read under the lock
    plan = _plan(content)
    prefix = b"".join(line + b"\n" for line in plan.latest.values())
    # The long write happens before taking the lock (a half-written temporary file is a
    # leftover the next compaction removes; it never replaces the journal).
    written = _write_temporary(temporary, prefix) if plan.changed else False
    try:
        with journal_file.locked():
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                return CompactionReport(0, 0, 0, None)
            identity = (stat.st_dev, stat.st_ino)
            if identity != (first.st_dev, first.st_ino) or stat.st_size < len(content):
                # replaced meanwhile (compacted by another process): plan again, under the lock
                with open(path, "rb") as handle:
                    stat = os.fstat(handle.fileno())
                    content = handle.read()
                content = content[: content.rfind(b"\n") + 1]
                identity = (stat.st_dev, stat.st_ino)
                plan = _plan(content)
                prefix = b"".join(line + b"\n" for line in plan.latest.values())
                written = False
            _remove_leftovers(path, identity, keep=temporary)
            with open(path, "rb") as handle:
                handle.seek(len(content))
                tail = handle.read()
            tail_lines = tail.split(b"\n")
            unterminated = tail_lines.pop()  # under the lock nobody writes: a torn write
            kept_tail, damaged = [], list(plan.damaged)
            for number, line in enumerate(tail_lines, start=plan.n_lines + 1):
                if line.strip() and parse_record_line(line) is None:
                    damaged.append((number, line))
                elif line.strip():
                    kept_tail.append(line)
            if unterminated.strip():
                damaged.append((plan.n_lines + len(tail_lines) + 1, unterminated))
            lines_before = plan.n_lines + len(tail_lines) + (1 if unterminated else 0)
            if not plan.changed and not damaged and len(kept_tail) == len(tail_lines):
                return CompactionReport(lines_before, lines_before, len(plan.latest), None)
            new_tail = b"".join(line + b"\n" for line in kept_tail)
            damaged_file = _save_damaged_lines(journal_file.kepler_dir, damaged) if damaged else None
            if written:
                _write_temporary(temporary, new_tail, append=True)
            else:
                _write_temporary(temporary, prefix + new_tail)
            new_identity = _replace_file(path, identity, temporary)
            new_size = len(prefix) + len(new_tail)
            _move_index(index, identity, stat.st_size, new_identity, plan.latest, prefix, kept_tail)
            journal_file.adopt_compacted((identity, stat.st_size), new_identity, new_size,
                                         (prefix + new_tail)[-64:], len(plan.latest) + len(kept_tail))
    finally:
        temporary.unlink(missing_ok=True)
    if damaged_file is not None:
        warnings.warn(
            f"kepler compacted its journal {path} and set {len(damaged)} unreadable "
            f"line(s) aside in {damaged_file} (line {', '.join(str(n) for n, _ in damaged[:10])}"
            f"{', ...' if len(damaged) > 10 else ''}); every readable record was kept.",
            JournalDamageWarning,
            stacklevel=2,
        )
    records = len(plan.latest) + len({_line_id(line) for line in kept_tail} - plan.latest.keys())
    return CompactionReport(
        lines_before=lines_before,
        lines_after=len(plan.latest) + len(kept_tail),
        records=records,
        damaged_file=damaged_file,
    )


def _line_id(line: bytes) -> str:
    record = parse_record_line(line)
    return "" if record is None else str(record["id"])


def _move_index(index: Any, old_identity: tuple[int, int], old_size: int,
                new_identity: tuple[int, int], latest: dict[str, bytes], prefix: bytes,
                tail_lines: list[bytes]) -> None:
    """Point the index at the new file's lines, if it described the old file exactly."""
    if index is None:
        return
    offsets: dict[str, tuple[int, int]] = {}
    offset = 0
    for record_id, line in latest.items():
        offsets[record_id] = (offset, len(line))
        offset += len(line) + 1
    for line in tail_lines:  # copied as they were: the last line of an id wins
        record = parse_record_line(line)
        if record is not None:
            if is_tombstone(record):
                offsets.pop(record["id"], None)
            else:
                offsets[record["id"]] = (offset, len(line))
        offset += len(line) + 1
    try:
        index.adopt_compaction(old_identity, old_size, new_identity, offsets, offset,
                               len(latest) + len(tail_lines))
    except Exception:  # the index is derived: a failed move means a rebuild later, no loss
        index.invalidate()


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


def _write_temporary(temporary: Path, content: bytes, append: bool = False) -> bool:
    """Write (or add) ``content`` to the compaction's temporary file and fsync it."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    try:
        fd = os.open(temporary, flags, 0o644)
        try:
            _write_and_sync(fd, content)
        finally:
            os.close(fd)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise JournalError(_not_compacted(temporary.parent, error)) from error
    return True


def _replace_file(path: Path, old_identity: tuple[int, int], temporary: Path) -> tuple[int, int]:
    """Atomically replace ``path`` by the written ``temporary``; returns the new (device, inode)."""
    folder = path.parent
    backup = folder / f"{path.name}.before-compaction-{os.getpid()}"
    try:
        new_stat = os.stat(temporary)
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


def _remove_leftovers(path: Path, identity: tuple[int, int], keep: Path | None = None) -> None:
    """Remove what a compaction killed half-way left behind (we hold the lock).

    A temporary file never became the journal; a backup that is a hard link to the current
    journal is only another name for it. A backup of other content is kept: it is no longer
    needed once a replacement succeeded, but deleting data is not compaction's call to make.
    """
    for temporary in path.parent.glob(f"{path.name}.compacting-*"):
        if temporary != keep:
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
