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
-- a rowid table: its rows (about 1 KB) are too long for a WITHOUT ROWID table's pages
CREATE TABLE IF NOT EXISTS field_rows (id TEXT PRIMARY KEY, fields TEXT NOT NULL, catalogue TEXT);
CREATE TABLE IF NOT EXISTS field_values (
    id TEXT NOT NULL, name TEXT NOT NULL, value, PRIMARY KEY (id, name)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS field_values_order ON field_values (name, value);
CREATE TABLE IF NOT EXISTS sorted_fields (
    name TEXT PRIMARY KEY, used REAL NOT NULL, top INTEGER NOT NULL DEFAULT 0);
"""
#: tables dropped when the index's layout changes (``sorted_fields`` is only a wish list)
TABLES = ("field_rows", "field_values", "sorted_fields", "catalogue")
MAX_SORTED_FIELDS = 32
_USE_MARK_S = 3600.0
# Sections a bare name is looked up in, in ``resolve_field``'s order (the first one decides).
_SECTIONS = ("metrics", "params", "params.estimator_params", "data", "model")
_SPECIAL = {"layers", "tag", "tags", "note", "notes"}
#: name of the per-record key that lists the top-level keys (a bare name that is also a
#: top-level key of some record is resolved by the snapshot, not the index)
#: key of the names a record holds as a list or an object (a dotted name: no field's)
TOP_KEYS = ".top"
_TOP_PATH = '$.".top"'


def _sortable(value: Any) -> float | str | None:
    """``server.columns.sort_key`` of a scalar cell as one SQLite value (numbers before text);
    ``None`` for an empty one (``server.summaries.scalar`` turns NaN and infinity into null)."""
    kind = type(value)  # the JSON types first, without the isinstance chain (per cell)
    if kind is str:
        text = value.lower()
        return text if text.isascii() or storable(text) else None
    if kind is float:
        return value if math.isfinite(value) else None
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer past float's range: infinite, so empty
            return None
        return number if math.isfinite(number) else None
    text = str(value).lower()
    return text if storable(text) else None


def _names() -> tuple[frozenset[str], tuple[str, ...]]:
    """Lower-cased names ``resolve_field`` reads its own way, and the names stored as it
    reads them (aliases, top-level fields, ``layers``)."""
    global _NAMES
    if _NAMES is None:
        from kepler_jupyter.history.filters import FIELD_ALIASES, TOP_LEVEL_FIELDS

        _NAMES = (frozenset(FIELD_ALIASES) | _SPECIAL,
                  (*FIELD_ALIASES, *TOP_LEVEL_FIELDS, "layers"))
    return _NAMES


_NAMES: tuple[frozenset[str], tuple[str, ...]] | None = None


def storage_key(field: str) -> str | None:
    """The name a sort by ``field`` is stored under, or ``None`` where the snapshot decides
    (dotted paths, tags, notes)."""
    lowered = field.lower()
    if lowered in _SPECIAL and lowered != "layers":
        return None
    if lowered in _names()[0]:
        return lowered
    if "." in field or not storable(field):
        return None
    return field


def sort_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The (normalised) record's fields in sort form, keyed by ``storage_key`` (see the
    module). Names whose value is a list or an object in this record are listed under
    ``TOP_KEYS`` instead: sorting by them is left to the snapshot (it sorts their JSON text)."""
    from kepler_jupyter.history.filters import FIELD_ALIASES as aliases
    from kepler_jupyter.history.filters import resolve_field

    if type(record) is not dict:
        record = dict(record)
    sources = _sources(record)
    cells = [(name, sources[source][name]) for name, source in _plan(sources)]
    paths: dict[str, Any] = {}
    for name in _names()[1]:
        # what resolve_field reads for these names: an alias's path, a top-level field
        alias = aliases.get(name)
        if alias is None:
            value = resolve_field(record, name) if name == "layers" else record.get(name)
        else:
            if alias not in paths:
                paths[alias] = _at(record, alias)
            value = paths[alias]
        cells.append((name, value))
    fields: dict[str, Any] = {}
    containers = []
    isfinite = math.isfinite
    for name, value in cells:
        kind = type(value)  # the JSON types inline: this runs for every cell of every record
        if kind is float:
            fields[name] = value if isfinite(value) else None
        elif kind is str:
            text = value.lower()
            fields[name] = text if text.isascii() or storable(text) else None
        elif kind is dict or kind is list:
            containers.append(name)
        elif value is None:
            fields[name] = None
        elif isinstance(value, dict | list):
            containers.append(name)
        else:
            fields[name] = _sortable(value)
    stored: dict[str, Any] = {name: value for name, value in fields.items() if value is not None}
    stored[TOP_KEYS] = containers
    return stored


_EMPTY: dict[str, Any] = {}


def _sources(record: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """The sections a bare name is looked up in, last first (``_SECTIONS`` reversed: the
    first one decides), then the record itself."""
    def section(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else _EMPTY

    params = section(record.get("params"))
    return (section(record.get("model")), section(record.get("data")),
            section(params.get("estimator_params")), params, section(record.get("metrics")),
            record)


# Which names a record of a given shape stores from which source: records of one kind share
# their keys, so the names are sorted out once per shape rather than once per record.
_PLANS: dict[tuple[tuple[str, ...], ...], tuple[tuple[str, int], ...]] = {}
_PLANS_KEPT = 1024


def _plan(sources: tuple[dict[str, Any], ...]) -> tuple[tuple[str, int], ...]:
    """``(name, source)`` of each stored name, in the order the sections give them (the
    sections' keys first, later sections overwriting earlier ones; then the record's own)."""
    shape = tuple(tuple(source) for source in sources)
    plan = _PLANS.get(shape)
    if plan is None:
        special, own = _names()
        found: dict[str, int] = {}
        for number, source in enumerate(sources[:-1]):
            for key in source:
                found[key] = number
        for key in sources[-1]:
            found.setdefault(key, len(sources) - 1)
        plan = tuple((name, number) for name, number in found.items()
                     if _plain_name(name, special, own))
        if len(_PLANS) < _PLANS_KEPT:
            _PLANS[shape] = plan
    return plan


def _at(record: Mapping[str, Any], path: str) -> Any:
    """``record.get_path(record, path)`` for an alias's path (``section.key``), dicts walked
    without it (it runs for every alias of every record)."""
    section, _, key = path.partition(".")
    inner = record.get(section)
    if type(inner) is dict and "." not in key:
        return inner.get(key)
    from kepler_jupyter.journal.record import get_path

    return get_path(record, path)


# Whether a name is stored as itself (a bare, storable name resolve_field looks up in the
# sections); the same few names recur in every record, so the answers are kept.
_PLAIN: dict[Any, bool] = {}
_PLAIN_KEPT = 10_000


def _plain_name(name: Any, special: frozenset[str], own: tuple[str, ...]) -> bool:
    plain = _PLAIN.get(name)
    if plain is None:
        plain = (isinstance(name, str) and "." not in name and name.lower() not in special
                 and name not in own and storable(name))
        if len(_PLAIN) < _PLAIN_KEPT:
            _PLAIN[name] = plain
    return plain


def fields_json(record: Mapping[str, Any]) -> str | None:
    """``sort_fields`` of a normalised record as the index stores it; ``None`` for a record
    it cannot describe."""
    try:
        # not ASCII-escaped: json_extract's paths name the keys as they are
        return json.dumps(sort_fields(record), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None


def write(connection: sqlite3.Connection, rows: list[tuple[str, str | None, str]],
          catalogue: bool = True) -> None:
    """Store the ``(id, fields JSON, catalogue entries JSON)`` of upserted rows, their
    materialised fields and (with ``catalogue``) their part of the column catalogue
    (``index_catalogue``; without, the caller counts it afterwards: ``index_catalogue.count``)."""
    ids = [(record_id,) for record_id, _, _ in rows]
    if catalogue:
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
    row = connection.execute("SELECT used FROM sorted_fields WHERE name = ?", (key,)).fetchone()
    if row is not None:
        if time.time() - row[0] > _USE_MARK_S:  # not a write per request: once an hour
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
    """A name that some record holds as a list or an object is left to the snapshot."""
    row = connection.execute("SELECT top FROM sorted_fields WHERE name = ?", (key,)).fetchone()
    return "a list or an object in some record" if row and row[0] else None
