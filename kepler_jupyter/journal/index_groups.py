"""The index's table of run-table groups in the panel's default view (archived runs left out):
one row per group key with its number of runs and its newest run, kept by the index writer.

The list route's default request (``?group=1``, newest first, no filter) then pages this table
instead of grouping every row of ``experiments``: a few ms at 100,000 experiments rather than
a pass over all of them. Any other grouped request groups ``experiments`` itself
(``server.indexed_groups``).

A small write (a fit's append, an edit) moves its rows between groups in O(1) each
(``apply_moves``: a count up or down, the newest run replaced by a newer one); a group is
recomputed from the index on ``(group_key, archived, created, first_seq)`` only where that
cannot say the answer (its newest run left it, a tie on the creation time) or where a cell
loop regrouped runs. Recomputing a search's group of 25,000 runs on every trial's write cost
10–40 ms.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

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


#: a row's place in the groups: (group_key, archived, created, first_seq, rowid, group_base,
#: group_cell)
Place = tuple[Any, ...]


def places(connection: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Place]:
    """Where the rows with these ids are in the groups now (absent: no such row)."""
    rows = connection.execute(
        "SELECT id, group_key, archived, created, first_seq, rowid, group_base, group_cell "
        "FROM experiments WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(ids)),)).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def _counted(place: Place | None) -> bool:
    return place is not None and place[0] is not None and place[1] == 0


def apply_moves(connection: sqlite3.Connection, moves: list[tuple[Place | None, Place | None]],
                skip: set[str]) -> None:
    """Bring ``groups_shown`` up to date with rows that moved (``(before, after)``, ``None``
    where the row did not exist), leaving out the groups in ``skip`` (recomputed apart)."""
    again: set[str] = set()
    for before, after in moves:
        if before is not None and after is not None and before[:4] == after[:4]:
            continue  # same group, same place in its order (a status change, an edit)
        if _counted(before) and before is not None and before[0] not in skip:
            newest = connection.execute("SELECT newest_rowid FROM groups_shown WHERE key = ?",
                                        (before[0],)).fetchone()
            if newest is None or newest[0] == before[4]:
                again.add(before[0])  # its newest run left: only the rows can say which is now
            else:
                connection.execute("UPDATE groups_shown SET n = n - 1 WHERE key = ?", (before[0],))
        if _counted(after) and after is not None and after[0] not in skip:
            key, _, created, seq, rowid = after[:5]
            current = connection.execute("SELECT newest_created FROM groups_shown WHERE key = ?",
                                         (key,)).fetchone()
            if current is None and created is not None:
                connection.execute("INSERT INTO groups_shown VALUES (?, 1, ?, ?, ?)",
                                   (key, created, seq, rowid))
            elif current is None or created is None or current[0] is None or created == current[0]:
                again.add(key)  # which of equals max() picks is SQLite's: let it pick
            elif created > current[0]:
                connection.execute(
                    "UPDATE groups_shown SET n = n + 1, newest_created = ?, newest_seq = ?, "
                    "newest_rowid = ? WHERE key = ?", (created, seq, rowid, key))
            else:
                connection.execute("UPDATE groups_shown SET n = n + 1 WHERE key = ?", (key,))
    refresh(connection, again)
