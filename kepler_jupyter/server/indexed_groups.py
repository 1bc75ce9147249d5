"""Groups of the run table answered by the journal's index: one ``GROUP BY`` over its
``group_key`` column (kept by the index writer, see ``journal.groups``), paged in SQL.

Each group is represented by its newest run (SQLite returns the other columns of an aggregate
query from the row that ``max(created)`` picked); its count, and the sum and sum of squares of
the metric, come from the same pass, so a page costs one query at any journal size.
"""

from __future__ import annotations

from typing import Any

from kepler_jupyter.server.groups import group_payload, spread

#: the group of a row (an id SQLite could not store as a key has no group: itself)
GROUP_KEY_SQL = "COALESCE(e.group_key, 'i:' || e.id)"


def grouped_rows(index: Any, join: str, where: str, parameters: list[Any], sort_sql: str,
                 order: str, metric_name: str | None, limit: int, offset: int
                 ) -> tuple[int, list[tuple[Any, ...]]]:
    """``(number of groups, rows)`` for one page; each row is ``(id, offset, length, listing,
    metric value, group payload or None)`` of the group's newest run.

    ``join`` joins the metric as ``m`` (always: the groups' means need it), ``sort_sql`` is
    the sort key's expression over ``e`` / ``m`` (``None``-valued groups last).
    """
    head = [metric_name or "", *parameters]
    total = index.query(f"SELECT count(DISTINCT {GROUP_KEY_SQL}) FROM experiments e {join} {where}",
                        head)[0][0]
    if sort_sql == "m.value":  # a group sorts by its mean
        sort_sql = "total(m.value) / nullif(count(m.value), 0)"
    rows = index.query(
        f"SELECT {GROUP_KEY_SQL} AS g, count(*), count(m.value), total(m.value), "
        f"total(m.value * m.value), max(e.created), e.id, e.offset, e.length, e.listing, m.value, "
        f"e.name FROM experiments e {join} {where} GROUP BY g "
        f"ORDER BY ({sort_sql}) IS NULL, {sort_sql} {order.upper()}, max(e.created) DESC, "
        f"max(e.first_seq) DESC LIMIT ? OFFSET ?", [*head, limit, offset])
    page = []
    for key, count, n_values, total_values, squares, _, record_id, at, length, listing, value, name in rows:
        group = None
        if count > 1:
            group = group_payload(key, count, name, [])
            group["n_values"] = n_values
            group["mean"], group["std"] = spread(count, n_values, total_values, squares)
        page.append((record_id, at, length, listing, value, group))
    return int(total), page
