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
from kepler_jupyter.server.summaries import scalar

FIELD_SORT_PREFIX = "field:"
MAX_COLUMNS = 24
#: a column key: a filter's field name or dotted path (``val_accuracy``, ``params.optimizer``)
COLUMN_KEY = re.compile(r"^[A-Za-z_][\w.\-]{0,127}$")
#: how many changed settings a project's default columns show beside its metric
DEFAULT_SETTINGS = 3
#: settings that identify rather than configure a run: never a "most changed" default
_NOT_SETTINGS = {"estimator_params", "callbacks", "validation_data", "class_weight", "sample_weight"}


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


def _scalar_keys(section: Any) -> Iterable[str]:
    if isinstance(section, Mapping):
        for key, value in section.items():
            if isinstance(key, str) and not isinstance(value, Mapping | list):
                yield key


def column_catalogue(records: Iterable[Mapping[str, Any]], metric_name: str | None) -> dict[str, Any]:
    """The columns a user can pick for these experiments, and the defaults.

    Returns
    -------
    dict
        ``metrics``, ``settings``, ``data`` and ``tags`` (names sorted), and ``default``: the
        goal metric (when any experiment has it) followed by the settings that took the most
        distinct values across the experiments (settings every run shares tell nothing).
    """
    metrics: set[str] = set()
    data: set[str] = set()
    tags: set[str] = set()
    distinct: dict[str, set[str]] = {}
    seen: Counter[str] = Counter()
    for record in records:
        metrics.update(_scalar_keys(record.get("metrics")))
        data.update(_scalar_keys(record.get("data")))
        tags.update(tag for tag in record.get("tags") or [] if isinstance(tag, str))
        params = record.get("params")
        if not isinstance(params, Mapping):
            continue
        settings = {key: params[key] for key in _scalar_keys(params) if key not in _NOT_SETTINGS}
        estimator = params.get("estimator_params")
        if isinstance(estimator, Mapping):
            settings.update({key: estimator[key] for key in _scalar_keys(estimator)})
        for key, value in settings.items():
            distinct.setdefault(key, set()).add(repr(value))
            seen[key] += 1
    changed = sorted((key for key, values in distinct.items() if len(values) > 1),
                     key=lambda key: (-len(distinct[key]), -seen[key], key))
    default = [metric_name] if metric_name and metric_name in metrics else []
    default += changed[:DEFAULT_SETTINGS]
    return {"metrics": sorted(metrics), "settings": sorted(distinct), "data": sorted(data),
            "tags": sorted(tags), "default": default}
