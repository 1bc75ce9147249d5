"""The run table's columns: any metric, setting, data field or tag, read as ``%kepler search``
reads a field (``history.filters.resolve_field``), so a column and a filter on the same name
always agree.

``GET /kepler/api/experiments?columns=val_accuracy,learning_rate`` adds each row's values under
``columns``; ``sort=field:learning_rate`` sorts the whole list by one of them (on the server,
before paging). ``GET /kepler/api/columns`` lists what can be chosen and the project's defaults:
the goal metric and the settings that changed most across its experiments.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kepler_jupyter.history.filters import resolve_field
from kepler_jupyter.journal.index_catalogue import catalogue_entries
from kepler_jupyter.server.summaries import scalar

FIELD_SORT_PREFIX = "field:"
MAX_COLUMNS = 24
#: a column key: a filter's field name or dotted path (``val_accuracy``, ``params.optimizer``)
COLUMN_KEY = re.compile(r"^[A-Za-z_][\w.\-]{0,127}$")
#: how many changed settings a project's default columns show beside its metric
DEFAULT_SETTINGS = 3


def column_value(record: Mapping[str, Any], key: str) -> str | int | float | bool | None:
    """The table cell of ``record`` for the column ``key`` (a JSON scalar, NaN as null)."""
    value = resolve_field(dict(record), key)
    if isinstance(value, list) and not value:
        return None
    return scalar(value)


def sort_key(value: Any) -> tuple[int, Any] | None:
    """How a cell sorts: numbers before text (numbers by value, text case-blind); empty last."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return (0, float(value))
    return (1, str(value).lower())


def row_columns(record: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The requested columns of one record, keyed as requested."""
    return {key: column_value(record, key) for key in keys}


def column_catalogue(records: Iterable[Mapping[str, Any]], metric_name: str | None) -> dict[str, Any]:
    """The columns a user can pick for these experiments, and the defaults.

    Returns
    -------
    dict
        ``metrics``, ``settings``, ``data`` and ``tags`` (names sorted), and ``default``: the
        goal metric (when any experiment has it) followed by the settings that took the most
        distinct values across the experiments (settings every run shares tell nothing).
    """
    entries: Counter[tuple[str, str, str]] = Counter()
    for record in records:
        entries.update(catalogue_entries(record))
    names: dict[tuple[str, str], list[int]] = {}
    for (section, name, _), count in entries.items():
        distinct_seen = names.setdefault((section, name), [0, 0])
        distinct_seen[0] += 1
        distinct_seen[1] += count
    counts: dict[str, list[tuple[str, int, int]]] = {"m": [], "d": [], "t": [], "s": []}
    for (section, name), (distinct, seen) in sorted(names.items()):
        counts[section].append((name, distinct, seen))
    return catalogue_from_counts(counts, metric_name)


def catalogue_from_counts(counts: Mapping[str, Sequence[tuple[str, int, int]]],
                          metric_name: str | None) -> dict[str, Any]:
    """``column_catalogue`` from per-section ``(name, distinct values, experiments)`` counts
    (``journal.index_catalogue.counts``: the index's catalogue)."""
    settings = counts.get("s", [])
    changed = sorted((row for row in settings if row[1] > 1), key=lambda row: (-row[1], -row[2], row[0]))
    metrics = sorted(name for name, _, _ in counts.get("m", []))
    default = [metric_name] if metric_name and metric_name in metrics else []
    default += [name for name, _, _ in changed[:DEFAULT_SETTINGS]]
    return {"metrics": metrics, "settings": sorted(name for name, _, _ in settings),
            "data": sorted(name for name, _, _ in counts.get("d", [])),
            "tags": sorted(name for name, _, _ in counts.get("t", [])), "default": default}
