"""What kind of object a fit's data argument is, decided without iterating or converting it.

Everything in kepler that reads data asks here first: in-memory kinds (arrays, DataFrames,
sparse matrices, tensors, plain lists of values) may be read in full; streams (``tf.data``
datasets, Keras ``PyDataset`` / ``Sequence`` objects, generators and iterators) may only be
sampled through ``adapters.streams``, with hard bounds; anything else is left alone. A
``numpy.asarray`` on an unknown object can walk it for ever (a Keras image iterator has
``__len__`` and ``__getitem__`` and grew past 18 GB that way).
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

from kepler_jupyter.adapters import KERAS_MODULES

#: kinds whose values are all in memory and may be read in full
IN_MEMORY_KINDS = frozenset(
    {"array", "tensor", "dataframe", "series", "sparse", "values", "scalar", "mapping", "sequence"}
)
#: kinds kepler may only sample (``adapters.streams``)
STREAM_KINDS = frozenset({"tf.data", "pydataset", "generator", "iterator"})
_SCALARS = (bool, int, float, complex, str, bytes)


def data_kind(obj: Any) -> str:
    """The kind of a data argument.

    Returns
    -------
    str
        ``"none"``; in-memory: ``"array"`` (numpy), ``"tensor"`` (an eager tensor or another
        array type with ``shape`` and ``dtype``), ``"dataframe"``, ``"series"``, ``"sparse"``,
        ``"scalar"``, ``"values"`` (a list / tuple of plain values or nested lists of them),
        ``"mapping"`` / ``"sequence"`` (dicts / lists of in-memory parts: multi-input data);
        streams: ``"tf.data"``, ``"pydataset"``, ``"generator"``, ``"iterator"``; else
        ``"unknown"`` (including lists holding a stream or an unknown object).
    """
    if obj is None:
        return "none"
    cls = type(obj)
    module = cls.__module__ or ""
    if isinstance(obj, _SCALARS):
        return "scalar"
    if module.startswith("numpy"):
        return "array" if hasattr(obj, "shape") else "scalar"
    if module.startswith("pandas"):
        if hasattr(obj, "columns"):
            return "dataframe"
        return "series" if hasattr(obj, "dtype") else "unknown"
    if module.startswith("scipy.sparse"):
        return "sparse"
    if module.startswith("tensorflow") and hasattr(obj, "element_spec") and hasattr(obj, "take"):
        return "tf.data"
    if _is_pydataset(cls):
        return "pydataset"
    if isinstance(obj, types.GeneratorType):
        return "generator"
    if hasattr(obj, "__next__") and hasattr(obj, "__iter__"):
        return "iterator"
    if hasattr(obj, "shape") and hasattr(obj, "dtype") and not callable(obj):
        return "tensor"
    if isinstance(obj, Mapping):
        kinds = {data_kind(value) for value in obj.values()}
        return "mapping" if kinds <= IN_MEMORY_KINDS | {"none"} else "unknown"
    if isinstance(obj, (list, tuple)):
        return _sequence_kind(obj)
    return "unknown"


def is_in_memory(obj: Any) -> bool:
    """Whether ``obj`` may be read in full (it is None or an in-memory kind)."""
    return data_kind(obj) in IN_MEMORY_KINDS


def is_stream(obj: Any) -> bool:
    """Whether ``obj`` is a stream kepler may only sample."""
    return data_kind(obj) in STREAM_KINDS


def _is_pydataset(cls: type) -> bool:
    for base in cls.__mro__:
        if base.__name__ in ("PyDataset", "Sequence") and (base.__module__ or "").startswith(
            KERAS_MODULES
        ):
            return True
    return False


def _sequence_kind(items: list[Any] | tuple[Any, ...]) -> str:
    """``"values"`` for nested lists of plain values, ``"sequence"`` for lists of arrays."""
    containers = False
    for item in items:
        if isinstance(item, _SCALARS) or item is None:
            continue
        if isinstance(item, (list, tuple)):
            kind = _sequence_kind(item)
            if kind == "unknown":
                return "unknown"
            containers = containers or kind == "sequence"
            continue
        kind = data_kind(item)
        if kind == "scalar":
            continue
        if kind not in IN_MEMORY_KINDS:
            return "unknown"
        containers = True
    return "sequence" if containers else "values"
