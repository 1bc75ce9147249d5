"""The journal as a pandas DataFrame: one row per experiment, the columns people compare."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

# column name -> path of keys into the record
SUMMARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "name": ("name",),
    "status": ("status",),
    "created": ("created",),
    "duration_s": ("duration_s",),
    "framework": ("framework",),
    "model_class": ("model", "class"),
    "n_params": ("model", "n_params"),
    "epochs": ("params", "epochs"),
    "batch_size": ("params", "batch_size"),
    "optimizer": ("params", "optimizer"),
    "learning_rate": ("params", "learning_rate"),
    "loss": ("params", "loss"),
}
TRAILING_COLUMNS: dict[str, tuple[str, ...]] = {
    "tags": ("tags",),
    "hypothesis": ("notes", "hypothesis"),
    "conclusion": ("notes", "conclusion"),
    "archived": ("archived",),
}


# Top-level fields the DataFrame reads: a listing parses only these.
FRAME_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(path[0] for path in (*SUMMARY_COLUMNS.values(), *TRAILING_COLUMNS.values()))
) + ("metrics",)


def lookup(record: Mapping[str, Any], path: Iterable[str]) -> Any:
    """The value at ``path`` in nested dicts, or ``None`` where a key is missing."""
    value: Any = record
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def records_to_dataframe(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per record: summary columns, ``metrics.<name>`` for each final metric, tags
    (comma-separated), hypothesis, conclusion and archived (True / False)."""
    import pandas as pd  # imported here: pandas is slow to import and only this needs it

    metric_names: dict[str, None] = {}
    for record in records:
        metrics = record.get("metrics")
        if isinstance(metrics, Mapping):
            metric_names.update(dict.fromkeys(metrics))
    columns = [
        *SUMMARY_COLUMNS,
        *(f"metrics.{name}" for name in metric_names),
        *TRAILING_COLUMNS,
    ]
    rows = []
    for record in records:
        row = [lookup(record, path) for path in SUMMARY_COLUMNS.values()]
        metrics = record.get("metrics")
        metrics = metrics if isinstance(metrics, Mapping) else {}
        row += [_scalar(metrics.get(name)) for name in metric_names]
        tags = record.get("tags")
        row.append(", ".join(map(str, tags)) if isinstance(tags, list) else tags)
        row.append(lookup(record, TRAILING_COLUMNS["hypothesis"]))
        row.append(lookup(record, TRAILING_COLUMNS["conclusion"]))
        row.append(record.get("archived") is True)  # a flag: absent means not archived
        rows.append(row)
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns:
        values = frame[column]
        # Missing numbers (None) would otherwise make a column of objects: sorting, plotting
        # and describe() want floats with NaN, as pandas itself builds from dicts.
        # A metric column of only missing values is still a metric column.
        allow_all_missing = column.startswith("metrics.")
        if values.dtype == object and _all_numbers_or_none(values, allow_all_missing):
            frame[column] = values.astype("float64")
    return frame


def _all_numbers_or_none(values: Any, allow_all_missing: bool) -> bool:
    seen_number = False
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        seen_number = True
    return seen_number or allow_all_missing


def _scalar(value: Any) -> Any:
    # A final metric should be a number; a list (a whole curve) would make the column unusable.
    return value if not isinstance(value, (list, dict)) else None
