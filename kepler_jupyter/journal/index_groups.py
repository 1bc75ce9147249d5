"""The index's table of run-table groups in the panel's default view (archived runs left out):
one row per group key with its number of runs and its newest run, kept by the index writer.

The list route's default request (``?group=1``, newest first, no filter) then pages this table
instead of grouping every row of ``experiments``: a few ms at 100,000 experiments rather than
a pass over all of them. Any other grouped request groups ``experiments`` itself
(``server.indexed_groups``). Only the groups whose rows a write touched are recomputed, each
from the index on ``(group_key, archived, created, first_seq)``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

SCHEMA = """
CREATE TABLE IF NOT EXISTS groups_shown (
    key TEXT PRIMARY KEY, n INTEGER NOT NULL, newest_created TEXT, newest_seq INTEGER,
    newest_rowid INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS groups_shown_order ON groups_shown (newest_created, newest_seq);
"""
#: recomputing more groups than this at once (a rebuild) recomputes them all in one pass
_ALL_AT_ONCE = 2000
_SELECT = ("SELECT group_key, count(*), max(created), first_seq, rowid FROM experiments "
           "WHERE archived = 0 AND group_key IS NOT NULL")


def keys_of_ids(connection: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """The group keys the rows with these ids have now (before they change or go)."""
    rows = connection.execute(
        "SELECT DISTINCT group_key FROM experiments WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(ids)),)).fetchall()
    return {row[0] for row in rows if row[0] is not None}


def keys_of_cells(connection: sqlite3.Connection, cells: str) -> set[str]:
    """The group keys of the rows of these cell runs (``cells``: a JSON list)."""
    rows = connection.execute(
        "SELECT DISTINCT group_key FROM experiments WHERE group_cell IN "
        "(SELECT value FROM json_each(?))", (cells,)).fetchall()
    return {row[0] for row in rows if row[0] is not None}


def refresh(connection: sqlite3.Connection, keys: set[str] | None) -> None:
    """Recompute the groups ``keys`` (``None``: all of them) from ``experiments``."""
    if keys is not None and not keys:
        return
    if keys is None or len(keys) > _ALL_AT_ONCE:
        connection.execute("DELETE FROM groups_shown")
        connection.execute(f"INSERT INTO groups_shown {_SELECT} GROUP BY group_key")
        return
    chosen = json.dumps(sorted(keys))
    connection.execute("DELETE FROM groups_shown WHERE key IN (SELECT value FROM json_each(?))",
                       (chosen,))
    connection.execute(f"INSERT INTO groups_shown {_SELECT} AND group_key IN "
                       "(SELECT value FROM json_each(?)) GROUP BY group_key", (chosen,))
