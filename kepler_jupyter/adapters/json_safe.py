"""Turn arbitrary Python values (configs, parameters, arrays) into plain JSON for the journal.

Journal records hold only str, int, float, bool, None, list and dict, and fingerprints are
hashes of these plain values, so the conversion must also be *deterministic*: the same value
gives the same JSON in every process. That is why sets are sorted, memory addresses are cut
out of reprs, and functions are named by module and qualified name rather than by ``repr``.
"""

from __future__ import annotations

import enum
import hashlib
import math
import re
import sys
from collections.abc import Mapping
from typing import Any

#: lists longer than this are cut (with a marker) so one odd parameter cannot bloat a record
MAX_ITEMS = 1000
#: arrays with at most this many elements are stored as lists, larger ones as a summary
SMALL_ARRAY_SIZE = 64
MAX_DEPTH = 24
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_REPR_LIMIT = 300


def to_json_safe(value: Any, *, estimators: str = "nested") -> Any:
    """A plain-JSON version of ``value`` that never raises.

    Parameters
    ----------
    value
        Anything: numbers, containers, numpy arrays and scalars, pandas objects, scikit-learn
        estimators, Keras objects with ``get_config``, functions, classes.
    estimators
        How scikit-learn estimators inside ``value`` are written: ``"nested"`` as
        ``{"class": ..., "params": get_params(deep=False)}``, ``"name"`` as their class name
        (for ``get_params(deep=True)``, where the nested parameters are already flattened).

    Returns
    -------
    A value made only of str, int, float (finite), bool, None, list and dict with str keys.
    NaN and infinite floats become None; large arrays become
    ``{"type", "shape", "dtype", "fingerprint"}`` summaries.
    """
    try:
        return _convert(value, estimators, 0, set())
    except Exception:  # the converter must never break a fit; fall back to a safe repr
        return _safe_repr(value)


def summarize_array(value: Any) -> dict[str, Any]:
    """Shape, dtype, type and content fingerprint of an array-like, without copying it."""
    from kepler_jupyter.fingerprint import fingerprint_data

    summary: dict[str, Any] = {"type": type(value).__name__}
    shape = getattr(value, "shape", None)
    if shape is not None:
        summary["shape"] = [None if dim is None else int(dim) for dim in tuple(shape)]
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        summary["dtype"] = str(dtype)
    summary["fingerprint"] = fingerprint_data(value)
    return summary


def finite_float(value: Any) -> float | None:
    """``float(value)``, or None when it is NaN, infinite or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def callable_name(function: Any) -> str:
    """A stable name for a function: ``module.qualname``, plus a code hash for lambdas.

    Two different lambdas share the name ``<lambda>``; hashing their byte code keeps their
    fingerprints apart while staying identical across processes for the same source.
    """
    module = getattr(function, "__module__", None) or ""
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None)
    if name is None:
        name = type(function).__name__
    label = f"{module}.{name}" if module else str(name)
    code = getattr(function, "__code__", None)
    if code is not None and ("<lambda>" in label or "<locals>" in label):
        digest = hashlib.blake2b(code.co_code + repr(code.co_consts).encode(), digest_size=4)
        label += f"#{digest.hexdigest()}"
    return label


def _convert(value: Any, estimators: str, depth: int, seen: set[int]) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth > MAX_DEPTH:
        return _safe_repr(value)
    if isinstance(value, enum.Enum):
        return _convert(value.value, estimators, depth + 1, seen)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.generic):
            return _convert(value.item(), estimators, depth + 1, seen)
        if isinstance(value, numpy.dtype):
            return str(value)
        if isinstance(value, numpy.ndarray):
            if value.size <= SMALL_ARRAY_SIZE and value.dtype.kind in "biufcUSb?":
                return _convert(value.tolist(), estimators, depth + 1, seen)
            return summarize_array(value)
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, (Mapping, list, tuple, set, frozenset)):
        if id(value) in seen:  # a container that holds itself
            return "<recursion>"
        seen = seen | {id(value)}
        if isinstance(value, Mapping):
            return {
                str(key): _convert(item, estimators, depth + 1, seen)
                for key, item in list(value.items())[:MAX_ITEMS]
            }
        items = list(value)
        if isinstance(value, (set, frozenset)):
            items.sort(key=repr)
        converted = [_convert(item, estimators, depth + 1, seen) for item in items[:MAX_ITEMS]]
        if len(items) > MAX_ITEMS:
            converted.append(f"... {len(items) - MAX_ITEMS} more")
        return converted
    if _is_sklearn_estimator(value):
        name = type(value).__name__
        if estimators == "name":
            return name
        params = value.get_params(deep=False)
        return {"class": name, "params": _convert(params, estimators, depth + 1, seen)}
    if _is_array_like(value):
        return summarize_array(value)
    frozen_distribution = getattr(value, "dist", None)
    if frozen_distribution is not None and hasattr(value, "rvs") and hasattr(value, "kwds"):
        # scipy.stats frozen distributions (RandomizedSearchCV's param_distributions)
        return {
            "distribution": getattr(frozen_distribution, "name", type(value).__name__),
            "args": _convert(list(value.args), estimators, depth + 1, seen),
            "kwds": _convert(dict(value.kwds), estimators, depth + 1, seen),
        }
    get_config = getattr(value, "get_config", None)
    if callable(get_config) and not isinstance(value, type):
        try:
            config = get_config()
        except Exception:
            config = None
        if isinstance(config, Mapping):
            return {
                "class": type(value).__name__,
                "config": _convert(config, estimators, depth + 1, seen),
            }
    if callable(value):
        return callable_name(value)
    return _safe_repr(value)


def _is_sklearn_estimator(value: Any) -> bool:
    base = sys.modules.get("sklearn.base")
    return base is not None and isinstance(value, base.BaseEstimator)


def _is_array_like(value: Any) -> bool:
    module = type(value).__module__ or ""
    if module.startswith(("pandas", "scipy.sparse")):
        return hasattr(value, "shape")
    # tensors of TensorFlow / torch / jax: summarise rather than convert element by element
    return hasattr(value, "shape") and hasattr(value, "dtype") and not callable(value)


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    # memory addresses differ between runs and would make fingerprints unstable
    text = _ADDRESS.sub("", text)
    return text if len(text) <= _REPR_LIMIT else text[:_REPR_LIMIT] + "..."
