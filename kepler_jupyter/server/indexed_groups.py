"""Groups of the run table answered by the journal's index: one ``GROUP BY`` over its
``group_key`` column (kept by the index writer, see ``journal.groups``; never NULL).

The panel's default request (newest first, archived runs left out, no filter) pages the
index's table of groups (``journal.index_groups``): a few ms at any size. Any other request
orders the groups in one pass over the matching rows; sorted by creation (the
default), by name or by another listed field, that pass reads only the index on
``group_key`` (about 0.13 s of CPU at 100,000 experiments), sorted by the metric it joins the
metric's values (about 0.3 s). The order is kept per index state and query, so the next pages,
and the panel's polls while the journal is unchanged, cost a few ms. Each group's newest run
stands for it (SQLite returns the other columns of an aggregate query from the row that
``max(created)`` picked); the count and the mean ± std of the metric are computed for the
page's groups only.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from kepler_jupyter.server.bounded import LruDict
from kepler_jupyter.server.groups import group_payload, spread

#: the conditions of the panel's default view (``journal.removal.archived_sql("hide")``)
DEFAULT_VIEW = "WHERE e.archived = 0"
#: group orders kept (each about 100 bytes per group)
_ORDERS_KEPT = 8

# (group key, number of runs, rowid of its newest run)
_Group = tuple[str, int, int]
_orders: LruDict[tuple[Any, ...], list[_Group]] = LruDict(_ORDERS_KEPT)
_orders_lock = threading.Lock()


def _group_order(index: Any, state: Any, join: str, where: str, head: list[Any], sort_sql: str,
                 order: str, sort_join: str = "", sort_head: tuple[Any, ...] = ()) -> list[_Group]:
    cache_key = (str(getattr(index, "path", id(index))), state, join, where,
                 json.dumps(head, default=str), sort_sql, order, sort_join, sort_head)
    with _orders_lock:
        cached = _orders.get(cache_key)
    if cached is not None:
        return cached
    rows = _grouped(index, join, where, head, sort_sql, order, sort_join, sort_head)
    groups = [(str(key), int(count), int(rowid)) for key, count, rowid, _ in rows]
    with _orders_lock:
        _orders[cache_key] = groups
    return groups


def _grouped(index: Any, join: str, where: str, head: list[Any], sort_sql: str, order: str,
             sort_join: str, sort_head: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The groups of the matching runs in one pass, ``(key, runs, newest rowid, created)``."""
    if sort_sql == "m.value":  # a group sorts by its mean
        sort_sql = "total(m.value) / nullif(count(m.value), 0)"
    elif "m." not in where:
        join, head = "", head[1:]  # the metric is not needed to order the groups
    if sort_join:  # a field's values (journal.index_fields), joined after the metric
        metric_params = head[:1] if join else []
        join = f"{join} {sort_join}"
        head = [*metric_params, *sort_head, *head[len(metric_params):]]
    return index.query(
        f"SELECT e.group_key, count(*), e.rowid, max(e.created) FROM experiments e {join} {where} "
        f"GROUP BY e.group_key ORDER BY ({sort_sql}) IS NULL, {sort_sql} {order.upper()}, "
        "max(e.created) DESC, e.first_seq DESC", head)  # the newest run's first_seq


def _field_page(index: Any, key: str, order: str, limit: int, offset: int) -> list[_Group]:
    """A page of the default view's groups sorted by the field ``key`` (materialised,
    ``journal.index_fields``): walks the values' index, then the groups without a value."""
    present = index.query(
        "SELECT g.key, g.n, g.newest_rowid FROM field_values f CROSS JOIN experiments e "
        "CROSS JOIN groups_shown g WHERE f.name = ? AND e.id = f.id AND g.key = e.group_key "
        f"AND g.newest_rowid = e.rowid ORDER BY f.value {order.upper()}, g.newest_created DESC, "
        "g.newest_seq DESC LIMIT ? OFFSET ?", [key, limit, offset])
    if len(present) == limit:
        return [(str(k), int(n), int(rowid)) for k, n, rowid in present]
    if present or offset == 0:
        n_present = offset + len(present)
    else:
        n_present = index.query(
            "SELECT count(*) FROM field_values f CROSS JOIN experiments e CROSS JOIN groups_shown g "
            "WHERE f.name = ? AND e.id = f.id AND g.key = e.group_key AND g.newest_rowid = e.rowid",
            [key])[0][0]
    missing = index.query(
        "SELECT g.key, g.n, g.newest_rowid FROM groups_shown g JOIN experiments e ON "
        "e.rowid = g.newest_rowid WHERE NOT EXISTS (SELECT 1 FROM field_values f WHERE "
        "f.id = e.id AND f.name = ?) ORDER BY g.newest_created DESC, g.newest_seq DESC "
        "LIMIT ? OFFSET ?", [key, limit - len(present), max(0, offset - n_present)])
    return [(str(k), int(n), int(rowid)) for k, n, rowid in [*present, *missing]]


def grouped_rows(index: Any, state: Any, join: str, where: str, parameters: list[Any],
                 sort_sql: str, order: str, metric_name: str | None, limit: int, offset: int,
                 sort_join: str = "", sort_head: tuple[Any, ...] = ()
                 ) -> tuple[int, list[tuple[Any, ...]]]:
    """``(number of groups, rows)`` for one page; each row is ``(id, offset, length, listing,
    metric value, group payload or None)`` of the group's newest run.

    ``sort_join`` (with its parameters ``sort_head``) joins what ``sort_sql`` reads when that is
    neither the metric nor a column of ``experiments`` (a field's values, ``f.value``).

    ``state`` is the index's state (the kept order is valid while it is unchanged), ``join``
    joins the metric as ``m``, ``where`` the query's conditions over ``e`` / ``m`` and
    ``sort_sql`` the sort key's expression (groups without a value last).
    """
    head = [metric_name or "", *parameters]
    if where == DEFAULT_VIEW and sort_sql == "e.created" and order == "desc":
        # the panel's default request: the index keeps these groups (journal.index_groups)
        total = int(index.query("SELECT count(*) FROM groups_shown")[0][0])
        page = [(str(key), int(count), int(rowid)) for key, count, rowid in index.query(
            "SELECT key, n, newest_rowid FROM groups_shown ORDER BY newest_created DESC, "
            "newest_seq DESC LIMIT ? OFFSET ?", [limit, offset])]
    elif where == DEFAULT_VIEW and sort_join:
        # sorted by a field: the index's table of groups, each ordered by its newest run's value
        total = int(index.query("SELECT count(*) FROM groups_shown")[0][0])
        page = _field_page(index, str(sort_head[0]), order, limit, offset)
    else:
        groups = _group_order(index, state, join, where, head, sort_sql, order, sort_join,
                              sort_head)
        total, page = len(groups), groups[offset: offset + limit]
    if not page:
        return total, []
    found = {row[0]: row[1:] for row in index.query(
        f"SELECT e.rowid, e.id, e.offset, e.length, e.listing, m.value, e.name FROM experiments e "
        f"{join} WHERE e.rowid IN (SELECT value FROM json_each(?))",
        [metric_name or "", json.dumps([group[2] for group in page])])}
    several = [key for key, count, _ in page if count > 1]
    spreads: dict[str, tuple[int, float, float]] = {}
    if several:
        members = f"{where} {'AND' if where else 'WHERE'} e.group_key IN (SELECT value FROM json_each(?))"
        spreads = {key: (n, value_sum, squares) for key, n, value_sum, squares in index.query(
            f"SELECT e.group_key, count(m.value), total(m.value), total(m.value * m.value) "
            f"FROM experiments e {join} {members} GROUP BY e.group_key", [*head, json.dumps(several)])}
    rows = []
    for key, count, rowid in page:
        if rowid not in found:
            continue  # pragma: no cover - the order and the rows come from one index state
        *row, name = found[rowid]
        group = None
        if count > 1:
            n_values, values_sum, squares = spreads.get(key, (0, 0.0, 0.0))
            group = group_payload(key, count, name, [])
            group["n_values"] = n_values
            group["mean"], group["std"] = spread(count, n_values, values_sum, squares)
        rows.append((*row, group))
    return total, rows
