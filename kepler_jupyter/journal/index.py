"""The index beside the journal: ``.kepler/index.sqlite``, derived from ``journal.jsonl``.

The journal stays the only source of truth. The index (SQLite from the standard library, in
WAL mode so readers never wait for a writer) holds per experiment the offset and length of its
latest line, the fields listings show, the fingerprints and the similarity features, so that a
fit, a listing or the sidebar never reads the whole journal.

It is kept current three ways:

* a writer updates it under the journal's write lock, right after its append;
* a reader that finds the journal longer than the index reads only the lines after the indexed
  end (an append whose writer was killed before updating the index, another kernel whose index
  update lost a race);
* anything else — no index, a journal replaced by compaction or by hand, a tail that no longer
  matches (size, identity and a checksum of the last 4 KiB indexed are compared), a damaged or
  outdated index file — rebuilds it from the journal in one transaction, in a background
  thread where the caller must not wait (a fit), while other readers keep the previous version.

Deleting the index loses nothing: it is rebuilt on the next read.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kepler_jupyter.journal import index_catalogue, index_fields, index_groups
from kepler_jupyter.journal.damage import report_damaged_lines
from kepler_jupyter.journal.index_pool import latest_rows
from kepler_jupyter.journal.index_rows import index_key, row_for
from kepler_jupyter.journal.index_scan import scan_region
from kepler_jupyter.journal.index_writer import RowWriter, drop_indexes

INDEX_FILE_NAME = "index.sqlite"
SCHEMA_VERSION = 9  # 2: listings carry the record's damage reasons; 3: index on fp_data;
# 4: archived flag; 5: run-table groups (group_key, group_cell); 6: the grouping index
# covers archived, groups_shown (journal.index_groups); 7: sortable fields (index_fields);
# 8: the column catalogue (index_catalogue); 9: field_rows a rowid table
_TAIL_BYTES = 4096
# Further behind than this, bringing the index up to date is a job for the background.
CATCH_UP_MAX_BYTES = 16 << 20
# A writer that cannot get the index within this time leaves it behind (a reader catches up).
_WRITER_BUSY_MS = 100
_READER_BUSY_MS = 120_000
_CHECKPOINT_BUSY_MS = 1_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (
    one INTEGER PRIMARY KEY CHECK (one = 1), schema INTEGER, dev INTEGER, ino INTEGER,
    size INTEGER, tail TEXT, lines INTEGER, next_seq INTEGER, next_rev INTEGER, generation TEXT);
CREATE TABLE IF NOT EXISTS experiments (
    id TEXT PRIMARY KEY, first_seq INTEGER NOT NULL, rev INTEGER NOT NULL,
    offset INTEGER NOT NULL, length INTEGER NOT NULL, name TEXT, status TEXT, created TEXT,
    framework TEXT, model_class TEXT, fp_experiment TEXT, fp_model TEXT, fp_data TEXT,
    fp_settings TEXT, listing TEXT NOT NULL, vector BLOB, n_params INTEGER, n_errors INTEGER,
    n_warnings INTEGER, duration_s REAL, search_text TEXT, archived INTEGER NOT NULL DEFAULT 0,
    group_key TEXT, group_cell TEXT, group_base TEXT);
CREATE INDEX IF NOT EXISTS experiments_order ON experiments (created, first_seq);
CREATE INDEX IF NOT EXISTS experiments_status ON experiments (status, created, first_seq);
CREATE INDEX IF NOT EXISTS experiments_fingerprint ON experiments (fp_experiment);
CREATE INDEX IF NOT EXISTS experiments_data ON experiments (fp_data, created, first_seq);
CREATE INDEX IF NOT EXISTS experiments_rev ON experiments (rev);
-- the panel's and %kepler list's default view leaves archived runs out: counted and paged here
CREATE INDEX IF NOT EXISTS experiments_shown ON experiments (archived, created, first_seq);
-- covers the run table's grouping in its default view (archived runs left out)
CREATE INDEX IF NOT EXISTS experiments_group ON experiments (group_key, archived, created, first_seq);
CREATE INDEX IF NOT EXISTS experiments_cell ON experiments (group_cell);
CREATE TABLE IF NOT EXISTS metric_values (
    id TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (id, name));
CREATE INDEX IF NOT EXISTS metric_values_order ON metric_values (name, value);
CREATE TABLE IF NOT EXISTS damaged (line INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS columns (position INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
"""
ORDER = "ORDER BY created, first_seq"


@dataclass(frozen=True)
class IndexState:
    """Which journal content the index describes."""

    identity: tuple[int, int]
    size: int
    tail: str
    lines: int
    next_seq: int
    next_rev: int
    generation: str


def _checkpoint(connection: sqlite3.Connection) -> None:
    """Copy a large write's WAL into the index file and empty it, so that the next process
    (a cold ``kepler list``) does not pay for it (a rebuild at 100,000 leaves 400 MB there)."""
    connection.execute(f"PRAGMA busy_timeout={_CHECKPOINT_BUSY_MS}")
    try:
        # readers that hold an older snapshot make it wait at most a moment: it is then
        # done by SQLite's own checkpoints later
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.Error:
        pass
    finally:
        connection.execute(f"PRAGMA busy_timeout={_READER_BUSY_MS}")


class IndexUnavailable(Exception):
    """The index cannot be used (read-only folder, broken SQLite): read the journal instead."""


def tail_checksum(fd: int, size: int) -> str:
    """A checksum of the last 4 KiB before ``size`` of the open journal ``fd``."""
    start = max(0, size - _TAIL_BYTES)
    return hashlib.sha1(os.pread(fd, size - start, start), usedforsecurity=False).hexdigest()


def _read_state(connection: sqlite3.Connection) -> IndexState | None:
    row = connection.execute(
        "SELECT schema, dev, ino, size, tail, lines, next_seq, next_rev, generation FROM state"
    ).fetchone()
    if row is None or row[0] != SCHEMA_VERSION:
        return None
    return IndexState((row[1], row[2]), row[3], row[4], row[5], row[6], row[7], row[8])


class JournalIndex:
    """The index of one ``.kepler`` folder, shared by every Journal of this process.

    All methods raise ``IndexUnavailable`` when SQLite cannot be used; callers then read the
    journal itself.
    """

    def __init__(self, kepler_dir: Path) -> None:
        self.kepler_dir = kepler_dir
        self.path = kepler_dir / INDEX_FILE_NAME
        self.journal_path = kepler_dir / "journal.jsonl"
        self.mutex = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._checked: tuple[int, int, int, int] | None = None  # journal stat at last sync
        self._rebuilding: threading.Thread | None = None
        self.rebuilds = 0  # rebuilds done by this process (tests and benchmarks read it)

    @property
    def rebuilding(self) -> bool:
        """Whether a background rebuild of this process is running."""
        thread = self._rebuilding
        return thread is not None and thread.is_alive()

    # ----------------------------------------------------------------- connection
    def _connect(self, busy_ms: int = _READER_BUSY_MS) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                         timeout=busy_ms / 1000)
            connection.execute("PRAGMA synchronous=NORMAL")
            try:  # an index of this layout already: nothing to create (the usual open)
                row = connection.execute("SELECT schema FROM state").fetchone()
            except sqlite3.OperationalError:
                row = None
            if row is not None and row[0] == SCHEMA_VERSION:
                return connection
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA + index_groups.SCHEMA + index_fields.SCHEMA)
            row = connection.execute("SELECT schema FROM state").fetchone()
            if row is not None and row[0] != SCHEMA_VERSION:
                # another version's layout: start afresh (rebuilt from the journal on sync)
                connection.executescript(
                    "BEGIN IMMEDIATE; DROP TABLE IF EXISTS state; DROP TABLE IF EXISTS experiments;"
                    " DROP TABLE IF EXISTS metric_values; DROP TABLE IF EXISTS damaged;"
                    " DROP TABLE IF EXISTS columns; DROP TABLE IF EXISTS groups_shown;"
                    + "".join(f" DROP TABLE IF EXISTS {name};" for name in index_fields.TABLES)
                    + " COMMIT;")
                connection.executescript(_SCHEMA + index_groups.SCHEMA + index_fields.SCHEMA)
        except sqlite3.Error as error:
            self._discard_damaged(error)
            raise IndexUnavailable(str(error)) from error
        return connection

    def _discard_damaged(self, error: sqlite3.Error) -> None:
        """A file that is not a database is set aside so the next open starts afresh."""
        if isinstance(error, sqlite3.DatabaseError) and "not a database" in str(error):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    @property
    def connection(self) -> sqlite3.Connection:
        """This process's connection (guard its use with ``mutex``)."""
        if self._connection is None:
            if not self.kepler_dir.is_dir():
                raise IndexUnavailable("no journal folder yet")
            self._connection = self._connect()
            _opened(self)
        return self._connection

    def close(self) -> None:
        """Close this process's connection (reopened on next use)."""
        with self.mutex:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
                self._checked = None

    # ----------------------------------------------------------------- keeping current
    def sync(self, block: bool = True) -> bool:
        """Bring the index up to date with the journal; whether it now matches it.

        With ``block=False`` a rebuild or a long catch-up is started in a background thread
        and ``False`` returned at once (the caller goes without the index this time).
        """
        try:
            stat = os.stat(self.journal_path)
        except FileNotFoundError:
            stat = None
        except OSError as error:
            raise IndexUnavailable(str(error)) from error
        key = None if stat is None else (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with self.mutex:
            if key is not None and key == self._checked:
                return True
            if self._rebuilding is not None and self._rebuilding.is_alive():
                if not block:
                    return False
                self._rebuilding.join()
            try:
                current = self._bring_up_to_date(stat, allow_long=block)
            except sqlite3.Error as error:
                self._discard_damaged(error)
                self.close()
                raise IndexUnavailable(str(error)) from error
            if current:
                self._checked = key
                self._report_damage(stat)
                return True
            if block:  # pragma: no cover - _bring_up_to_date(allow_long=True) always finishes
                return False
            self._rebuilding = threading.Thread(target=self._background_rebuild,
                                                name="kepler-index", daemon=True)
            self._rebuilding.start()
            return False

    def _report_damage(self, stat: os.stat_result | None) -> None:
        """Tell this process's user about damaged lines the index knows of (once each)."""
        if stat is None:
            return
        lines = [row[0] for row in self.connection.execute("SELECT line FROM damaged")]
        if lines:
            report_damaged_lines(self.journal_path, (stat.st_dev, stat.st_ino), lines)

    def _background_rebuild(self) -> None:
        try:
            with closing(self._connect()) as connection:
                stat = os.stat(self.journal_path)
                self._update(connection, stat, allow_long=True)
        except (OSError, sqlite3.Error, IndexUnavailable):
            pass  # the next blocking read tries again and reports

    def _bring_up_to_date(self, stat: os.stat_result | None, allow_long: bool) -> bool:
        connection = self.connection
        if stat is None:
            state = _read_state(connection)
            if state is not None and state.size == 0 and state.lines == 0:
                return True
            self._reset(connection, None, None)  # no journal: the index says nothing
            return True
        return self._update(connection, stat, allow_long)

    def _update(self, connection: sqlite3.Connection, stat: os.stat_result, allow_long: bool) -> bool:
        """Catch up or rebuild; ``False`` if that is too long and ``allow_long`` is not set."""
        with open(self.journal_path, "rb") as handle:
            fd = handle.fileno()
            stat = os.fstat(fd)
            state = _read_state(connection)
            start = self._valid_prefix(fd, stat, state)
            if start is not None and state is not None and start == stat.st_size:
                return True
            behind = stat.st_size - (start or 0)
            if behind > CATCH_UP_MAX_BYTES and not allow_long:
                return False
            connection.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have done it while we waited for the write lock.
                state = _read_state(connection)
                start = self._valid_prefix(fd, stat, state)
                if start is None or state is None:
                    self._reset(connection, fd, stat)
                    self.rebuilds += 1
                    state = _read_state(connection)
                    start = 0
                assert state is not None
                self._ingest(connection, fd, state, start, stat.st_size)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            if start == 0 or behind > CATCH_UP_MAX_BYTES:
                _checkpoint(connection)
            return True

    @staticmethod
    def _valid_prefix(fd: int, stat: os.stat_result, state: IndexState | None) -> int | None:
        """How much of the journal the index describes correctly; ``None``: rebuild it."""
        if state is None or state.identity != (stat.st_dev, stat.st_ino) or state.size > stat.st_size:
            return None
        if tail_checksum(fd, state.size) != state.tail:
            return None
        return state.size

    def _reset(self, connection: sqlite3.Connection, fd: int | None, stat: os.stat_result | None) -> None:
        own = not connection.in_transaction
        if own:
            connection.execute("BEGIN IMMEDIATE")
        connection.execute("DELETE FROM experiments")
        connection.execute("DELETE FROM metric_values")
        connection.execute("DELETE FROM columns")
        connection.execute("DELETE FROM groups_shown")
        connection.execute("DELETE FROM field_rows")
        connection.execute("DELETE FROM field_values")
        connection.execute("DELETE FROM catalogue")
        connection.execute("DELETE FROM damaged")
        connection.execute("DELETE FROM state")
        identity = (0, 0) if stat is None else (stat.st_dev, stat.st_ino)
        connection.execute(
            "INSERT INTO state VALUES (1, ?, ?, ?, 0, ?, 0, 0, 0, ?)",
            (SCHEMA_VERSION, *identity, hashlib.sha1(b"", usedforsecurity=False).hexdigest(),
             secrets.token_hex(8)),
        )
        if own:
            connection.execute("COMMIT")

    def _ingest(self, connection: sqlite3.Connection, fd: int, state: IndexState, start: int,
                end: int) -> None:
        """Index the complete lines of ``[start, end)``; the caller holds the write transaction."""
        scan = scan_region(fd, start, end)
        if scan.end == start:
            return
        writer = RowWriter(connection, state)
        first_line = state.lines + 1
        # A large index built from nothing: the indexes the writer does not read are made
        # once at the end (sorting each once) rather than kept through every insert.
        writer.fresh = state.size == 0 and end - start > CATCH_UP_MAX_BYTES
        deferred = drop_indexes(connection) if writer.fresh else []
        for record_id, _, _, row in latest_rows(fd, self.journal_path, scan, first_line):
            if row is None:
                writer.delete(record_id)
            else:
                writer.upsert(row)
        writer.flush()
        for statement in deferred:
            connection.execute(statement)
        if writer.fresh:
            index_catalogue.add_counted(connection, writer.catalogue_texts)
        connection.executemany("INSERT OR IGNORE INTO damaged VALUES (?)",
                               [(line,) for line in scan.damaged])
        writer.finish(scan.end, tail_checksum(fd, scan.end), state.lines + scan.n_lines)

    def record_appended(self, identity: tuple[int, int], size_before: int, size_after: int,
                        lines: list[tuple[dict[str, Any], int, int]]) -> None:
        """Index lines just appended (the caller holds the journal's write lock).

        ``lines`` are ``(record, offset, length)``. When the index does not end where the
        append began, the lines in between are read too (a short catch-up); when that would be
        long or another process holds the index, it is left behind for a reader to catch up.
        """
        with self.mutex:
            try:
                connection = self.connection
                connection.execute(f"PRAGMA busy_timeout={_WRITER_BUSY_MS}")
                try:
                    self._record_appended(connection, identity, size_before, size_after, lines)
                finally:
                    connection.execute(f"PRAGMA busy_timeout={_READER_BUSY_MS}")
            except (sqlite3.Error, OSError, IndexUnavailable):
                pass  # the journal has the lines; the index catches up on a later read

    def _record_appended(self, connection: sqlite3.Connection, identity: tuple[int, int],
                         size_before: int, size_after: int,
                         lines: list[tuple[dict[str, Any], int, int]]) -> None:
        connection.execute("BEGIN IMMEDIATE")
        try:
            with open(self.journal_path, "rb") as handle:
                fd = handle.fileno()
                stat = os.fstat(fd)
                state = _read_state(connection)
                if (stat.st_dev, stat.st_ino) != identity:
                    connection.execute("ROLLBACK")  # replaced meanwhile: a reader rebuilds
                    return
                if self._valid_prefix(fd, stat, state) is None:
                    if size_after > CATCH_UP_MAX_BYTES:
                        connection.execute("ROLLBACK")  # a rebuild: not while a fit waits
                        return
                    self._reset(connection, fd, stat)  # a new (or small) journal: index it all
                    state = _read_state(connection)
                assert state is not None
                if size_before - state.size > CATCH_UP_MAX_BYTES or state.size >= size_after:
                    # far behind (a reader catches up), or a reader has indexed our lines
                    # already: they were complete in the file before this call
                    connection.execute("ROLLBACK")
                    return
                caught_up = state.size != size_before
                if caught_up:
                    self._ingest(connection, fd, state, state.size, size_after)
                else:
                    writer = RowWriter(connection, state)
                    for record, offset, length in lines:
                        if record.get("$deleted") is True and len(record) == 2:
                            writer.delete(record["id"])
                        else:
                            writer.upsert(row_for(record, offset, length))
                    writer.finish(size_after, tail_checksum(fd, size_after), state.lines + len(lines))
            connection.execute("COMMIT")
            # After reading others' lines, the next sync reports any damaged ones among them.
            self._checked = None if caught_up else (
                stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def adopt_compaction(self, old_identity: tuple[int, int], old_size: int,
                         identity: tuple[int, int], offsets: dict[str, tuple[int, int]],
                         size: int, lines: int) -> None:
        """Follow a compaction (the caller holds the journal's write lock): the same records
        at new offsets. Only an index that described the old file exactly is moved; any other
        is left to be rebuilt."""
        with self.mutex:
            connection = self.connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                state = _read_state(connection)
                if state is None or state.identity != old_identity or state.size != old_size:
                    connection.execute("ROLLBACK")
                    self.invalidate()
                    return
                known = {row[0] for row in connection.execute("SELECT id FROM experiments")}
                offsets = {index_key(record_id): place for record_id, place in offsets.items()}
                connection.executemany("UPDATE experiments SET offset = ?, length = ? WHERE id = ?",
                                       [(offset, length, record_id)
                                        for record_id, (offset, length) in offsets.items()
                                        if record_id in known])
                gone = [(record_id,) for record_id in known - offsets.keys()]
                connection.executemany("DELETE FROM experiments WHERE id = ?", gone)
                connection.executemany("DELETE FROM metric_values WHERE id = ?", gone)
                index_fields.delete(connection, [record_id for (record_id,) in gone])
                if gone:
                    index_groups.refresh(connection, None)
                connection.execute("DELETE FROM damaged")  # set aside by the compaction
                with open(self.journal_path, "rb") as handle:
                    tail = tail_checksum(handle.fileno(), size)
                connection.execute(
                    # a new generation: caches of offsets (similar_index) start afresh
                    "UPDATE state SET dev = ?, ino = ?, size = ?, tail = ?, lines = ?, "
                    "generation = ?", (*identity, size, tail, lines, secrets.token_hex(8)))
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            self._checked = None

    def invalidate(self) -> None:
        """Forget what the index describes (it proved wrong): the next sync rebuilds it."""
        with self.mutex:
            self._checked = None
            try:
                self.connection.execute("DELETE FROM state")
            except (sqlite3.Error, IndexUnavailable):
                pass

    # ----------------------------------------------------------------- reading
    def query(self, sql: str, parameters: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query on this process's connection."""
        with self.mutex:
            try:
                return self.connection.execute(sql, tuple(parameters)).fetchall()
            except sqlite3.Error as error:
                raise IndexUnavailable(str(error)) from error

    def state(self) -> IndexState | None:
        """The indexed state (which journal content it describes)."""
        with self.mutex:
            try:
                return _read_state(self.connection)
            except sqlite3.Error as error:
                raise IndexUnavailable(str(error)) from error


_indexes: dict[Path, JournalIndex] = {}
_indexes_mutex = threading.Lock()
# Each open index holds three files open; a server or a test run visiting many projects keeps
# only the most recently opened ones open (the others reopen when used again).
MAX_OPEN_INDEXES = 16
_open_order: list[JournalIndex] = []


def _opened(index: JournalIndex) -> None:
    with _indexes_mutex:
        if index in _open_order:
            _open_order.remove(index)
        _open_order.append(index)
        evicted = _open_order[:-MAX_OPEN_INDEXES]
        del _open_order[:-MAX_OPEN_INDEXES]
    for other in evicted:
        # Not while another thread uses it: it is then closed when next opened instead.
        if other.mutex.acquire(blocking=False):
            try:
                other.close()
            finally:
                other.mutex.release()


def index_for(kepler_dir: Path) -> JournalIndex:
    """The one ``JournalIndex`` of this process for ``kepler_dir``."""
    with _indexes_mutex:
        index = _indexes.get(kepler_dir)
        if index is None:
            index = _indexes[kepler_dir] = JournalIndex(kepler_dir)
        return index
