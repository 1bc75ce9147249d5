"""The index's sortable fields: what the run table sorts by when it sorts by a column.

Every experiment's row of ``field_rows`` holds its fields as the run table's cells read them
(``server.columns.column_value``: the names ``%kepler search`` uses, each with the value
``history.filters.resolve_field`` finds) as one JSON object, already in sort form: numbers
(booleans too) as numbers, text lower-cased, empty cells (missing, NaN, infinite, empty list)
left out. One JSON text per row is cheap to write (the index rebuild and each insert pay
about one ``json.dumps``), but sorting 100,000 rows by ``json_extract`` takes 0.5 s.

So a field the table was sorted by once is *materialised*: its name joins ``sorted_fields``
and every experiment having it gets a row ``(id, name, value)`` in ``field_values``, whose
index on ``(name, value)`` returns the first page of a sorted list in about a millisecond
(SQLite orders numbers before text, as the snapshot's ``server.columns.sort_key`` does). The
writer keeps the materialised fields current; the first sort by a new name fills it from
``field_rows`` once (about half a second at 100,000). At most ``MAX_SORTED_FIELDS`` names are
kept (the least recently asked for is dropped).
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable, Mapping
from typing import Any

from kepler_jupyter.journal import index_catalogue
from kepler_jupyter.journal.index_rows import storable

SCHEMA = index_catalogue.SCHEMA + """
CREATE TABLE IF NOT EXISTS field_rows (
    id TEXT PRIMARY KEY, fields TEXT NOT NULL, catalogue TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS field_values (
    id TEXT NOT NULL, name TEXT NOT NULL, value, PRIMARY KEY (id, name)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS field_values_order ON field_values (name, value);
CREATE TABLE IF NOT EXISTS sorted_fields (
    name TEXT PRIMARY KEY, used REAL NOT NULL, top INTEGER NOT NULL DEFAULT 0);
"""
#: tables dropped when the index's layout changes (``sorted_fields`` is only a wish list)
TABLES = ("field_rows", "field_values", "sorted_fields", "catalogue")
MAX_SORTED_FIELDS = 32
# Sections a bare name is looked up in, in ``resolve_field``'s order (the first one decides).
_SECTIONS = ("metrics", "params", "params.estimator_params", "data", "model")
_SPECIAL = {"layers", "tag", "tags", "note", "notes"}
#: name of the per-record key that lists the top-level keys (a bare name that is also a
#: top-level key of some record is resolved by the snapshot, not the index)
TOP_KEYS = ".top"  # no field is stored under a dotted name
_TOP_PATH = '$.".top"'


def _section(record: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _sortable(value: Any) -> float | str | None:
    """``server.columns.sort_key`` of a cell, as one SQLite value (numbers before text)."""
    from kepler_jupyter.server.summaries import scalar

    if isinstance(value, list) and not value:
        return None
    cell = scalar(value)
    if cell is None:
        return None
    if isinstance(cell, bool | int | float):
        number = float(cell)
        return number if math.isfinite(number) else None
    text = str(cell).lower()
    return text if storable(text) else None


def storage_key(field: str) -> str | None:
    """The name a sort by ``field`` is stored under, or ``None`` where the snapshot decides
    (dotted paths, tags, notes)."""
    from kepler_jupyter.history.filters import FIELD_ALIASES

    lowered = field.lower()
    if lowered in _SPECIAL - {"layers"}:
        return None
    if lowered == "layers" or lowered in FIELD_ALIASES:
        return lowered
    if "." in field or not storable(field):
        return None
    return field


def sort_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record's fields in sort form, keyed by ``storage_key`` (see the module)."""
    from kepler_jupyter.history.filters import FIELD_ALIASES, TOP_LEVEL_FIELDS, resolve_field
    from kepler_jupyter.journal.record import normalize

    record = dict(normalize(record))
    found: dict[str, Any] = {}
    for path in reversed(_SECTIONS):  # earlier sections overwrite later ones
        for name, value in _section(record, path).items():
            if isinstance(name, str) and storage_key(name) == name and name not in TOP_LEVEL_FIELDS:
                found[name] = value
    top = []
    for key, value in record.items():
        if (isinstance(key, str) and key not in found and storage_key(key) == key
                and key not in TOP_LEVEL_FIELDS):
            if isinstance(value, Mapping | list):
                top.append(key)  # sorting by it is left to the snapshot (see _top_level)
            else:
                found[key] = value
    fields = {name: _sortable(value) for name, value in found.items()}
    for name in (*FIELD_ALIASES, *TOP_LEVEL_FIELDS, "layers"):
        fields[name] = _sortable(resolve_field(record, name))
    stored: dict[str, Any] = {name: value for name, value in fields.items() if value is not None}
    stored[TOP_KEYS] = [key for key in top if storable(key)]
    return stored


def fields_json(record: Mapping[str, Any]) -> str | None:
    """``sort_fields`` as the index stores it; ``None`` for a record it cannot describe."""
    try:
        # not ASCII-escaped: json_extract's paths name the keys as they are
        return json.dumps(sort_fields(record), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None


def write(connection: sqlite3.Connection, rows: list[tuple[str, str | None, str]]) -> None:
    """Store the ``(id, fields JSON, catalogue entries JSON)`` of upserted rows, their
    materialised fields and their part of the column catalogue (``index_catalogue``)."""
    ids = [(record_id,) for record_id, _, _ in rows]
    index_catalogue.apply(connection, [record_id for record_id, _, _ in rows],
                          [entries for _, _, entries in rows])
    connection.executemany("DELETE FROM field_values WHERE id = ?", ids)
    connection.executemany("INSERT OR REPLACE INTO field_rows VALUES (?, ?, ?)",
                           [(record_id, text or "{}", entries) for record_id, text, entries in rows])
    names = [row[0] for row in connection.execute("SELECT name FROM sorted_fields")]
    if names:
        connection.execute(
            "INSERT OR REPLACE INTO field_values SELECT r.id, n.value, "
            "json_extract(r.fields, '$.\"' || n.value || '\"') FROM field_rows r, "
            "json_each(?) n WHERE r.id IN (SELECT value FROM json_each(?)) AND "
            "json_extract(r.fields, '$.\"' || n.value || '\"') IS NOT NULL",
            (json.dumps(names), json.dumps([record_id for record_id, _, _ in rows])))
        connection.execute(
            f"UPDATE sorted_fields SET top = 1 WHERE name IN (SELECT t.value FROM field_rows r, "
            f"json_each(r.fields, '{_TOP_PATH}') t WHERE r.id IN (SELECT value FROM json_each(?)))",
            (json.dumps([record_id for record_id, _, _ in rows]),))


def delete(connection: sqlite3.Connection, ids: Iterable[str]) -> None:
    """Forget the fields of removed rows."""
    pairs = [(record_id,) for record_id in ids]
    index_catalogue.apply(connection, [record_id for (record_id,) in pairs], [])
    connection.executemany("DELETE FROM field_rows WHERE id = ?", pairs)
    connection.executemany("DELETE FROM field_values WHERE id = ?", pairs)


def ensure_sorted(connection: sqlite3.Connection, key: str) -> str | None:
    """Make ``key`` a materialised field; the reason the index cannot sort by it, or ``None``.

    The caller holds no transaction; this takes the index's write lock while it fills.
    """
    if connection.execute("SELECT 1 FROM sorted_fields WHERE name = ?", (key,)).fetchone():
        connection.execute("UPDATE sorted_fields SET used = ? WHERE name = ?", (time.time(), key))
        return _top_level(connection, key)
    connection.execute("BEGIN IMMEDIATE")
    try:
        if not connection.execute("SELECT 1 FROM sorted_fields WHERE name = ?", (key,)).fetchone():
            for (old,) in connection.execute(
                    "SELECT name FROM sorted_fields ORDER BY used DESC LIMIT -1 OFFSET ?",
                    (MAX_SORTED_FIELDS - 1,)).fetchall():
                connection.execute("DELETE FROM sorted_fields WHERE name = ?", (old,))
                connection.execute("DELETE FROM field_values WHERE name = ?", (old,))
            path = f'$."{key}"'
            connection.execute(
                "INSERT OR REPLACE INTO field_values SELECT id, ?, json_extract(fields, ?) "
                "FROM field_rows WHERE json_extract(fields, ?) IS NOT NULL", (key, path, path))
            top = connection.execute(
                f"SELECT 1 FROM field_rows r, json_each(r.fields, '{_TOP_PATH}') t "
                "WHERE t.value = ? LIMIT 1", (key,)).fetchone() is not None
            connection.execute("INSERT INTO sorted_fields VALUES (?, ?, ?)",
                               (key, time.time(), int(top)))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return _top_level(connection, key)


def _top_level(connection: sqlite3.Connection, key: str) -> str | None:
    """A bare name that some record has at its top level (as a list or object) is left to the
    snapshot."""
    row = connection.execute("SELECT top FROM sorted_fields WHERE name = ?", (key,)).fetchone()
    return "a top-level field" if row and row[0] else None
