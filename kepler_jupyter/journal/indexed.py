"""Reads answered through the index: one line by offset, listings and searches in SQL.

Every full record still comes from the journal file (read at the offset the index gives, and
checked to be a version of the expected id); only the listing fields, fingerprints, metric
values and similarity vectors are read from the index itself, and the index is brought up to
date with the journal before each read (``JournalIndex.sync``).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from kepler_jupyter.journal.index import ORDER, IndexUnavailable, JournalIndex
from kepler_jupyter.journal.index_rows import (
    LISTING_FIELDS,
    OMITTED_KEY,
    id_of_key,
    index_key,
    storable,
)
from kepler_jupyter.journal.index_scan import read_record
from kepler_jupyter.journal.lines import parse_head, parse_record_line, parse_tail_fields
from kepler_jupyter.journal.progress import with_progress
from kepler_jupyter.journal.record import normalize
from kepler_jupyter.journal.removal import ArchivedView, archived_sql

#: record paths (as tuples) that map to an index column with the same meaning for strings
INDEXED_PATHS: dict[tuple[str, ...], str] = {
    ("id",): "id", ("name",): "name", ("status",): "status", ("created",): "created",
    ("framework",): "framework", ("fingerprint", "experiment"): "fp_experiment",
    ("fingerprint", "model"): "fp_model", ("fingerprint", "data"): "fp_data",
    ("fingerprint", "settings"): "fp_settings",
}
Entry = tuple[str, int, int]  # index key (index_rows.index_key), offset, length of its latest line


class StaleIndex(Exception):
    """The index pointed at a line that is not the record it should be: rebuild and retry."""


def _read_at(path: Path, entry: Entry) -> dict[str, Any]:
    with open(path, "rb") as handle:
        record = read_record(handle.fileno(), entry[1], entry[2], entry[0])
    if record is None:
        raise StaleIndex(entry[0])
    return with_progress(path.parent, record)


class RecordList(Sequence[dict[str, Any]]):
    """Full records, read from the journal one at a time when they are used.

    Behaves like the list ``Journal.experiments()`` used to return (``len``, indexing,
    slicing, ``reversed``, ``==`` with a list), but holds only ids and offsets: iterating
    parses each record as it is reached, so going through 100,000 records costs their parsing
    (a few seconds) but never holds them all in memory at once. Each access returns a fresh
    dict; keep the ones you need.
    """

    def __init__(self, path: Path, entries: list[Entry], fallback: Any) -> None:
        self._path = path
        self._entries = entries
        self._fallback = fallback  # Journal.get, for a record moved by compaction meanwhile

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> RecordList: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | RecordList:
        if isinstance(index, slice):
            return RecordList(self._path, self._entries[index], self._fallback)
        return self._load(self._entries[index], None)

    def _load(self, entry: Entry, fd: int | None) -> dict[str, Any]:
        try:
            if fd is not None:
                record = read_record(fd, entry[1], entry[2], entry[0])
                if record is not None:
                    return normalize(with_progress(self._path.parent, record))
            return normalize(_read_at(self._path, entry))
        except (StaleIndex, OSError):
            return dict(self._fallback(id_of_key(entry[0])))  # Journal.get: normalised already

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            handle = open(self._path, "rb")
        except OSError:
            handle = None
        try:
            fd = None if handle is None else handle.fileno()
            for entry in self._entries:
                yield self._load(entry, fd)
        finally:
            if handle is not None:
                handle.close()

    def __reversed__(self) -> Iterator[dict[str, Any]]:
        return iter(RecordList(self._path, self._entries[::-1], self._fallback))

    def ids(self) -> list[str]:
        """The records' ids, without reading them."""
        return [id_of_key(entry[0]) for entry in self._entries]

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        if isinstance(value, dict) and "id" in value:
            ids = self.ids()
            position = ids.index(value["id"], start, len(ids) if stop is None else stop)
            return position
        return super().index(value, start, len(self) if stop is None else stop)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordList | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __repr__(self) -> str:
        return f"<{len(self)} journal records, read on access>"


@dataclass(frozen=True)
class ListingPage:
    """One page of a listing: slim records (see ``index_rows.slim_record``) and the total."""

    records: list[dict[str, Any]]
    total: int


class IndexedReads:
    """The read paths of ``Journal`` that go through the index."""

    def __init__(self, index: JournalIndex) -> None:
        self.index = index
        self.path = index.journal_path

    def ready(self, block: bool = True) -> bool:
        """Whether the index can answer now (it is brought up to date first).

        ``KEPLER_INDEX=off`` in the environment turns the index off (every read then goes
        through the in-memory view of the journal file).
        """
        if os.environ.get("KEPLER_INDEX", "").lower() in ("off", "0", "no", "false"):
            return False
        try:
            return self.index.sync(block=block)
        except IndexUnavailable:
            return False

    def known(self, record_id: str) -> bool:
        """Whether the index, as it is (not brought up to date), has ``record_id``."""
        if not self.index.path.exists():
            return False
        try:
            return self.locate(record_id) is not None
        except IndexUnavailable:
            return False

    def count(self) -> int:
        return int(self.index.query("SELECT count(*) FROM experiments")[0][0])

    def locate(self, record_id: str) -> Entry | None:
        rows = self.index.query("SELECT id, offset, length FROM experiments WHERE id = ?",
                                (index_key(record_id),))
        return rows[0] if rows else None

    def resolve(self, prefix: str, limit: int = 6) -> list[str]:
        """Ids equal to ``prefix`` (alone), else starting with it (at most ``limit``)."""
        if index_key(prefix) != prefix:
            raise IndexUnavailable("an id SQLite cannot hold: the journal itself is read")
        if self.locate(prefix) is not None:
            return [prefix]
        rows = self.index.query("SELECT id FROM experiments WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                                (prefix, prefix + "\U0010ffff", limit))
        return [row[0] for row in rows]

    def read(self, entry: Entry) -> dict[str, Any]:
        """The record at ``entry``, normalised (``record.normalize``); ``StaleIndex`` if the
        line is not that record."""
        return normalize(_read_at(self.path, entry))

    def read_as_stored(self, entry: Entry) -> dict[str, Any]:
        """The record at ``entry`` exactly as stored (for ``update``, which writes it back)."""
        return _read_at(self.path, entry)

    def entries(self, where: str = "", parameters: Iterable[Any] = ()) -> list[Entry]:
        """(id, offset, length) oldest first, of the rows matching the SQL ``where``."""
        sql = f"SELECT id, offset, length FROM experiments {where} {ORDER}"
        return self.index.query(sql, parameters)

    def listing_fields(self, where: str, parameters: Iterable[Any], wanted: set[str]) -> list[dict[str, Any]]:
        """The ``wanted`` listing fields (a subset of ``LISTING_FIELDS``), oldest first."""
        rows = self.index.query(f"SELECT id, offset, length, listing FROM experiments {where} {ORDER}",
                                parameters)
        shaped = []
        for record_id, offset, length, listing in rows:
            record = json.loads(listing)
            if wanted.intersection(record.get(OMITTED_KEY, ())):
                record = self.read((record_id, offset, length))
            shaped.append(normalize({name: record[name] for name in wanted if name in record}))
        return shaped

    def filter_listing(self, where: str, parameters: Iterable[Any],
                       keep: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Slim records (oldest first) of the rows matching ``where`` that ``keep`` accepts;
        rows are read in batches, so memory holds the matches, not the whole listing."""
        kept = []
        with self.index.mutex:
            try:
                cursor = self.index.connection.execute(
                    f"SELECT listing FROM experiments {where} {ORDER}", tuple(parameters))
                while batch := cursor.fetchmany(2000):
                    for (listing,) in batch:
                        record = normalize(json.loads(listing))
                        if keep(record):
                            kept.append(record)
            except sqlite3.Error as error:
                raise IndexUnavailable(str(error)) from error
        return kept

    def fields(self, entries: list[Entry], wanted: set[str]) -> list[dict[str, Any]]:
        """Top-level fields of each record, parsing only those fields of its line."""
        found = []
        with open(self.path, "rb") as handle:
            fd = handle.fileno()
            for record_id, offset, length in entries:
                line = os.pread(fd, length, offset)
                head = parse_head(line)
                if head is None or index_key(head["id"]) != record_id:
                    record = parse_record_line(line)
                    if record is None or index_key(record["id"]) != record_id:
                        raise StaleIndex(record_id)
                    found.append(normalize({name: record[name] for name in wanted if name in record}))
                    continue
                shaped = {name: head[name] for name in wanted if name in head}
                missing = wanted - head.keys()
                if missing:
                    tail = parse_tail_fields(line, missing)
                    if tail is None:
                        record = parse_record_line(line) or {}
                        tail = {name: record[name] for name in missing if name in record}
                    shaped.update(tail)
                found.append(normalize(shaped))
        return found

    def page(self, *, status: str | None = None, tag: str | None = None,
             metric: str | None = None, best: str = "max", newest_first: bool = False,
             limit: int | None = None, offset: int = 0,
             archived: ArchivedView = "show") -> ListingPage:
        """A page of slim records, oldest first, newest first or best first by ``metric``;
        ``archived`` says whether archived records are left out, included or the only ones."""
        conditions, parameters = archived_sql(archived)
        if status is not None:
            conditions.append("e.status = ?")
            parameters.append(status)
        if tag is not None:
            conditions.append("EXISTS (SELECT 1 FROM json_each(e.listing, '$.tags') WHERE value = ?)")
            parameters.append(tag)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        if status is None and tag is None and archived == "hide":
            # the default view: counting the shown rows walks 100,000 index entries (8 ms);
            # all rows (SQLite counts a table's pages) less the few archived ones is the same
            total = int(self.index.query(
                "SELECT (SELECT count(*) FROM experiments) - "
                "(SELECT count(*) FROM experiments WHERE archived = 1)")[0][0])
        else:
            total = int(self.index.query(f"SELECT count(*) FROM experiments e {where}",
                                         parameters)[0][0])
        direction = "DESC" if newest_first else ""
        order = f"ORDER BY e.created {direction}, e.first_seq {direction}"
        join = ""
        join_parameters: list[Any] = []
        if metric is not None:
            join = "LEFT JOIN metric_values m ON m.id = e.id AND m.name = ?"
            join_parameters = [metric]
            order = (f"ORDER BY m.value IS NULL, m.value {'DESC' if best == 'max' else 'ASC'}, "
                     "e.created, e.first_seq")
        limit_sql = "" if limit is None else f"LIMIT {int(limit)} OFFSET {int(offset)}"
        rows = self.index.query(f"SELECT e.listing FROM experiments e {join} {where} {order} {limit_sql}",
                                [*join_parameters, *parameters])
        return ListingPage([normalize(json.loads(listing)) for (listing,) in rows], total)


def indexed_condition(path: tuple[str, ...], expected: Any) -> tuple[str, Any] | None:
    """The SQL condition for ``record[path] == expected``, if an index column answers it."""
    column = INDEXED_PATHS.get(path)
    if column is None or not isinstance(expected, str) or not storable(expected):
        return None
    return f"{column} = ?", expected


def only_listing_fields(wanted: set[str]) -> bool:
    """Whether every field in ``wanted`` is copied whole into the index."""
    return wanted <= set(LISTING_FIELDS)


def per_fit_reads(journal: Any) -> tuple[IndexedReads | None, bool]:
    """How a per-fit step should read ``journal`` (a ``Journal`` or a list of records).

    Returns ``(reads, read_all)``: the index's reads when it is current; else whether reading
    every record instead is acceptable — it is not while a large journal's index is being
    rebuilt in the background, since a fit must not wait for that (the step is skipped).
    """
    indexed = getattr(journal, "indexed", None)
    if indexed is None:
        return None, True
    reads = indexed(block=False)
    if reads is not None:
        return reads, False
    return None, not journal.index_rebuilding
