"""The list route's query: parse ``offset / limit / sort / order / q / tag / status / metric /
archived``, then filter, sort and page a journal snapshot (archived runs are left out unless
``archived=show|only`` or an expression names ``archived``).

``q`` takes the expressions of ``%kepler search`` (``val_accuracy>0.9 tag=baseline
model=Sequential created>=2026-01-01``), read by its parser (``history.filters``) and evaluated
here on the whole records; its other words search the listed text as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kepler_jupyter.commands import CommandError
from kepler_jupyter.history.filters import Filter, split_search
from kepler_jupyter.journal.groups import PREFIXES as GROUP_PREFIXES
from kepler_jupyter.journal.removal import (
    ARCHIVED_VIEWS,
    ArchivedView,
    archived_view_for,
    check_view,
)
from kepler_jupyter.server.columns import (
    COLUMN_KEY,
    FIELD_SORT_PREFIX,
    MAX_COLUMNS,
    column_value,
    row_columns,
    sort_key,
)
from kepler_jupyter.server.listing import JournalSnapshot

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SORT_KEYS = ("created", "name", "status", "model", "metric", "n_params", "errors", "warnings",
             "duration")
# Newest, biggest and most-flagged first; names and statuses alphabetically.
_DEFAULT_ORDER = {"created": "desc", "name": "asc", "status": "asc", "model": "asc",
                  "n_params": "desc", "errors": "desc", "warnings": "desc", "duration": "desc"}
_METRIC_FILTER = re.compile(r"^\s*(>=|<=|==|=|>|<)?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda value, bound: value >= bound,
    "<=": lambda value, bound: value <= bound,
    ">": lambda value, bound: value > bound,
    "<": lambda value, bound: value < bound,
    "=": lambda value, bound: value == bound,
    "==": lambda value, bound: value == bound,
}


class QueryError(ValueError):
    """A query parameter the user (or the panel) got wrong; the message says which and why."""


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _integer(name: str, raw: str | None, default: int, low: int, high: int | None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"'{name}' must be a whole number, got {raw!r}.") from None
    if value < low or (high is not None and value > high):
        upper = f" and at most {high}" if high is not None else ""
        raise QueryError(f"'{name}' must be at least {low}{upper}, got {value}.")
    return value


@dataclass(frozen=True)
class ListQuery:
    """One parsed request of ``GET /kepler/api/experiments``."""

    offset: int = 0
    limit: int = DEFAULT_LIMIT
    sort: str = "created"
    order: str | None = None
    text: str = ""
    tags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    metric_op: str | None = None
    metric_bound: float | None = None
    metric_name: str | None = None
    filters: tuple[Filter, ...] = ()
    columns: tuple[str, ...] = ()
    archived: ArchivedView = "hide"
    #: collapse re-runs and put searches' points and cell loops under parent rows
    group: bool = False
    #: list only the members of this group (a key from a grouped row's ``group.key``)
    parent: str | None = None

    @classmethod
    def from_arguments(cls, argument: Callable[[str], str | None]) -> ListQuery:
        """Parse the query from ``argument(name) -> value or None`` (the handler's arguments)."""
        sort = (argument("sort") or "created").strip()
        if sort.startswith(FIELD_SORT_PREFIX):
            if not COLUMN_KEY.match(sort[len(FIELD_SORT_PREFIX):]):
                raise QueryError(f"'sort' {sort!r} must name a field, e.g. field:val_accuracy.")
        elif sort not in SORT_KEYS:
            raise QueryError(f"'sort' must be one of {', '.join(SORT_KEYS)} or field:NAME "
                             f"(any metric, setting or data field); got {sort!r}.")
        columns = tuple(dict.fromkeys(_split(argument("columns"))))
        bad = [key for key in columns if not COLUMN_KEY.match(key)]
        if bad or len(columns) > MAX_COLUMNS:
            raise QueryError(f"'columns' takes up to {MAX_COLUMNS} comma-separated field names "
                             f"(val_accuracy,learning_rate); got {', '.join(bad) or len(columns)}.")
        order = (argument("order") or "").strip().lower() or None
        if order not in (None, "asc", "desc"):
            raise QueryError(f"'order' must be 'asc' or 'desc'; got {order!r}.")
        metric_op = metric_bound = None
        metric_filter = (argument("metric") or "").strip()
        if metric_filter:
            match = _METRIC_FILTER.match(metric_filter)
            if not match:
                raise QueryError(
                    f"'metric' must be a comparison such as '>=0.9' or '<0.3'; got {metric_filter!r}."
                )
            metric_op, metric_bound = match.group(1) or ">=", float(match.group(2))
        group = (argument("group") or "").strip().lower()
        if group not in ("", "0", "1", "true", "false", "on", "off"):
            raise QueryError(f"'group' must be 1 or 0; got {group!r}.")
        parent = (argument("parent") or "").strip() or None
        if parent is not None and (parent[:2] not in GROUP_PREFIXES or len(parent) > 1000):
            raise QueryError(f"'parent' must be a group key from a grouped row (s:…, c:…, f:…); "
                             f"got {parent[:60]!r}.")
        try:
            filters, words = split_search((argument("q") or "").strip())
        except CommandError as error:
            raise QueryError(str(error)) from None
        archived = (argument("archived") or "hide").strip().lower()
        if archived not in ARCHIVED_VIEWS:
            raise QueryError(f"'archived' must be one of {', '.join(ARCHIVED_VIEWS)}; got {archived!r}.")
        return cls(
            offset=_integer("offset", argument("offset"), 0, 0, None),
            limit=_integer("limit", argument("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT),
            sort=sort,
            order=order,
            text=" ".join(words).lower(),
            tags=_split(argument("tag")),
            statuses=tuple(status.lower() for status in _split(argument("status"))),
            metric_op=metric_op,
            metric_bound=metric_bound,
            metric_name=(argument("metric_name") or "").strip() or None,
            filters=tuple(filters),
            columns=columns,
            # an expression naming ``archived`` decides for itself, as in %kepler search
            archived=archived_view_for(filters, check_view(archived)),
            group=group in ("1", "true", "on"),
            parent=parent,
        )


def _sort_value(sort: str, summary: dict[str, Any], metric: float | None) -> Any:
    if sort == "metric":
        return metric
    if sort in ("name", "status"):
        value = summary[sort]
        return value.lower() if value else None
    if sort == "model":
        return summary["model_class"].lower() if summary["model_class"] else None
    field_of = {"created": "created", "n_params": "n_params", "errors": "n_errors",
                "warnings": "n_warnings", "duration": "duration_s"}
    return summary[field_of[sort]]


def default_order(sort: str, metric_mode: str) -> str:
    """The order a sort key gets when the request names none."""
    if sort == "metric":
        return "desc" if metric_mode == "max" else "asc"
    if sort.startswith(FIELD_SORT_PREFIX):
        return "asc"
    return _DEFAULT_ORDER[sort]


def sorted_positions(snapshot: JournalSnapshot, sort: str, order: str,
                     metric_name: str | None) -> list[int]:
    """Positions of the snapshot's summaries in the requested order, computed once per order.

    Rows without a value go last whatever the order; Python's sort is stable, so ties keep the
    snapshot's newest-first order. Caching the order (rather than sorting per request) also
    keeps each request from allocating thousands of objects, which at 10,000 experiments made
    Python's full garbage collection (150-300 ms) run every few requests.
    """
    cache_key = (sort, order, metric_name)
    cached = snapshot.orders.get(cache_key)
    if cached is not None:
        return cached
    keys: list[Any]
    if sort.startswith(FIELD_SORT_PREFIX):
        field = sort[len(FIELD_SORT_PREFIX):]
        keys = [sort_key(column_value(snapshot.by_id.get(str(summary["id"]), {}), field))
                for summary in snapshot.summaries]
    else:
        metrics = snapshot.metric_values(metric_name)
        keys = [_sort_value(sort, summary, metric)
                for summary, metric in zip(snapshot.summaries, metrics, strict=True)]
    present = [position for position, key in enumerate(keys) if key is not None]
    present.sort(key=keys.__getitem__, reverse=order == "desc")
    positions = present + [position for position, key in enumerate(keys) if key is None]
    snapshot.orders[cache_key] = positions
    return positions


def run_query(snapshot: JournalSnapshot, query: ListQuery) -> dict[str, Any]:
    """Filter, sort and page ``snapshot``; the schema's ``ExperimentList`` without ``project``."""
    metric = snapshot.metric
    if query.metric_name and query.metric_name != metric.name:
        from kepler_jupyter.server.metric import MetricChoice, infer_mode

        metric = MetricChoice(query.metric_name, infer_mode(query.metric_name), None, "request")
    order = query.order or default_order(query.sort, metric.mode)
    positions = sorted_positions(snapshot, query.sort, order, metric.name)
    values = snapshot.metric_values(metric.name)

    terms = query.text.split()
    wanted_tags = set(query.tags)
    wanted_statuses = set(query.statuses)
    bound = query.metric_bound
    compare = _COMPARATORS[query.metric_op] if query.metric_op else None
    filters = query.filters
    archived = query.archived
    if terms or wanted_tags or wanted_statuses or compare or filters or archived != "show":
        summaries, texts = snapshot.summaries, snapshot.search_texts
        by_id = snapshot.by_id

        def keep(position: int) -> bool:
            summary = summaries[position]
            if archived != "show" and bool(summary.get("archived")) != (archived == "only"):
                return False
            if terms and not all(term in texts[position] for term in terms):
                return False
            if wanted_statuses and summary["status"].lower() not in wanted_statuses:
                return False
            if wanted_tags and not wanted_tags.issubset(summary["tags"]):
                return False
            value = values[position]
            if compare is not None and (value is None or bound is None or not compare(value, bound)):
                return False
            if filters:
                record = by_id.get(str(summary["id"]))
                return record is not None and all(condition.matches(record) for condition in filters)
            return True

        positions = [position for position in positions if keep(position)]

    rows: list[tuple[int, dict[str, Any] | None]]
    grouped = query.group and query.parent is None
    matched = len(positions)
    if query.parent is not None or query.group:
        from kepler_jupyter.server.groups import grouped_positions, snapshot_group_keys

        if query.parent is not None:
            keys = snapshot_group_keys(snapshot)
            rows = [(position, None) for position in positions if keys[position] == query.parent]
        else:
            rows = grouped_positions(snapshot, positions, query.sort, order, values, _sort_value)
    else:
        rows = [(position, None) for position in positions]
    items = []
    for position, group in rows[query.offset: query.offset + query.limit]:
        item = dict(snapshot.summaries[position])
        item["metric_value"] = values[position]
        if query.columns:
            item["columns"] = row_columns(snapshot.by_id.get(str(item["id"]), {}), query.columns)
        if group is not None:
            item["group"] = group
        items.append(item)
    return {
        **({"experiments": matched} if grouped else {}),
        "total": len(rows),
        "offset": query.offset,
        "limit": query.limit,
        "sort": query.sort,
        "order": order,
        "items": items,
        "metric": metric.to_payload(),
        "revision": snapshot.revision,
    }
