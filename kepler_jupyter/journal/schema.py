"""The record format: its version, its top-level fields, and conversion to plain JSON values."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

RECORD_FORMAT = 1
"""Version of the record layout; stored in every record's ``format`` field."""

RECORD_FIELDS: tuple[str, ...] = (
    "format",
    "id",
    "project",
    "name",
    "status",
    "created",
    "started",
    "ended",
    "duration_s",
    "framework",
    "model",
    "params",
    "data",
    "history",
    "metrics",
    "findings",
    "env",
    "source",
    "notes",
    "tags",
    "fingerprint",
    "error",
    "stop_reason",
)
"""Top-level fields of a format-1 record, in the order docs/architecture.md lists them."""

STATUSES: tuple[str, ...] = ("running", "completed", "failed", "interrupted", "stopped", "blocked")
"""Values the ``status`` field takes."""


def make_json_safe(obj: Any) -> Any:
    """A copy of ``obj`` made only of plain JSON values.

    Dicts become dicts with string keys, tuples / sets / arrays become lists, numpy scalars
    become Python numbers, NaN and infinite floats become ``None``, dates become ISO 8601
    strings, paths become strings, and anything else becomes its ``str()``. The result never
    shares containers with ``obj``, so later changes to the caller's objects do not leak into
    the journal.

    Parameters
    ----------
    obj
        Any value, typically a record or part of one.

    Returns
    -------
    Any
        ``str``, ``int``, ``float``, ``bool``, ``None``, ``list`` or ``dict`` (recursively).
    """
    kind = type(obj)
    # The exact-type checks come first: they cover almost every value of a real record.
    if kind is str or kind is int or kind is bool or obj is None:
        return obj
    if kind is float:
        return obj if math.isfinite(obj) else None
    if kind is dict or isinstance(obj, Mapping):
        return {_json_key(key): make_json_safe(value) for key, value in obj.items()}
    if kind is list or kind is tuple or isinstance(obj, (list, tuple, set, frozenset)):
        return [make_json_safe(value) for value in obj]
    if hasattr(obj, "dtype") and hasattr(obj, "tolist"):
        # numpy arrays and scalars (and look-alikes such as pandas' extension scalars):
        # tolist() gives Python numbers, nested lists for arrays.
        return make_json_safe(obj.tolist())
    if isinstance(obj, bool):
        return bool(obj)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, (_dt.datetime, _dt.date, _dt.time)):
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj).decode("utf-8", errors="replace")
    if hasattr(obj, "item") and callable(obj.item):
        try:
            return make_json_safe(obj.item())
        except (TypeError, ValueError):
            pass
    return str(obj)


def _json_key(key: Any) -> str:
    """A dict key as JSON would write it (``1`` -> ``"1"``, ``True`` -> ``"true"``)."""
    if type(key) is str:
        return key
    safe = make_json_safe(key)
    if safe is None:
        return "null"
    if safe is True:
        return "true"
    if safe is False:
        return "false"
    return str(safe)


def normalize_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as it is stored: plain JSON, ``id`` first, ``format`` filled in.

    Raises
    ------
    TypeError
        If ``record`` is not a mapping.
    ValueError
        If it has no non-empty string ``id``, or contains a reference cycle.
    """
    if not isinstance(record, Mapping):
        raise TypeError(f"a journal record must be a dict, not {type(record).__name__}")
    try:
        safe = make_json_safe(record)
    except RecursionError:
        raise ValueError("the record contains a reference cycle or is nested too deeply") from None
    record_id = safe.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise ValueError("a journal record needs a non-empty string 'id' (see new_experiment_id())")
    # "id" is written first so that readers can pick it out of a line without parsing the rest.
    stored = {"id": record_id, **safe}
    stored.setdefault("format", RECORD_FORMAT)
    return stored
