"""Describe a fit's targets: label kind, classes and their counts, or regression statistics.

Labels count as classes when they are integers, booleans or strings, one-hot or multi-label
0/1 matrices, or floats with few distinct values (0.0 / 1.0 read as classes 0 / 1). Counting
uses pandas' hash-based ``value_counts`` (strings are not sorted one by one), and a small
sample rules out continuous float targets before any full count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from kepler_jupyter.adapters.data_kinds import data_kind
from kepler_jupyter.adapters.json_safe import finite_float

#: more distinct labels than this and a label distribution is no longer stored
MAX_CLASSES = 100
#: float targets with at most this many distinct values are treated as class labels
FEW_FLOAT_VALUES = 20


def describe_targets(y: Any) -> dict[str, Any]:
    """``y_dtype``, ``target_type``, ``n_classes``, ``label_distribution``, ``target_stats``."""
    result: dict[str, Any] = {
        "y_dtype": None,
        "target_type": None,
        "n_classes": None,
        "label_distribution": None,
    }
    if y is None:
        return result
    if isinstance(y, Mapping) or (
        isinstance(y, (list, tuple)) and y and all(is_array_like(item) for item in y)
    ):
        items = y.items() if isinstance(y, Mapping) else enumerate(y)
        outputs = {str(name): describe_targets(part) for name, part in items}
        dtypes = {output["y_dtype"] for output in outputs.values()}
        result.update(
            y_dtype=dtypes.pop() if len(dtypes) == 1 else "mixed",
            target_type="multioutput",
            outputs=outputs,
        )
        return result
    module = type(y).__module__ or ""
    if module.startswith("scipy.sparse"):
        result.update(y_dtype=str(y.dtype), target_type="sparse")
        return result
    if module.startswith("pandas"):
        if hasattr(y, "dtypes") and hasattr(y, "columns"):
            dtypes = {str(dtype) for dtype in y.dtypes}
            result["y_dtype"] = dtypes.pop() if len(dtypes) == 1 else "mixed"
        else:
            result["y_dtype"] = str(y.dtype)
        values = y.to_numpy()
    else:
        values = as_array(y)
        if values is None:
            return result
        result["y_dtype"] = dtype_name(values.dtype)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim == 1:
        result.update(_label_summary(values))
    elif values.ndim == 2:
        result.update(_matrix_label_summary(values))
    return result


def _label_summary(values: Any) -> dict[str, Any]:
    import numpy as np

    result: dict[str, Any] = {}
    kind = values.dtype.kind
    if kind in "fc":
        result["target_stats"] = _numeric_stats(values)
        # a small sample rules out a continuous target cheaply before a full count
        sample = values[: 4 * FEW_FLOAT_VALUES * 10]
        if len(np.unique(sample[~np.isnan(sample)] if kind == "f" else sample)) > FEW_FLOAT_VALUES:
            result["target_type"] = "continuous"
            return result
    elif kind in "iu":
        result["target_stats"] = _numeric_stats(values)
    import pandas as pd

    counts = pd.Series(values, copy=False).value_counts(dropna=False, sort=False)
    n_unique = len(counts)
    if kind in "fc" and n_unique > FEW_FLOAT_VALUES:
        result["target_type"] = "continuous"
        return result
    result["n_classes"] = n_unique
    result["target_type"] = "binary" if n_unique <= 2 else "multiclass"
    if n_unique <= MAX_CLASSES:
        labels = list(counts.index)
        try:
            order = sorted(range(n_unique), key=lambda i: labels[i])
        except TypeError:  # mixed label types
            order = sorted(range(n_unique), key=lambda i: str(labels[i]))
        numbers = counts.to_numpy()  # one conversion, not a pandas scalar read per label
        result["label_distribution"] = {_label_key(labels[i]): int(numbers[i]) for i in order}
    return result


def _matrix_label_summary(values: Any) -> dict[str, Any]:
    import numpy as np

    if values.dtype.kind not in "biuf" or values.size == 0:
        return {"target_type": "unknown"}
    is_binary = bool(np.all((values == 0) | (values == 1)))
    if not is_binary:
        return {"target_type": "continuous-multioutput", "target_stats": _numeric_stats(values)}
    column_totals = values.sum(axis=0)
    is_one_hot = bool(np.all(values.sum(axis=1) == 1))
    n_classes = int(values.shape[1])
    distribution = None
    if n_classes <= MAX_CLASSES:
        distribution = {str(i): int(total) for i, total in enumerate(column_totals)}
    return {
        "target_type": "onehot" if is_one_hot else "multilabel",
        "n_classes": n_classes,
        "label_distribution": distribution,
    }


def _numeric_stats(values: Any) -> dict[str, Any]:
    import numpy as np

    if values.size == 0:
        return {}
    missing = np.isnan(values) if values.dtype.kind == "f" else None
    n_missing = int(missing.sum()) if missing is not None else 0
    finite = values[~missing] if missing is not None and n_missing else values
    if finite.size == 0:
        return {"n_missing": n_missing}
    return {
        "min": finite_float(finite.min()),
        "max": finite_float(finite.max()),
        "mean": finite_float(finite.mean(dtype=np.float64)),
        "std": finite_float(finite.std(dtype=np.float64)),
        "n_missing": n_missing,
    }


def _label_key(label: Any) -> str:
    if isinstance(label, float) and math.isfinite(label) and label.is_integer():
        return str(int(label))  # float labels 0.0 / 1.0 read as the classes 0 / 1
    item = getattr(label, "item", None)
    if callable(item) and not isinstance(label, str):
        return _label_key(item())
    return str(label)


def is_array_like(item: Any) -> bool:
    module = type(item).__module__ or ""
    return (hasattr(item, "shape") and hasattr(item, "dtype")) or module.startswith("pandas")


def as_array(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value
    module = type(value).__module__ or ""
    if module.startswith("tensorflow") and hasattr(value, "numpy"):
        try:
            return np.asarray(value.numpy())
        except Exception:
            return None
    if isinstance(value, (list, tuple)) and data_kind(value) == "unknown":
        return None  # a stream or unknown object inside: numpy.asarray could walk it for ever
    if isinstance(value, (list, tuple)) or (
        hasattr(value, "__array__") and module.startswith("numpy")
    ):
        try:
            return np.asarray(value)
        except Exception:  # ragged lists
            return None
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    return None


def dtype_name(dtype: Any) -> str:
    return getattr(dtype, "name", None) or str(dtype)
