"""Describe a fit's data for the journal: sizes, shapes, dtypes, labels and fingerprints.

Shared by the Keras and scikit-learn adapters. Reads arrays, pandas objects, lists, scipy
sparse matrices and dicts / lists of them (multi-input models) in place; tf.data datasets,
generators and ``PyDataset`` objects are described only by what they say about themselves
(``element_spec``, cardinality, length) and by the bounded sample ``adapters.streams`` took
before the fit (``FitData.samples``); nothing here iterates them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from kepler_jupyter.adapters.json_safe import finite_float
from kepler_jupyter.adapters.stream_description import describe_stream_sample, stream_fingerprint
from kepler_jupyter.adapters.target_description import (
    as_array,
    describe_targets,
    dtype_name,
    is_array_like,
)
from kepler_jupyter.fingerprint import fingerprint_data
from kepler_jupyter.run.context import FitData


def describe_fit_data(data: FitData) -> dict[str, Any]:
    """The record's ``data`` field.

    Returns
    -------
    dict
        ``n_samples``, ``n_features``, ``input_shape`` (per sample), ``dtype``, ``input_kind``,
        ``y_dtype``, ``target_type``, ``n_classes``, ``label_distribution`` (counts keyed by
        label as str), ``target_stats`` (min / max / mean / std / n_missing of numeric
        targets), ``validation`` (the same statistics for explicit validation data, or
        ``{"source": "validation_split", "fraction", "n_samples", ...}``, or None),
        ``n_train_samples`` and ``fingerprints`` {``X``, ``y``, ``validation``,
        ``sample_weight`` (only when given), ``complete``}. Kind-specific extras:
        ``column_dtypes`` (DataFrames), ``sparse_format`` / ``density`` (sparse),
        ``element_spec`` / ``n_batches`` (datasets), ``inputs`` (multi-input).
    """
    # every key exists even when reading the data fails half-way
    description: dict[str, Any] = dict.fromkeys(
        ("n_samples", "n_features", "input_shape", "dtype", "input_kind", "y_dtype"), None
    )
    description.update(target_type=None, n_classes=None, label_distribution=None)
    samples = data.samples or {}
    description.update(_guard(describe_targets, data.y))
    if samples.get("x") is not None:  # a stream: only its sample is read
        description.update(_guard(describe_stream_sample, samples["x"]))
    else:
        description.update(_guard(describe_inputs, data.X))
    n_samples = description.get("n_samples")
    description["validation"] = _guard(_describe_validation, data, n_samples) or None
    validation = description["validation"] or {}
    if validation.get("source") == "validation_split" and n_samples is not None:
        description["n_train_samples"] = n_samples - validation["n_samples"]
    else:
        description["n_train_samples"] = n_samples
    description["fingerprints"] = _fingerprints(data)
    return description


def describe_inputs(X: Any) -> dict[str, Any]:
    """``n_samples``, ``n_features``, ``input_shape``, ``dtype`` and ``input_kind`` of X."""
    result: dict[str, Any] = {
        "n_samples": None,
        "n_features": None,
        "input_shape": None,
        "dtype": None,
    }
    if X is None:
        result["input_kind"] = None
        return result
    module = type(X).__module__ or ""
    if isinstance(X, Mapping) or (
        isinstance(X, (list, tuple)) and X and all(is_array_like(item) for item in X)
    ):
        return _describe_multi_input(X)
    if module.startswith("tensorflow") and hasattr(X, "element_spec"):
        return _describe_dataset(X, result)
    if module.startswith("pandas") and hasattr(X, "dtypes") and hasattr(X, "columns"):
        dtypes = [str(dtype) for dtype in X.dtypes]
        counts: dict[str, int] = {}
        for dtype in dtypes:
            counts[dtype] = counts.get(dtype, 0) + 1
        result.update(n_samples=len(X), n_features=X.shape[1], input_shape=[X.shape[1]])
        result.update(
            dtype=dtypes[0] if len(counts) == 1 else "mixed",
            input_kind="dataframe",
            column_dtypes=counts,
        )
        return result
    if module.startswith("scipy.sparse"):
        rows, columns = X.shape
        result.update(
            n_samples=int(rows),
            n_features=int(columns),
            input_shape=[int(columns)],
            dtype=str(X.dtype),
        )
        result.update(input_kind="sparse", sparse_format=getattr(X, "format", None))
        result["density"] = finite_float(X.nnz / (rows * columns)) if rows and columns else None
        return result
    if isinstance(X, (list, tuple)):
        X = as_array(X)
        if X is None:
            result["input_kind"] = "list"
            return result
        result["input_kind"] = "list"
    if hasattr(X, "shape") and hasattr(X, "dtype") and not callable(X):
        shape = [None if dim is None else int(dim) for dim in tuple(X.shape)]
        per_sample = shape[1:]
        result.update(
            n_samples=shape[0] if shape else None,
            input_shape=per_sample,
            dtype=dtype_name(X.dtype),
        )
        result["n_features"] = math.prod(per_sample) if None not in per_sample else None
        result.setdefault("input_kind", "array" if module.startswith("numpy") else type(X).__name__)
        return result
    return _describe_stream(X, result)


def _describe_validation(data: FitData, n_samples: int | None) -> dict[str, Any] | None:
    sample = (data.samples or {}).get("validation_data")
    if sample is not None:
        return {"source": "validation_data", **describe_stream_sample(sample)}
    if data.validation is not None:
        X_val, y_val = (tuple(data.validation) + (None, None))[:2]
        inputs = describe_inputs(X_val)
        description: dict[str, Any] = {"source": "validation_data"}
        description.update(
            {
                key: inputs.get(key)
                for key in ("n_samples", "n_features", "input_shape", "dtype", "input_kind")
            }
        )
        description.update(describe_targets(y_val))
        return description
    fraction = finite_float(data.validation_split) or 0.0
    if fraction <= 0 or n_samples is None:
        return None
    # Keras takes the last rows: split_at = floor(n * (1 - validation_split))
    split_at = int(math.floor(n_samples * (1.0 - fraction)))
    description = {
        "source": "validation_split",
        "fraction": fraction,
        "n_samples": n_samples - split_at,
    }
    tail = _rows_from(data.y, split_at)
    if tail is not None:
        description.update(describe_targets(tail))
    return description


def _rows_from(y: Any, start: int) -> Any:
    if y is None:
        return None
    if hasattr(y, "iloc"):
        return y.iloc[start:]
    if isinstance(y, (list, tuple)) or hasattr(y, "shape"):
        return y[start:]
    return None


def _fingerprints(data: FitData) -> dict[str, Any]:
    validation = data.validation
    samples = data.samples or {}
    fingerprints: dict[str, Any] = {
        "X": stream_fingerprint(samples["x"]) if "x" in samples else fingerprint_data(data.X),
        "y": fingerprint_data(data.y),
        "validation": None,
    }
    if "validation_data" in samples:
        fingerprints["validation"] = stream_fingerprint(samples["validation_data"])
    elif validation is not None:
        fingerprints["validation"] = fingerprint_data(list(validation))
    given = {"X": data.X, "y": data.y, "validation": validation}
    if data.sample_weight is not None:
        fingerprints["sample_weight"] = fingerprint_data(data.sample_weight)
        given["sample_weight"] = data.sample_weight
    fingerprints["complete"] = all(
        fingerprints[key] is not None for key, value in given.items() if value is not None
    )
    return fingerprints


def _describe_multi_input(X: Any) -> dict[str, Any]:
    items = X.items() if isinstance(X, Mapping) else enumerate(X)
    inputs = {str(name): describe_inputs(part) for name, part in items}
    samples = [entry["n_samples"] for entry in inputs.values() if entry["n_samples"] is not None]
    features = [entry["n_features"] for entry in inputs.values()]
    dtypes = {entry["dtype"] for entry in inputs.values()}
    shapes = {name: entry["input_shape"] for name, entry in inputs.items()}
    return {
        "n_samples": samples[0] if samples else None,
        "n_features": sum(features) if None not in features else None,
        "input_shape": shapes if isinstance(X, Mapping) else list(shapes.values()),
        "dtype": dtypes.pop() if len(dtypes) == 1 else "mixed",
        "input_kind": "dict" if isinstance(X, Mapping) else "list",
        "inputs": {
            name: {key: entry[key] for key in ("n_samples", "input_shape", "dtype")}
            for name, entry in inputs.items()
        },
    }


def _describe_dataset(dataset: Any, result: dict[str, Any]) -> dict[str, Any]:
    result["input_kind"] = "tf.data.Dataset"
    spec = getattr(dataset, "element_spec", None)
    result["element_spec"] = spec_to_json(spec)
    x_spec = spec[0] if isinstance(spec, tuple) and spec else spec
    shape = getattr(x_spec, "shape", None)
    if shape is not None and shape.rank is not None and shape.rank >= 1 and shape[0] is None:
        # a batched dataset: the first dimension is the batch
        per_sample = [None if dim is None else int(dim) for dim in list(shape)[1:]]
        result["input_shape"] = per_sample
        result["n_features"] = math.prod(per_sample) if None not in per_sample else None
    dtype = getattr(x_spec, "dtype", None)
    if dtype is not None:
        result["dtype"] = dtype.name
    try:  # cardinality is computed from the pipeline's graph; nothing is read
        cardinality = int(dataset.cardinality())
        result["n_batches"] = (
            cardinality if cardinality >= 0 else {-1: "infinite", -2: "unknown"}.get(cardinality)
        )
    except Exception:
        result["n_batches"] = None
    return result


def _describe_stream(X: Any, result: dict[str, Any]) -> dict[str, Any]:
    kind = type(X).__name__
    if any(base.__name__ == "PyDataset" for base in type(X).__mro__):
        kind = "PyDataset"
        try:
            result["n_batches"] = int(len(X))
        except Exception:
            result["n_batches"] = None
    elif hasattr(X, "__next__"):
        kind = "generator" if type(X).__name__ == "generator" else "iterator"
    result["input_kind"] = kind
    return result


def spec_to_json(spec: Any) -> Any:
    """A ``tf.data`` element spec as plain JSON: ``{"type", "shape", "dtype"}`` per part."""
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return {str(key): spec_to_json(value) for key, value in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [spec_to_json(value) for value in spec]
    shape = getattr(spec, "shape", None)
    dtype = getattr(spec, "dtype", None)
    entry: dict[str, Any] = {"type": type(spec).__name__}
    if shape is not None and shape.rank is not None:
        entry["shape"] = [None if dim is None else int(dim) for dim in list(shape)]
    if dtype is not None:
        entry["dtype"] = getattr(dtype, "name", str(dtype))
    return entry


def _guard(function: Any, *args: Any) -> dict[str, Any]:
    """Run one description step; a failure leaves its fields out instead of failing all."""
    try:
        return function(*args) or {}
    except Exception:
        return {}
