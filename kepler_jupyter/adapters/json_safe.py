"""Plain-JSON descriptions of the user's objects (configs, parameters, arrays) for the adapters.

The conversion itself is the record's one (``journal.record.json_safe``); adapters use its
compact form, which cuts long lists and summarises big arrays so that one odd parameter cannot
bloat a record, and keeps the shallower depth their fingerprints were taken at.
"""

from __future__ import annotations

import math
from typing import Any

from kepler_jupyter.journal.json_safe import (
    MAX_ITEMS,
    SMALL_ARRAY_SIZE,
    callable_name,
    json_safe,
    summarize_array,
)

__all__ = [
    "MAX_DEPTH", "MAX_ITEMS", "SMALL_ARRAY_SIZE", "callable_name", "finite_float",
    "summarize_array", "to_json_safe",
]

#: containers nested deeper than this (the value itself is depth 0) are described by their
#: repr; 25 keeps the fingerprints of earlier kepler versions, which cut below depth 24
MAX_DEPTH = 25


def to_json_safe(value: Any, *, estimators: str = "nested") -> Any:
    """``json_safe(value, compact=True)``: a plain-JSON, deterministic description of ``value``.

    Parameters
    ----------
    value
        Anything: numbers, containers, numpy arrays and scalars, pandas objects, scikit-learn
        estimators, Keras objects with ``get_config``, functions, classes.
    estimators
        ``"nested"``: scikit-learn estimators as ``{"class", "params"}``; ``"name"``: as their
        class name (for ``get_params(deep=True)``, whose nested parameters are already flat).
    """
    return json_safe(value, compact=True, estimators=estimators, max_depth=MAX_DEPTH)


def finite_float(value: Any) -> float | None:
    """``float(value)``, or None when it is NaN, infinite or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None
