"""Measurements of a fit's data kept for the next fits on the same data.

A notebook fits one model after another on the same arrays. The sampled statistics of the
training and validation inputs (``column_stats``) and their row hashes (``data_rows``) depend
on the data's content alone, and the record's data fingerprints (content hashes of X, y and
the validation data, made for the journal before the checks run) say when the content is the
same: the next fit's checks start from them instead of reading the data again. The findings
are still judged each time (thresholds, the model and the settings may differ).

Only small data sets are kept (measurements of at most ``MAX_BYTES``), the last
``MAX_SETS`` of them: this is for small fits, where reading the data again costs as much as
the fit, and a kernel's memory stays bounded.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import CheckSubject

#: the ``subject.cache`` entries that are a function of the data's content alone
KEPT = ("column_stats", "validation_column_stats", "row_hashes")
MAX_SETS = 2
MAX_BYTES = 4 << 20

_kept: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_mutex = threading.Lock()


def data_key(subject: CheckSubject) -> tuple[Any, ...] | None:
    """What identifies the subject's data: its content hashes and how it is split; None when
    they do not identify it (no record, a stream's sample, data that could not be hashed)."""
    if subject.part != "training" or subject.sampled or not isinstance(subject.record, dict):
        return None
    prints = (subject.record.get("data") or {}).get("fingerprints") or {}
    if prints.get("complete") is False or not isinstance(prints.get("X"), str):
        return None
    return (prints["X"], prints.get("y"), prints.get("validation"),
            float(subject.validation_split or 0.0), subject.validation is not None)


def restore(subject: CheckSubject) -> None:
    """Start ``subject.cache`` from what was measured of the same data before, if anything."""
    key = data_key(subject)
    if key is None:
        return
    with _mutex:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
    if found is not None:
        for name, value in found.items():
            subject.cache.setdefault(name, value)


def keep(subject: CheckSubject) -> None:
    """Keep the subject's data measurements for the next fits on the same data (small ones)."""
    key = data_key(subject)
    if key is None:
        return
    measured = {name: subject.cache[name] for name in KEPT if name in subject.cache}
    if not measured or _size(measured) > MAX_BYTES:
        return
    with _mutex:
        _kept[key] = measured
        _kept.move_to_end(key)
        while len(_kept) > MAX_SETS:
            _kept.popitem(last=False)


def clear() -> None:
    """Forget every kept measurement."""
    with _mutex:
        _kept.clear()


def _size(value: Any) -> int:
    """Bytes held by the arrays in ``value`` (lists, tuples and the arrays of dataclasses)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (list, tuple)):
        return sum(_size(item) for item in value)
    if isinstance(value, dict):
        return sum(_size(item) for item in value.values())
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return sum(_size(getattr(value, name, None)) for name in fields)
    return 0
