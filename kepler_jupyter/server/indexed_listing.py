"""The list route answered by the journal's index: filter, sort and page in SQL.

Only the page's rows are read (their slim listing records, see ``Journal.listing``), so the
first request after the server starts costs the same at 100 or 100,000 experiments and the
server never holds the whole journal in memory. The result has the same shape, order and
values as ``query.run_query`` over a snapshot, which remains the fallback when the index cannot
be used.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kepler_jupyter.history.filters import Filter
from kepler_jupyter.history.goal import DEFAULT_METRICS
from kepler_jupyter.history.indexed_filters import answerable_from_listing
from kepler_jupyter.journal.index_rows import OMITTED_KEY
from kepler_jupyter.journal.record import normalize
from kepler_jupyter.journal.removal import archived_sql
from kepler_jupyter.server.columns import FIELD_SORT_PREFIX, row_columns
from kepler_jupyter.server.indexed_fields import field_sorted_rows, sorted_field
from kepler_jupyter.server.indexed_groups import grouped_rows
from kepler_jupyter.server.metric import MetricChoice, infer_mode, read_goal
from kepler_jupyter.server.project import ProjectLocation
from kepler_jupyter.server.query import ListQuery, default_order
from kepler_jupyter.server.summaries import list_row

# sort key -> SQL expression over experiments ``e`` (and the metric join ``m``)
_SORT_SQL = {"created": "e.created", "name": "lower(e.name)", "status": "lower(e.status)",
             "model": "lower(e.model_class)", "n_params": "e.n_params", "errors": "e.n_errors",
             "warnings": "e.n_warnings", "duration": "e.duration_s", "metric": "m.value"}
_SQL_COMPARATORS = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "=", "==": "="}


def indexed_metric(reads: Any, location: ProjectLocation) -> MetricChoice:
    """The project's goal, else the first usual metric any experiment has (from the index)."""
    configured = read_goal(location.project_dir)
    if configured is not None:
        return configured
    for name in DEFAULT_METRICS:  # one index seek each (DISTINCT would walk every value)
        if reads.index.query("SELECT 1 FROM metric_values WHERE name = ? LIMIT 1", (name,)):
            return MetricChoice(name, infer_mode(name), None, "default")
    return MetricChoice(None, "max", None, "default")


def _where(query: ListQuery, matching_ids: list[str] | None) -> tuple[list[str], list[Any]]:
    conditions, parameters = archived_sql(query.archived)
    if matching_ids is not None:
        # The search expressions' matches, found by the same code as ``%kepler search``; one
        # JSON parameter rather than one per id (SQLite caps the number of parameters).
        conditions.append("e.id IN (SELECT value FROM json_each(?))")
        parameters.append(json.dumps(matching_ids))
    for term in query.text.split():
        conditions.append("instr(e.search_text, ?) > 0")
        parameters.append(term)
    if query.statuses:
        marks = ", ".join("?" * len(query.statuses))
        unknown = " OR e.status IS NULL" if "unknown" in query.statuses else ""
        conditions.append(f"(lower(e.status) IN ({marks}){unknown})")
        parameters.extend(query.statuses)
    for tag in query.tags:
        conditions.append("EXISTS (SELECT 1 FROM json_each(e.listing, '$.tags') WHERE value = ?)")
        parameters.append(tag)
    if query.metric_op is not None:
        conditions.append(f"m.value {_SQL_COMPARATORS[query.metric_op]} ?")
        parameters.append(query.metric_bound)
    return conditions, parameters


def indexed_query(location: ProjectLocation, query: ListQuery) -> dict[str, Any] | None:
    """The schema's ``ExperimentList`` (without ``project``), or ``None`` without an index."""
    opened = location.indexed_reads()
    if opened is None:
        return None
    journal, reads = opened
    field_key = None
    if query.sort.startswith(FIELD_SORT_PREFIX):
        field_key = sorted_field(reads.index, query.sort[len(FIELD_SORT_PREFIX):])
        if field_key is None:
            return None  # a field the index does not keep: the cached snapshot sorts by it
    metric = indexed_metric(reads, location)
    if query.metric_name and query.metric_name != metric.name:
        metric = MetricChoice(query.metric_name, infer_mode(query.metric_name), None, "request")
    order = query.order or default_order(query.sort, metric.mode)
    matching_ids = None
    if query.filters:
        from kepler_jupyter.history.indexed_filters import search_index

        matched = search_index(journal, query.filters)
        if matched is None:
            return None  # the snapshot evaluates the expressions instead
        matching_ids = [str(record.get("id")) for record in matched]
    conditions, parameters = _where(query, matching_ids)
    if query.parent is not None:
        conditions.append("e.group_key = ?")  # walks the index on group_key
        parameters.append(query.parent)
    grouped = query.group and query.parent is None
    # The metric's value is joined only when sorting, filtering or grouping by it; otherwise it
    # is looked up for the page's rows alone, and the default order (newest first) walks an index.
    joined = query.sort == "metric" or query.metric_op is not None or grouped
    join = "LEFT JOIN metric_values m ON m.id = e.id AND m.name = ?" if joined else ""
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    key = "f.value" if field_key is not None else _SORT_SQL[query.sort]
    if query.sort == "created" and order == "desc":
        order_sql = "ORDER BY e.created DESC, e.first_seq DESC"  # NULLs come last anyway
    else:
        # Rows without a value last whatever the order; ties newest first, as the panel lists.
        order_sql = (f"ORDER BY ({key}) IS NULL, {key} {order.upper()}, "
                     "e.created DESC, e.first_seq DESC")
    rows: list[tuple[Any, ...]]
    n_matched = 0
    state = reads.index.state()
    if grouped:
        sort_join = "LEFT JOIN field_values f ON f.id = e.id AND f.name = ?" if field_key else ""
        total, rows = grouped_rows(reads.index, state, join, where, parameters, key, order,
                                   metric.name, query.limit, query.offset, sort_join,
                                   (field_key,) if field_key else ())
        counted = join if "m." in where else ""
        n_matched = reads.index.query(f"SELECT count(*) FROM experiments e {counted} {where}",
                                      [metric.name or ""] * bool(counted) + parameters)[0][0]
    else:
        head = [metric.name or ""] if joined else []
        head += parameters
        total = reads.index.query(f"SELECT count(*) FROM experiments e {join} {where}", head)[0][0]
    if not grouped and field_key is not None:
        rows = field_sorted_rows(reads.index, field_key, order, join, conditions, head[:joined],
                                 parameters, query.limit, query.offset)
    elif not grouped:
        value_sql = "m.value" if joined else "NULL"
        rows = [(*row, None) for row in reads.index.query(
            f"SELECT e.id, e.offset, e.length, e.listing, {value_sql} FROM experiments e {join} "
            f"{where} {order_sql} LIMIT ? OFFSET ?", [*head, query.limit, query.offset])]
    if not joined and rows and metric.name:
        marks = ", ".join("?" * len(rows))
        values = dict(reads.index.query(
            f"SELECT id, value FROM metric_values WHERE name = ? AND id IN ({marks})",
            [metric.name, *(row[0] for row in rows)]))
        rows = [(*row[:4], values.get(row[0]), row[5]) for row in rows]
    # Columns the slim listing record lacks (data fields, most metrics) need the whole record.
    whole = bool(query.columns) and not answerable_from_listing(
        [Filter(key, "=", None, key) for key in query.columns])
    items = []
    for record_id, offset, length, listing, value, group in rows:
        record = normalize(json.loads(listing))
        if OMITTED_KEY in record or whole:  # a field too large for the index, or a column
            record = reads.read((record_id, offset, length))
        item = list_row(record, metric.name)
        item["metric_value"] = value
        if query.columns:
            item["columns"] = row_columns(record, query.columns)
        if group is not None:
            item["group"] = group
        items.append(item)
    revision = hashlib.sha1(repr((str(location.kepler_dir), state, metric)).encode(),
                            usedforsecurity=False).hexdigest()[:16]
    counts = {"experiments": int(n_matched), "total": int(total)} if grouped else {"total": int(total)}
    return {**counts, "offset": query.offset, "limit": query.limit, "sort": query.sort,
            "order": order, "items": items, "metric": metric.to_payload(), "revision": revision}


def indexed_record(location: ProjectLocation, experiment_id: str) -> tuple[dict[str, Any] | None, MetricChoice] | None:
    """One whole record by id or unique prefix, read by offset; ``None`` without an index."""
    from kepler_jupyter.journal import JournalError

    opened = location.indexed_reads()
    if opened is None:
        return None
    journal, reads = opened
    try:
        record = journal.get(experiment_id)
    except JournalError:
        record = None
    return record, indexed_metric(reads, location)
