"""The one conversion of arbitrary Python values into plain JSON (``journal.record.json_safe``).

Journal records hold only str, int, float, bool, None, list and dict, and fingerprints are
hashes of these plain values, so the conversion must also be *deterministic*: the same value
gives the same JSON in every process. That is why sets are sorted, memory addresses are cut
out of reprs, and functions are named by module and qualified name rather than by ``repr``.
It never raises and never recurses without bound: containers nested deeper than a fixed depth
become a short text, so a hostile or self-containing value cannot raise ``RecursionError``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import hashlib
import math
import re
import sys
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

#: containers deeper than this (the outermost value is depth 0) are written as text; readers
#: treat a line nested deeper than ``journal.record.MAX_NESTING`` as damaged, which is larger
MAX_DEPTH = 48
#: with ``compact=True``, lists longer than this are cut (with a marker)
MAX_ITEMS = 1000
#: with ``compact=True``, arrays with at most this many elements become lists, larger ones a summary
SMALL_ARRAY_SIZE = 64
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_REPR_LIMIT = 300
_SCALARS = (str, int, bool, type(None))


def json_safe(
    value: Any, *, compact: bool = False, estimators: str = "nested", max_depth: int = MAX_DEPTH
) -> Any:
    """A plain-JSON copy of ``value`` that never raises and shares no container with it.

    Parameters
    ----------
    value
        Anything: a record, numbers, containers, numpy arrays and scalars, dates, paths,
        pandas objects, scikit-learn estimators, Keras objects with ``get_config``, functions,
        classes.
    compact
        ``False`` (records as given): lists and arrays are kept whole. ``True`` (descriptions
        of user objects, such as parameters and configurations): lists longer than
        ``MAX_ITEMS`` are cut and arrays larger than ``SMALL_ARRAY_SIZE`` become
        ``{"type", "shape", "dtype", "fingerprint"}`` summaries.
    estimators
        How scikit-learn estimators inside ``value`` are written: ``"nested"`` as
        ``{"class": ..., "params": get_params(deep=False)}``, ``"name"`` as their class name
        (for ``get_params(deep=True)``, where the nested parameters are already flattened).
    max_depth
        Containers nested deeper than this become their (shortened) ``repr``.

    Returns
    -------
    Any
        str, int, float (finite), bool, None, list and dict with str keys. NaN and infinite
        floats become None; dates ISO 8601 text; a container that holds itself ``"<recursion>"``.
    """
    try:
        return _Converter(compact, estimators, max_depth).convert(value, 0)
    except Exception:  # the converter must never break a fit; fall back to a safe repr
        return safe_repr(value)


def json_key(key: Any) -> str:
    """A dict key as JSON would write it (``1`` -> ``"1"``, ``True`` -> ``"true"``)."""
    if type(key) is str:
        return key
    safe = json_safe(key, max_depth=1)
    if safe is None:
        return "null"
    if safe is True:
        return "true"
    if safe is False:
        return "false"
    return str(safe)


def safe_repr(value: Any) -> str:
    """``repr(value)`` without memory addresses, cut to a few hundred characters; never raises."""
    try:
        text = repr(value)
    except Exception:  # RecursionError for very deep values, or a broken __repr__
        text = f"<{type(value).__name__}>"
    # memory addresses differ between runs and would make fingerprints unstable
    text = _ADDRESS.sub("", text)
    return text if len(text) <= _REPR_LIMIT else text[:_REPR_LIMIT] + "..."


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


class _Converter:
    def __init__(self, compact: bool, estimators: str, max_depth: int) -> None:
        self.compact = compact
        self.estimators = estimators
        self.max_depth = max_depth
        # ids of the containers on the current path: a container met again holds itself
        self.path: set[int] = set()

    def convert(self, value: Any, depth: int) -> Any:
        kind = type(value)
        # The exact-type checks come first: they cover almost every value of a real record.
        if kind in _SCALARS:
            return value
        if kind is float:
            return value if math.isfinite(value) else None
        if kind is dict or kind is list or kind is tuple:
            return self._container(value, depth)
        if isinstance(value, enum.Enum) and not isinstance(value, (int, float, str)):
            return self.convert(value.value, depth)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            number = float(value)
            return number if math.isfinite(number) else None
        if isinstance(value, str):
            return str(value)
        if isinstance(value, (Mapping, list, tuple, set, frozenset)):
            return self._container(value, depth)
        return self._other(value, depth)

    def _container(self, value: Any, depth: int) -> Any:
        if depth >= self.max_depth:
            return safe_repr(value)
        key = id(value)
        if key in self.path:
            return "<recursion>"
        self.path.add(key)
        try:
            inner = depth + 1
            if isinstance(value, Mapping):
                items = list(value.items())
                if self.compact:
                    items = items[:MAX_ITEMS]
                return {json_key(name): self.convert(item, inner) for name, item in items}
            elements = list(value)
            if isinstance(value, (set, frozenset)):
                elements.sort(key=repr)
            if self.compact and len(elements) > MAX_ITEMS:
                cut = [self.convert(item, inner) for item in elements[:MAX_ITEMS]]
                return [*cut, f"... {len(elements) - MAX_ITEMS} more"]
            return [self.convert(item, inner) for item in elements]
        finally:
            self.path.discard(key)

    def _other(self, value: Any, depth: int) -> Any:
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            if isinstance(value, numpy.generic):
                return self.convert(value.item(), depth)
            if isinstance(value, numpy.dtype):
                return str(value)
            if isinstance(value, numpy.ndarray):
                small = value.size <= SMALL_ARRAY_SIZE and value.dtype.kind in "biufcUSb?"
                if not self.compact or small:
                    return self.convert(value.tolist(), depth)
                return summarize_array(value)
        if isinstance(value, type):
            return f"{value.__module__}.{value.__qualname__}"
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            return value.isoformat()
        if isinstance(value, PurePath):
            return str(value)
        if isinstance(value, (bytes, bytearray)):
            return bytes(value).decode("utf-8", errors="replace")
        if depth >= self.max_depth:
            return safe_repr(value)
        if _is_sklearn_estimator(value):
            if self.estimators == "name":
                return type(value).__name__
            params = value.get_params(deep=False)
            return {"class": type(value).__name__, "params": self.convert(params, depth + 1)}
        if _is_array_like(value):
            if not self.compact and hasattr(value, "tolist"):
                return self.convert(value.tolist(), depth)
            return summarize_array(value)
        frozen_distribution = getattr(value, "dist", None)
        if frozen_distribution is not None and hasattr(value, "rvs") and hasattr(value, "kwds"):
            # scipy.stats frozen distributions (RandomizedSearchCV's param_distributions)
            return {
                "distribution": getattr(frozen_distribution, "name", type(value).__name__),
                "args": self.convert(list(value.args), depth + 1),
                "kwds": self.convert(dict(value.kwds), depth + 1),
            }
        config = _config_of(value)
        if config is not None:
            return {"class": type(value).__name__, "config": self.convert(config, depth + 1)}
        if callable(value):
            return callable_name(value)
        item = getattr(value, "item", None)
        if callable(item):
            try:
                return self.convert(item(), depth + 1)
            except (TypeError, ValueError):
                pass
        return safe_repr(value)


def _config_of(value: Any) -> Mapping[str, Any] | None:
    get_config = getattr(value, "get_config", None)
    if not callable(get_config):
        return None
    try:
        config = get_config()
    except Exception:
        return None
    return config if isinstance(config, Mapping) else None


def _is_sklearn_estimator(value: Any) -> bool:
    base = sys.modules.get("sklearn.base")
    return base is not None and isinstance(value, base.BaseEstimator)


def _is_array_like(value: Any) -> bool:
    module = type(value).__module__ or ""
    if module.startswith(("pandas", "scipy.sparse")):
        return hasattr(value, "shape")
    # tensors of TensorFlow / torch / jax: summarise rather than convert element by element
    return hasattr(value, "shape") and hasattr(value, "dtype") and not callable(value)
