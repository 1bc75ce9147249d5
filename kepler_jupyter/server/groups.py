"""Groups of the run table (``?group=1``, ``?parent=KEY``) over a journal snapshot.

Which group a record is in is decided by ``journal.groups``; this module gathers a page of
groups from the snapshot (the index answers the same in SQL: ``server.indexed_groups``) and
describes each: its kind, key, label, number of runs and the mean ± standard deviation of the
table's metric over them. A group of one run is listed as that run alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kepler_jupyter.journal.groups import base_key, cell_run, group_key, kind_of
from kepler_jupyter.server.columns import FIELD_SORT_PREFIX, column_value, sort_key
from kepler_jupyter.server.listing import JournalSnapshot

_NUMBERED = re.compile(r"\s+#\d+$")


def group_label(key: str, name: str | None) -> str:
    """What a parent row is called: the search's name, else its newest run's name without
    the ``#N`` a cell gives its second and later fits."""
    if kind_of(key) == "search":
        return key[2:]
    return _NUMBERED.sub("", name or "") or key[2:10]


def spread(count: int, n_values: int, total: float, total_squares: float) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation from a count, sum and sum of squares.

    Rounded to 12 significant digits: SQLite and Python add in different orders, and the
    same group must read the same on either path.
    """
    if n_values == 0:
        return None, None
    mean = total / n_values
    if n_values < 2:
        return _round(mean), None
    variance = max(0.0, (total_squares - n_values * mean * mean) / (n_values - 1))
    return _round(mean), _round(math.sqrt(variance))


def _round(value: float) -> float:
    return float(f"{value:.12g}")


def group_payload(key: str, count: int, name: str | None, values: Sequence[float | None]) -> dict[str, Any]:
    """The ``group`` object of a grouped row (``values``: the metric of each member)."""
    numbers = [value for value in values if value is not None and math.isfinite(value)]
    mean, std = spread(count, len(numbers), math.fsum(numbers), math.fsum(v * v for v in numbers))
    return {"key": key, "kind": kind_of(key), "label": group_label(key, name), "count": count,
            "n_values": len(numbers), "mean": mean, "std": std}


def snapshot_group_keys(snapshot: JournalSnapshot) -> list[str]:
    """Each summary's group key, computed once per snapshot (loops judged over all records)."""
    keys = snapshot.group_keys
    if keys is not None:
        return keys
    records = [snapshot.by_id.get(str(summary["id"]), {}) for summary in snapshot.summaries]
    runs: dict[str, int] = {}
    for record in records:
        run = cell_run(record)
        if run is not None and not base_key(record).startswith("s:"):
            runs[run] = runs.get(run, 0) + 1
    loops = frozenset(run for run, count in runs.items() if count > 1)
    keys = [group_key(record, loops) for record in records]
    snapshot.group_keys = keys
    return keys


@dataclass
class _Group:
    key: str
    first: int  # the newest member's position in the snapshot (its representative)
    members: list[int]


def grouped_positions(snapshot: JournalSnapshot, positions: Sequence[int], sort: str, order: str,
                      values: Sequence[float | None],
                      sort_value: Any) -> list[tuple[int, dict[str, Any] | None]]:
    """The filtered ``positions`` gathered into groups, in the requested order.

    Returns ``(representative position, group payload or None)`` per row: a group is sorted by
    its newest run's value, except by the metric, where its mean decides; rows without a value
    go last whatever the order, ties newest first.
    """
    keys = snapshot_group_keys(snapshot)
    groups: dict[str, _Group] = {}
    for position in positions:
        key = keys[position]
        group = groups.get(key)
        if group is None:
            groups[key] = _Group(key, position, [position])
        else:
            group.members.append(position)
            group.first = min(group.first, position)
    rows: list[tuple[Any, int, dict[str, Any] | None]] = []
    for group in groups.values():
        payload = None
        member_values = [values[position] for position in group.members]
        if len(group.members) > 1:
            payload = group_payload(group.key, len(group.members),
                                    snapshot.summaries[group.first]["name"], member_values)
        order_key: Any
        if sort == "metric":
            numbers = [value for value in member_values if value is not None]
            order_key = math.fsum(numbers) / len(numbers) if numbers else None
        elif sort.startswith(FIELD_SORT_PREFIX):
            record = snapshot.by_id.get(str(snapshot.summaries[group.first]["id"]), {})
            order_key = sort_key(column_value(record, sort[len(FIELD_SORT_PREFIX):]))
        else:
            order_key = sort_value(sort, snapshot.summaries[group.first], values[group.first])
        rows.append((order_key, group.first, payload))
    rows.sort(key=lambda row: row[1])  # newest first among ties
    present = [row for row in rows if row[0] is not None]
    present.sort(key=lambda row: row[0], reverse=order == "desc")
    ordered = present + [row for row in rows if row[0] is None]
    return [(position, payload) for _, position, payload in ordered]
