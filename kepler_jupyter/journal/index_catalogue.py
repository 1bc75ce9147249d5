"""The column picker's catalogue kept in the index: which metrics, settings, data fields and
tags the experiments have, and how many distinct values each setting took.

Each record contributes entries ``(section, name, value)`` (``catalogue_entries``): ``m`` a
metric, ``d`` a data field, ``t`` a tag (value ``""``), ``s`` a setting with its value's
``repr``. The table ``catalogue`` counts the experiments behind each entry; the writer adds a
row's entries and takes away those its previous version had (kept beside it in
``field_rows.catalogue``), so ``GET /kepler/api/columns`` reads one small table instead of
every record (``server.columns.catalogue_from_counts``).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from kepler_jupyter.journal.index_rows import storable

SCHEMA = """
CREATE TABLE IF NOT EXISTS catalogue (
    section TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (section, name, value)) WITHOUT ROWID;
"""
#: settings that identify rather than configure a run: never a "most changed" default
NOT_SETTINGS = {"estimator_params", "callbacks", "validation_data", "class_weight", "sample_weight"}
Entry = tuple[str, str, str]
_CONTAINERS = (dict, list)


def _scalar_items(section: Any) -> list[tuple[str, Any]]:
    if not isinstance(section, dict):  # JSON objects: dicts (an ABC check is slower)
        return []
    return [(key, value) for key, value in section.items()
            if not isinstance(value, _CONTAINERS) and isinstance(key, str)]


def catalogue_entries(record: Mapping[str, Any]) -> list[Entry]:
    """What one (normalised) record adds to the catalogue (see the module)."""
    entries = [("m", key, "") for key, _ in _scalar_items(record.get("metrics"))]
    entries += [("d", key, "") for key, _ in _scalar_items(record.get("data"))]
    tags = record.get("tags")
    if isinstance(tags, list):
        entries += [("t", tag, "") for tag in dict.fromkeys(tags) if isinstance(tag, str)]
    params = record.get("params")
    if isinstance(params, Mapping):
        settings = {key: value for key, value in _scalar_items(params) if key not in NOT_SETTINGS}
        estimator = params.get("estimator_params")
        if isinstance(estimator, Mapping):
            settings.update(_scalar_items(estimator))
        entries += [("s", key, repr(value)) for key, value in settings.items()]
    return [entry for entry in entries if entry[1].isascii() and entry[2].isascii()
            or storable(entry[1]) and storable(entry[2])]


def entries_json(record: Mapping[str, Any]) -> str:
    """``catalogue_entries`` of a normalised record as the index keeps them beside the row."""
    return json.dumps(catalogue_entries(record), ensure_ascii=False)


def apply(connection: sqlite3.Connection, ids: Iterable[str], added: Iterable[str]) -> None:
    """Take away the entries the rows ``ids`` had (before they are replaced or deleted) and
    add the entries ``added`` (JSON texts of ``entries_json``)."""
    delta: Counter[Entry] = Counter()
    for (text,) in connection.execute(
            "SELECT catalogue FROM field_rows WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),)):
        delta.subtract(tuple(entry) for entry in json.loads(text or "[]"))
    for text in added:
        delta.update(tuple(entry) for entry in json.loads(text))
    changes = [(*entry, count) for entry, count in delta.items() if count]
    if changes:
        connection.executemany(
            "INSERT INTO catalogue VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n",
            changes)
        connection.executemany(  # entries no experiment has any more
            "DELETE FROM catalogue WHERE section = ? AND name = ? AND value = ? AND n <= 0",
            [entry for entry, count in delta.items() if count < 0])


def add_counted(connection: sqlite3.Connection, texts: Counter[str]) -> None:
    """Add the entries of rows given as ``entries_json`` texts with how many rows had each
    (an index built from nothing: rows of one kind share their text, so each distinct text
    is read once instead of a count per row)."""
    delta: Counter[Entry] = Counter()
    for text, rows in texts.items():
        for entry in json.loads(text):
            delta[tuple(entry)] += rows
    connection.executemany(
        "INSERT INTO catalogue VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n",
        [(*entry, count) for entry, count in delta.items() if count])


def counts(connection: sqlite3.Connection) -> dict[str, list[tuple[str, int, int]]]:
    """Per section, ``(name, distinct values, experiments having it)``, names sorted."""
    found: dict[str, list[tuple[str, int, int]]] = {"m": [], "d": [], "t": [], "s": []}
    for section, name, distinct, seen in connection.execute(
            "SELECT section, name, count(*), sum(n) FROM catalogue GROUP BY section, name"):
        found.setdefault(section, []).append((name, int(distinct), int(seen)))
    return found
