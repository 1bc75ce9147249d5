"""Writing rows into the index inside a transaction (``journal.index`` owns when and why).

``RowWriter`` gives each upserted row its sequence number and revision, packs its similarity
vector over the index's column vocabulary, writes rows in batches with their metric values,
sort fields and column catalogue entries, keeps the run-table groups current (loops of one
cell run, ``journal.index_groups``) and finally the index's state. ``drop_indexes`` lets a
rebuild from nothing make the readers' indexes once after its inserts.
"""

from __future__ import annotations

import json
import math
import secrets
import sqlite3
from array import array
from collections import Counter
from typing import TYPE_CHECKING, Any

from kepler_jupyter.journal import index_fields, index_groups
from kepler_jupyter.journal.index_rows import IndexRow, index_key

if TYPE_CHECKING:
    from kepler_jupyter.journal.index import IndexState

_BATCH_ROWS = 500
# Up to this many rows written at once, the run-table groups follow them row by row.
_SMALL_WRITE = 64

_UPSERT = """
INSERT INTO experiments (id, first_seq, rev, offset, length, name, status, created, framework,
    model_class, fp_experiment, fp_model, fp_data, fp_settings, listing, vector, n_params,
    n_errors, n_warnings, duration_s, search_text, archived, group_base, group_key, group_cell)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, offset = excluded.offset,
    length = excluded.length, name = excluded.name, status = excluded.status,
    created = excluded.created, framework = excluded.framework,
    model_class = excluded.model_class, fp_experiment = excluded.fp_experiment,
    fp_model = excluded.fp_model, fp_data = excluded.fp_data,
    fp_settings = excluded.fp_settings, listing = excluded.listing, vector = excluded.vector,
    n_params = excluded.n_params, n_errors = excluded.n_errors, n_warnings = excluded.n_warnings,
    duration_s = excluded.duration_s, search_text = excluded.search_text,
    archived = excluded.archived,
    group_base = excluded.group_base, group_key = excluded.group_key,
    group_cell = excluded.group_cell
"""
# The fits of one cell run group together once it made two or more (the second fit's write
# moves the first into the group); a search's points stay in their search.
LOOP_GROUPS = """
UPDATE experiments SET group_key = 'c:' || group_cell
WHERE group_cell IN (SELECT value FROM json_each(?)) AND group_base NOT LIKE 's:%'
  AND group_cell IN (SELECT group_cell FROM experiments WHERE group_base NOT LIKE 's:%' AND
                     group_cell IN (SELECT value FROM json_each(?))
                     GROUP BY group_cell HAVING count(*) > 1)
"""
# A cell run left with one fit (the other deleted) is no loop any more: its fit's own group.
_LOOP_UNGROUPS = """
UPDATE experiments SET group_key = group_base
WHERE group_cell IN (SELECT value FROM json_each(?)) AND group_key LIKE 'c:%'
  AND group_cell NOT IN (SELECT group_cell FROM experiments WHERE group_base NOT LIKE 's:%' AND
                         group_cell IN (SELECT value FROM json_each(?))
                         GROUP BY group_cell HAVING count(*) > 1)
"""
# Indexes only readers use: a rebuild of a large journal makes them after its inserts. The
# writer's own lookups (id, group_cell, the primary keys) stay.
DEFERRED_INDEXES = ["experiments_order", "experiments_status", "experiments_fingerprint",
                    "experiments_data", "experiments_rev", "experiments_shown",
                    "experiments_group", "metric_values_order", "groups_shown_order"]
_NANS = array("f", [math.nan]) * 4096
_LAYOUTS_KEPT = 4096


def drop_indexes(connection: sqlite3.Connection) -> list[str]:
    """Drop the ``DEFERRED_INDEXES`` (inside the caller's transaction); their statements."""
    statements = []
    for name, sql in connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN "
            "(SELECT value FROM json_each(?))", (json.dumps(DEFERRED_INDEXES),)).fetchall():
        connection.execute(f'DROP INDEX "{name}"')
        statements.append(sql)
    return statements


class RowWriter:
    """Writes rows inside a transaction: sequence numbers, similarity vectors, the state."""

    def __init__(self, connection: sqlite3.Connection, state: IndexState) -> None:
        self.connection = connection
        self.state = state
        self.next_seq = state.next_seq
        self.next_rev = state.next_rev
        self.columns = dict(connection.execute("SELECT name, position FROM columns").fetchall())
        self.deleted = False
        self._layouts: dict[tuple[str, ...], tuple[list[int], int]] = {}
        #: an index built from nothing: the column catalogue is counted once at the end
        self.fresh = False
        self.catalogue_texts: Counter[str] = Counter()
        #: groups whose runs changed (``journal.index_groups``), recomputed at ``finish``
        self.touched: set[str] = set()
        #: rows of small writes that moved between groups, applied one by one at ``finish``
        #: (``None`` once the writes are many: a catch-up or a rebuild recomputes instead)
        self.moves: list[tuple[index_groups.Place | None, index_groups.Place | None]] | None = []
        self._rows: list[tuple[Any, ...]] = []
        self._metrics: list[tuple[str, str, float]] = []
        self._fields: list[tuple[str, str | None, str]] = []

    def _vector(self, features: dict[str, float]) -> bytes | None:
        if not features:
            return None
        names = tuple(features)
        layout = self._layouts.get(names)  # records of one kind share their feature names
        if layout is None:
            columns = self.columns
            positions = []
            for name in names:
                position = columns.get(name)
                if position is None:
                    position = columns[name] = len(columns)
                    self.connection.execute("INSERT INTO columns VALUES (?, ?)", (position, name))
                positions.append(position)
            layout = (positions, max(positions) + 1)
            if len(self._layouts) < _LAYOUTS_KEPT:
                self._layouts[names] = layout
        positions, size = layout
        # float32 in machine order, NaN where the record has no such feature: what
        # np.frombuffer(..., np.float32) reads back (an array per row in NumPy cost 3x this)
        vector = _NANS[:size] if size <= len(_NANS) else array("f", [math.nan]) * size
        for position, value in zip(positions, features.values(), strict=True):
            vector[position] = value
        return vector.tobytes()

    def upsert(self, row: IndexRow) -> None:
        self._rows.append((
            row.id, self.next_seq, self.next_rev, row.offset, row.length, row.name, row.status,
            row.created, row.framework, row.model_class, row.fp_experiment, row.fp_model,
            row.fp_data, row.fp_settings, row.listing, self._vector(row.features), row.n_params,
            row.n_errors, row.n_warnings, row.duration_s, row.search_text, int(row.archived),
            row.group_key, row.group_key, row.group_cell))
        self._metrics.extend((row.id, name, value) for name, value in row.metric_values.items())
        self._fields.append((row.id, row.fields, row.catalogue))
        self.next_seq += 1
        self.next_rev += 1
        if len(self._rows) >= _BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the rows collected so far (in batches: one statement per row is slow)."""
        if not self._rows:
            return
        ids = [(row[0],) for row in self._rows]
        unique = list(dict.fromkeys(row[0] for row in self._rows))
        if self.moves is not None and len(self.moves) + len(unique) > _SMALL_WRITE:
            self.touched |= {place[0] for move in self.moves for place in move
                             if place is not None and place[0] is not None}
            self.moves = None
        if self.moves is not None:
            before = index_groups.places(self.connection, unique)
            # a loop regroups the other fits of its cell: only a fit outside a search can
            # change which cells are loops (a search's trial never joins a loop)
            cell_set = {row[-1] for row in self._rows
                        if row[-1] is not None and not str(row[-3]).startswith("s:")}
            cell_set |= {place[6] for place in before.values()
                         if place[6] is not None and not str(place[5]).startswith("s:")}
        else:
            # the groups the rows leave, the ones they join, and those a loop takes rows from
            self.touched |= index_groups.keys_of_ids(self.connection, unique)
            self.touched |= {row[-2] for row in self._rows if row[-2] is not None}
            cell_set = {row[-1] for row in self._rows if row[-1] is not None}
        self.connection.executemany(_UPSERT, self._rows)
        cells = json.dumps(sorted(cell_set))
        if cells != "[]":
            self.touched |= index_groups.keys_of_cells(self.connection, cells)
            self.connection.execute(LOOP_GROUPS, (cells, cells))
            self.connection.execute(_LOOP_UNGROUPS, (cells, cells))  # a fit left for a search
            self.touched |= index_groups.keys_of_cells(self.connection, cells)
        if self.moves is not None:
            after = index_groups.places(self.connection, unique)
            self.moves.extend((before.get(record_id), after.get(record_id)) for record_id in unique)
        self.connection.executemany("DELETE FROM metric_values WHERE id = ?", ids)
        self.connection.executemany("INSERT OR REPLACE INTO metric_values VALUES (?, ?, ?)",
                                    self._metrics)
        if self.fresh:
            self.catalogue_texts.update(entries for _, _, entries in self._fields)
        index_fields.write(self.connection, self._fields, catalogue=not self.fresh)
        self._rows, self._metrics, self._fields = [], [], []

    def delete(self, record_id: str) -> None:
        self.flush()  # in file order: an earlier version of this id may be waiting
        record_id = index_key(record_id)
        self.touched |= index_groups.keys_of_ids(self.connection, [record_id])
        cells = json.dumps([row[0] for row in self.connection.execute(
            "SELECT group_cell FROM experiments WHERE id = ? AND group_cell IS NOT NULL",
            (record_id,))])
        self.connection.execute("DELETE FROM experiments WHERE id = ?", (record_id,))
        if cells != "[]":
            self.touched |= index_groups.keys_of_cells(self.connection, cells)
            self.connection.execute(_LOOP_UNGROUPS, (cells, cells))
            self.touched |= index_groups.keys_of_cells(self.connection, cells)
        self.connection.execute("DELETE FROM metric_values WHERE id = ?", (record_id,))
        index_fields.delete(self.connection, [record_id])
        self.next_rev += 1
        self.deleted = True

    def finish(self, size: int, tail: str, lines: int) -> None:
        self.flush()
        index_groups.refresh(self.connection, self.touched)
        if self.moves:
            index_groups.apply_moves(self.connection, self.moves, self.touched)
        self.touched, self.moves = set(), []
        self.connection.execute(
            "UPDATE state SET size = ?, tail = ?, lines = ?, next_seq = ?, next_rev = ?",
            (size, tail, lines, self.next_seq, self.next_rev))
        if self.deleted:  # caches that follow rows by revision (similar_index) start afresh
            self.connection.execute("UPDATE state SET generation = ?", (secrets.token_hex(8),))
