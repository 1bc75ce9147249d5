"""This process's view of ``.kepler/journal.jsonl``, kept current by incremental reads.

Writers append one line per record version (see ``lines``) under an inter-process lock and
fsync, so two kernels logging at once or a killed kernel lose nothing. Readers take no lock:
they remember how far they read and parse only the new tail next time; a file replaced by
compaction in another process is noticed and read again from the start. Latest versions are
parsed when first needed, and listings can be served from the small fields alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kepler_jupyter.journal.damage import report_damaged_lines
from kepler_jupyter.journal.doc_ids import DocIds
from kepler_jupyter.journal.durable_io import append_durably
from kepler_jupyter.journal.errors import JournalError
from kepler_jupyter.journal.lines import (
    encode_line,
    gc_paused,
    is_tombstone,
    parse_head,
    parse_record_line,
    parse_tail_fields,
    scan_chunk,
)
from kepler_jupyter.journal.write_lock import WriteLock

JOURNAL_FILE_NAME = "journal.jsonl"
# Compact on write once the file has more lines than this and over twice as many as records.
AUTO_COMPACT_MIN_LINES = 1000

# Bytes kept from just before the read offset, to notice a file that was replaced by another
# one of at least the same size (compaction in another process) even if the inode is reused.
_TAIL_SIGNATURE_BYTES = 64

class JournalFile:
    """This process's view of one ``journal.jsonl``, shared by every Journal opened on it.

    Records are handed out as the view's own dicts, which are never changed in place (a new
    version replaces the dict); callers copy what they give away.

    Attributes
    ----------
    doc_ids : dict[str, int]
        A stable integer per record id (order of first appearance), TinyDB's document id.
    n_lines : int
        Lines in the current file (all versions, tombstones and damaged lines included).
    damaged : dict[int, bytes]
        Line number -> raw bytes of lines found unreadable so far.
    version : int
        Increases whenever the records change, for callers that cache derived views.
    """

    def __init__(self, kepler_dir: Path) -> None:
        self.kepler_dir = kepler_dir
        self.path = kepler_dir / JOURNAL_FILE_NAME
        self.mutex = threading.RLock()
        self._write_lock = WriteLock(kepler_dir, self.mutex)
        # Live records by id, in order of first appearance: the parsed latest version, or the
        # raw latest line until someone needs it parsed.
        self._entries: dict[str, dict[str, Any] | bytes] = {}
        self._raw_line_numbers: dict[str, int] = {}
        self._heads: dict[str, dict[str, Any]] = {}  # small fields of raw entries, parsed
        self._doc_ids = DocIds()
        self.n_lines = 0
        self.damaged: dict[int, bytes] = {}
        self.version = 0
        self._sorted_ids: list[str] = []
        self._sorted_version = -1
        self._identity: tuple[int, int] | None = None
        self._offset = 0  # bytes consumed: always the end of a complete line
        self._seen_size = -1  # file size at the last look, torn tail included
        self._seen_mtime = -1  # with the size, tells an in-place rewrite from no change
        self._tail = b""
        # Called under the write lock after each append with (identity, size before, size
        # after, [(record, offset, length)]): how the index beside the journal stays current.
        self.append_observer: Callable[
            [tuple[int, int], int, int, list[tuple[dict[str, Any], int, int]]], None] | None = None

    def locked(self) -> Any:
        """Context manager holding the inter-process write lock (and this view's mutex)."""
        return self._write_lock.held()

    # ----------------------------------------------------------------- records
    @property
    def loaded(self) -> bool:
        """Whether this view has read the file that is currently on disk at least once."""
        return self._identity is not None

    def __contains__(self, record_id: str) -> bool:
        return record_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def ids(self) -> list[str]:
        """Ids of the live records, in order of first appearance."""
        with self.mutex:
            return list(self._entries)

    def record(self, record_id: str) -> dict[str, Any] | None:
        """The latest version of a record (the view's own dict), or ``None``."""
        with self.mutex:
            entry = self._entries.get(record_id)
            if entry is None or isinstance(entry, dict):
                return entry
            record = parse_record_line(entry)
            if record is None or record["id"] != record_id:
                self._recover_from_damaged_line(record_id)
                return self.record(record_id)
            self._set_entry(record_id, record)
            return record

    def all_records(self) -> dict[str, dict[str, Any]]:
        """Every live record by id (the view's own dict: do not modify), all parsed."""
        with self.mutex:
            raw = [(record_id, entry) for record_id, entry in self._entries.items()
                   if not isinstance(entry, dict)]
            if raw:
                with gc_paused(sum(len(entry) for _, entry in raw)):
                    for record_id, _ in raw:
                        self.record(record_id)
            return self._entries  # type: ignore[return-value]  # every entry is parsed now

    def fields(self, record_id: str, names: set[str]) -> dict[str, Any]:
        """The top-level fields ``names`` of a record (those it has), parsing only those."""
        with self.mutex:
            entry = self._entries.get(record_id)
            if entry is None:
                return {}
            if isinstance(entry, dict):
                return {name: entry[name] for name in names if name in entry}
            head = self._heads.get(record_id)
            if head is None:
                head = parse_head(entry)
                if head is None or head["id"] != record_id:
                    return self._fields_of_full_record(record_id, names)
                self._heads[record_id] = head
            found = {name: head[name] for name in names if name in head}
            missing = names - head.keys()
            if missing:
                tail = parse_tail_fields(entry, missing)
                if tail is None:
                    return self._fields_of_full_record(record_id, names)
                found.update(tail)
            return found

    def _fields_of_full_record(self, record_id: str, names: set[str]) -> dict[str, Any]:
        record = self.record(record_id) or {}
        return {name: record[name] for name in names if name in record}

    def sorted_ids(self) -> list[str]:
        """Live ids sorted by ``created`` (then first appearance); cached until a change.

        Do not modify the list.
        """
        with self.mutex:
            while self._sorted_version != self.version:
                version = self.version
                keys = {}
                for record_id, entry in list(self._entries.items()):
                    if isinstance(entry, dict):
                        created = entry.get("created")
                    else:
                        created = self.fields(record_id, {"created"}).get("created")
                    if self.version != version:
                        break  # a damaged line made the view read the file again: start over
                    keys[record_id] = (
                        created if isinstance(created, str) else "",
                        self.doc_ids[record_id],
                    )
                else:
                    self._sorted_ids = sorted(keys, key=keys.__getitem__)
                    self._sorted_version = version
            return self._sorted_ids

    def _set_entry(self, record_id: str, entry: dict[str, Any] | bytes) -> None:
        self._doc_ids.ensure(record_id)
        self._entries[record_id] = entry
        self._heads.pop(record_id, None)
        if isinstance(entry, dict):
            self._raw_line_numbers.pop(record_id, None)

    def _forget(self, record_id: str) -> None:
        self._entries.pop(record_id, None)
        self._heads.pop(record_id, None)
        self._raw_line_numbers.pop(record_id, None)
        self._doc_ids.forget(record_id)

    @property
    def doc_ids(self) -> dict[str, int]:
        """Record id -> TinyDB document id (stable within this process); do not modify."""
        return self._doc_ids.by_record

    @property
    def ids_by_doc(self) -> dict[int, str]:
        """TinyDB document id -> record id; do not modify."""
        return self._doc_ids.by_doc

    def bind_doc_id(self, record_id: str, doc_id: int) -> int:
        """Give a record TinyDB is inserting the document id TinyDB chose for it."""
        with self.mutex:
            return self._doc_ids.bind(record_id, doc_id)

    def reserve_doc_id(self) -> int:
        """A document id no record of this process's view uses or will be given."""
        with self.mutex:
            return self._doc_ids.reserve()

    # ----------------------------------------------------------------- reading
    def refresh(self) -> None:
        """Bring the view up to date with the file: look only at lines not seen yet."""
        with self.mutex:
            try:
                stat = os.stat(self.path)
            except FileNotFoundError:
                if self._identity is not None or self._entries:
                    self._start_over()
                    self.version += 1
                return
            except OSError as error:
                raise JournalError(f"kepler cannot read its journal {self.path}: {error}") from error
            identity = (stat.st_dev, stat.st_ino)
            if (
                identity == self._identity
                and stat.st_size == self._seen_size
                and stat.st_mtime_ns == self._seen_mtime
            ):
                return
            replaced = identity != self._identity or stat.st_size < self._offset
            self._read(from_scratch=replaced)

    def _start_over(self) -> None:
        self._doc_ids.retire_all()
        self._entries, self._heads, self._raw_line_numbers = {}, {}, {}
        self.n_lines = 0
        self.damaged = {}
        self._identity = None
        self._offset = 0
        self._seen_size = self._seen_mtime = -1
        self._tail = b""

    def _read(self, from_scratch: bool, parse_all: bool = False) -> None:
        try:
            with open(self.path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                identity = (stat.st_dev, stat.st_ino)
                if not from_scratch and identity == self._identity:
                    handle.seek(self._offset - len(self._tail))
                    if handle.read(len(self._tail)) != self._tail:
                        from_scratch = True  # same inode and size, other content: replaced
                else:
                    from_scratch = True
                if from_scratch:
                    handle.seek(0)
                data = handle.read()
        except FileNotFoundError:
            self._start_over()
            self.version += 1
            return
        except OSError as error:
            raise JournalError(f"kepler cannot read its journal {self.path}: {error}") from error
        if from_scratch:
            self._start_over()
        self._identity = identity
        base = 0 if from_scratch else self._offset
        self._seen_size = base + len(data)
        self._seen_mtime = stat.st_mtime_ns
        # A last line without its newline is a write in progress or one cut short by a crash:
        # leave it unread; it is read once complete, or reported once a later append ends it.
        complete_end = data.rfind(b"\n") + 1
        if complete_end == 0:
            return
        chunk = data[:complete_end]
        self._ingest(chunk, first_line_number=self.n_lines + 1, parse_all=parse_all)
        self._offset = base + complete_end
        self._tail = (self._tail + chunk)[-_TAIL_SIGNATURE_BYTES:]

    def _ingest(self, chunk: bytes, first_line_number: int, parse_all: bool) -> None:
        scan = scan_chunk(chunk, parse_all=parse_all)
        for record_id, entry in scan.latest.items():
            if isinstance(entry, dict) and is_tombstone(entry):
                self._forget(record_id)
                continue
            self._set_entry(record_id, entry)
            if not isinstance(entry, dict):
                self._raw_line_numbers[record_id] = first_line_number + scan.line_index[record_id]
        self.n_lines += scan.n_lines
        self.version += 1
        if scan.damaged:
            for line_index, line in scan.damaged.items():
                self.damaged[first_line_number + line_index] = line
            self._report_damage([first_line_number + index for index in scan.damaged])

    def _recover_from_damaged_line(self, record_id: str) -> None:
        """A latest line read raw proved unreadable: read the file again, parsing every latest
        line, so the record falls back to its previous readable version (rare path)."""
        line_number = self._raw_line_numbers.get(record_id)
        self._read(from_scratch=True, parse_all=True)
        if line_number is not None and line_number not in self.damaged:
            self._report_damage([line_number])  # replaced meanwhile; report what we saw

    def _report_damage(self, line_numbers: list[int]) -> None:
        report_damaged_lines(self.path, self._identity, line_numbers)

    # ----------------------------------------------------------------- writing
    def append(self, records: list[dict[str, Any]]) -> None:
        """Append one line per record version (or tombstone) in a single locked, fsynced write.

        Raises
        ------
        JournalError
            If the write fails (disk full, no permission); the file is then exactly as before.
        """
        if not records:
            return
        encoded = [encode_line(record) for record in records]
        payload = b"".join(encoded)
        with self.locked():
            outcome = append_durably(self.path, payload)
            if self.append_observer is not None:
                # Still under the lock, so the index sees appends in file order.
                offset = outcome.size_before + len(outcome.written) - len(payload)
                placed = []
                for record, line in zip(records, encoded, strict=True):
                    placed.append((record, offset, len(line) - 1))
                    offset += len(line)
                self.append_observer(outcome.identity, outcome.size_before,
                                     outcome.size_before + len(outcome.written), placed)
            caught_up = (
                outcome.identity == self._identity
                and outcome.size_before == self._offset == self._seen_size
                and outcome.mtime_before == self._seen_mtime
            )
            empty_before = outcome.size_before == 0
            if not (caught_up or empty_before):
                return  # lines before ours are unread: the next refresh reads ours with them
            # Nothing unread before our lines: apply them directly instead of re-reading them.
            if empty_before:
                self._start_over()  # the file held nothing else, whatever this view remembered
                self._identity = outcome.identity
            for record in records:
                if is_tombstone(record):
                    self._forget(record["id"])
                else:
                    self._set_entry(record["id"], record)
            self.n_lines += len(records)
            self._offset = self._seen_size = outcome.size_before + len(outcome.written)
            self._seen_mtime = outcome.mtime_after
            self._tail = (self._tail + outcome.written)[-_TAIL_SIGNATURE_BYTES:]
            self.version += 1

    def needs_compaction(self) -> bool:
        """Cheap check: many superseded lines (over 1000 lines and over twice the records)."""
        return (
            self.loaded
            and self.n_lines > AUTO_COMPACT_MIN_LINES
            and self.n_lines > 2 * len(self._entries)
        )

    def adopt_compacted(self, old: tuple[tuple[int, int], int], identity: tuple[int, int],
                        size: int, tail: bytes, n_lines: int) -> None:
        """Follow a compaction this process just did (under the lock): ``old`` is the
        (identity, size) of the file it replaced. A view that had read all of that file keeps
        its records (the compacted file holds the same latest versions) and only moves to
        the new file; any other view reads the new file afresh when next needed."""
        caught_up = (self._identity, self._offset) == old and self._seen_size == old[1]
        if not caught_up:
            self._start_over()
            self.version += 1
            return
        self._identity = identity
        self._offset = self._seen_size = size
        self._seen_mtime = os.stat(self.path).st_mtime_ns
        self._tail = tail[-_TAIL_SIGNATURE_BYTES:]
        self.n_lines = n_lines
        self._raw_line_numbers = {}  # line numbers of the old file
        self.version += 1


_open_files: dict[Path, JournalFile] = {}
_open_files_mutex = threading.Lock()


def journal_file_for(kepler_dir: Path) -> JournalFile:
    """The one ``JournalFile`` of this process for ``kepler_dir``.

    Sharing it means opening a Journal again (each ``%kepler`` command, each server request)
    only reads what other processes appended since, not the whole file.
    """
    with _open_files_mutex:
        journal_file = _open_files.get(kepler_dir)
        if journal_file is None:
            journal_file = _open_files[kepler_dir] = JournalFile(kepler_dir)
        return journal_file
