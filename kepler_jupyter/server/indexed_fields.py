"""The list route sorted by any field (``sort=field:NAME``), answered by the journal's index.

The field's values are materialised in the index (``journal.index_fields``), so a page walks
the index on ``(name, value)``: the experiments that have the field in value order (numbers
before text, ties newest first), then those without it, newest first, as
``query.sorted_positions`` orders a snapshot.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from kepler_jupyter.journal import index_catalogue, index_fields
from kepler_jupyter.server.project import ProjectLocation


def indexed_catalogue(location: ProjectLocation) -> dict[str, Any] | None:
    """``server.columns.column_catalogue`` with ``metric``, from the index's catalogue table
    (``journal.index_catalogue``); ``None`` without an index."""
    from kepler_jupyter.server.columns import catalogue_from_counts
    from kepler_jupyter.server.indexed_listing import indexed_metric

    opened = location.indexed_reads()
    if opened is None:
        return None
    reads = opened[1]
    metric = indexed_metric(reads, location)
    with reads.index.mutex:
        counts = index_catalogue.counts(reads.index.connection)
    return {**catalogue_from_counts(counts, metric.name), "metric": metric.to_payload()}


def sorted_field(index: Any, field: str) -> str | None:
    """The index's name for sorting by ``field``, materialised; ``None`` where the snapshot
    must sort (a dotted path, tags, notes, a name some record has as a list or object at its
    top level)."""
    from kepler_jupyter.journal.index import IndexUnavailable

    key = index_fields.storage_key(field)
    if key is None:
        return None
    with index.mutex:
        try:
            reason = index_fields.ensure_sorted(index.connection, key)
        except sqlite3.Error as error:
            raise IndexUnavailable(str(error)) from error
    return None if reason else key


def field_sorted_rows(index: Any, key: str, order: str, join: str, conditions: list[str],
                      join_head: list[Any], parameters: list[Any], limit: int, offset: int
                      ) -> list[tuple[Any, ...]]:
    """One page of rows ``(id, offset, length, listing, metric value or None, None)``.

    ``join`` joins the metric as ``m`` (its parameters ``join_head``) where ``conditions``
    (over ``e`` / ``m``, with ``parameters``) need it.
    """
    value_sql = "m.value" if join else "NULL"
    columns = f"e.id, e.offset, e.length, e.listing, {value_sql}"
    extra = "".join(f" AND {condition}" for condition in conditions)
    # CROSS JOIN: the values' index drives, so the first page stops after ``limit`` rows
    present = index.query(
        f"SELECT {columns} FROM field_values f CROSS JOIN experiments e {join} "
        f"WHERE e.id = f.id AND f.name = ?{extra} ORDER BY f.value {order.upper()}, "
        "e.created DESC, e.first_seq DESC LIMIT ? OFFSET ?",
        [*join_head, key, *parameters, limit, offset])
    rows = [(*row, None) for row in present]
    if len(rows) == limit:
        return rows
    if rows or offset == 0:
        n_present = offset + len(rows)
    else:  # a page past the values: how many there are (one pass, only here)
        n_present = index.query(
            f"SELECT count(*) FROM field_values f CROSS JOIN experiments e {join} "
            f"WHERE e.id = f.id AND f.name = ?{extra}", [*join_head, key, *parameters])[0][0]
    missing = index.query(
        f"SELECT {columns} FROM experiments e {join} WHERE NOT EXISTS (SELECT 1 FROM "
        f"field_values f WHERE f.id = e.id AND f.name = ?){extra} "
        "ORDER BY e.created DESC, e.first_seq DESC LIMIT ? OFFSET ?",
        [*join_head, key, *parameters, limit - len(rows), max(0, offset - n_present)])
    return rows + [(*row, None) for row in missing]
