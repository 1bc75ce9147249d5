"""Content fingerprints of data, model architecture and training settings.

A fingerprint answers "have I trained this before?": the same model, on the same data, with
the same settings gives the same ``experiment`` fingerprint in any process or machine.

Data (``fingerprint_data``)
    A hash of the values *and* of dtype and shape (the same numbers as float32 and as
    float64 are different data). Arrays are hashed in their logical C order, so a C-ordered
    and a Fortran-ordered copy hash alike; the bytes are read in place (no copy) when the
    array is C-contiguous and in 4 MiB row blocks otherwise. Leaves of about 4 MiB are hashed
    in parallel threads (hashlib releases the GIL) and their digests, with the headers,
    hashed again with blake2b; the leaf size is fixed, so the result does not depend on the
    thread count. Leaves use SHA-1: it only has to notice accidental changes, not resist an
    attacker, and with the SHA instructions of current x86 and ARM CPUs it was the fastest
    hashlib hash measured here (2.1 GB/s against 1.4 GB/s for blake2b and 0.9 GB/s for md5,
    one thread; ``benchmarks/fingerprint_benchmark.py``). DataFrames hash column
    names, dtypes and values but not the index (fit never sees it); lists hash like the array
    ``numpy.asarray`` makes of them; sparse matrices hash their format, shape and stored
    arrays. Datasets, generators and iterators give None: hashing them would consume them.

Model (``fingerprint_model``)
    The architecture from ``describe_model``: class, configuration and code hash, with
    layer and model names replaced by their position (renaming a layer, or Keras'
    auto-names ``dense_3`` on a rebuild, change nothing), dtype-policy dicts reduced to the
    dtype, and seeds, build shapes (they come from the data), parameter counts and
    parameters that never change a result (``verbose``, ``n_jobs``, ``copy``...) removed.

Settings (``fingerprint_settings``)
    The training settings from ``describe_settings`` minus what cannot change the trained
    model: metrics (only measured), ``verbose``, fit arguments passed as None or at their
    default (``fit(X, y, sample_weight=None)`` is ``fit(X, y)``), and callbacks that only log
    or save (TensorBoard, CSVLogger, ModelCheckpoint, progress bars, kepler's own). Callbacks that
    steer training (EarlyStopping, ReduceLROnPlateau, schedules) count with their settings.
    Seeds (``random_state``, the Keras global seed) belong here, not to the architecture.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kepler_jupyter.adapters.canonical import canonical_architecture, canonical_settings
from kepler_jupyter.adapters.data_kinds import data_kind

DIGEST_SIZE = 10  # 20 hex characters: collisions are negligible for a project's journal
LEAF_BYTES = 4 << 20
#: below this many bytes, threads cost more than they save
PARALLEL_MIN_BYTES = 32 << 20

_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
#: a header (bytes) or an array leaf: (array, first row, end row, size in bytes)
_Part = bytes | tuple[Any, int, int, int]


class _Unhashable(Exception):
    """The object (or part of it) cannot be hashed without consuming or converting it."""


def fingerprint_data(obj: Any) -> str | None:
    """Content hash of training data.

    Parameters
    ----------
    obj
        numpy array, pandas DataFrame / Series, list / tuple / dict (of arrays or of values),
        scipy sparse matrix or array, TensorFlow eager tensor.

    Returns
    -------
    str or None
        20 hex characters, or None for None and for what cannot be hashed without
        consuming it (tf.data datasets, generators, Keras PyDatasets) or is unknown.
    """
    if obj is None:
        return None
    try:
        parts: list[_Part] = []
        _collect(obj, parts)
        return _finish(parts)
    except Exception:  # _Unhashable, or something odd inside the user's object
        return None


def fingerprint_model(model_description: Mapping[str, Any] | None) -> str | None:
    """Hash of a model's architecture (see the module docstring for what is left out).

    None when there is no description (describing the model failed): an empty description
    would make every such model look the same.
    """
    if not isinstance(model_description, Mapping) or not model_description.get("class"):
        return None
    try:
        return hash_json(canonical_architecture(model_description))
    except Exception:
        return None


def fingerprint_settings(params: Mapping[str, Any] | None) -> str | None:
    """Hash of the training settings that can change the trained model (None without any)."""
    if not isinstance(params, Mapping):
        return None
    try:
        return hash_json(canonical_settings(params))
    except Exception:
        return None


def experiment_fingerprint(
    model_fp: str | None, data_fp: Any, settings_fp: str | None
) -> dict[str, str | None]:
    """The record's ``fingerprint`` field.

    Parameters
    ----------
    model_fp, settings_fp
        From ``fingerprint_model`` and ``fingerprint_settings``.
    data_fp
        A hash string, or the ``data["fingerprints"]`` dict (``X``, ``y``, ``validation``
        and optionally ``sample_weight``, ``complete``) whose parts are combined.

    Returns
    -------
    dict
        ``experiment``, ``model``, ``data``, ``settings``. ``data`` and ``experiment`` are None
        when the data could not be hashed (a dataset or generator): a missing hash must never
        make two different experiments look the same.
    """
    if isinstance(data_fp, Mapping):
        data_fp = _combine_data_fingerprints(data_fp)
    experiment = None
    if model_fp and data_fp and settings_fp:
        experiment = hash_json({"model": model_fp, "data": data_fp, "settings": settings_fp})
    return {"experiment": experiment, "model": model_fp, "data": data_fp, "settings": settings_fp}


def hash_json(value: Any) -> str:
    """blake2b of the canonical JSON text of ``value`` (sorted keys, no spaces)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.blake2b(text.encode(), digest_size=DIGEST_SIZE).hexdigest()


def _combine_data_fingerprints(fingerprints: Mapping[str, Any]) -> str | None:
    if fingerprints.get("complete") is False or not fingerprints.get("X"):
        return None
    parts = {key: value for key, value in fingerprints.items() if key != "complete"}
    return hash_json(parts)


# ---------------------------------------------------------------------------------- data


def _collect(obj: Any, parts: list[_Part]) -> None:
    """Append header bytes and array leaves ``(array, start_row, stop_row, nbytes)``."""
    np = sys.modules.get("numpy")
    if np is None:
        import numpy

        np = numpy
    module = type(obj).__module__ or ""
    if obj is None:
        parts.append(b"none;")
    elif isinstance(obj, np.ndarray):
        _collect_array(obj, parts, np)
    elif module.startswith("pandas"):
        _collect_pandas(obj, parts, np)
    elif module.startswith("scipy.sparse"):
        _collect_sparse(obj, parts, np)
    elif isinstance(obj, Mapping):
        parts.append(f"dict:{len(obj)};".encode())
        for key in sorted(obj, key=str):
            parts.append(f"key:{key!r};".encode())
            _collect(obj[key], parts)
    elif isinstance(obj, (list, tuple)):
        if data_kind(obj) == "unknown":
            # a stream or an unknown object inside: numpy.asarray could walk it for ever
            raise _Unhashable(type(obj).__name__)
        if obj and any(_is_container(item, np) for item in obj):
            parts.append(f"seq:{len(obj)};".encode())
            for item in obj:
                _collect(item, parts)
        else:
            try:
                array = np.asarray(obj)
            except ValueError:  # ragged nested lists
                parts.append(f"seq:{len(obj)};".encode())
                for item in obj:
                    _collect(item if isinstance(item, (list, tuple)) else [item], parts)
                return
            _collect_array(array, parts, np)
    elif isinstance(obj, (bool, int, float, complex, str, bytes, np.generic)):
        _collect_array(np.asarray(obj), parts, np)
    elif module.startswith("tensorflow") and type(obj).__name__ in (
        "EagerTensor",
        "ResourceVariable",
    ):
        _collect_array(np.asarray(obj.numpy()), parts, np)
    else:
        raise _Unhashable(type(obj).__name__)


def _is_container(item: Any, np: Any) -> bool:
    module = type(item).__module__ or ""
    return isinstance(item, (np.ndarray, Mapping, list, tuple)) or module.startswith(
        ("pandas", "scipy.sparse")
    )


def _collect_array(array: Any, parts: list[_Part], np: Any) -> None:
    if array.ndim == 0:
        array = array.reshape(1)
    if array.dtype.hasobject:
        # object arrays (strings, mixed values): pandas hashes the values themselves
        import pandas as pd

        hashed = pd.util.hash_array(array.ravel(order="C"))
        parts.append(f"objarray:{array.shape};".encode())
        _append_leaves(hashed, parts)
        return
    parts.append(f"array:{array.dtype.str}:{array.shape};".encode())
    _append_leaves(array, parts)


def _append_leaves(array: Any, parts: list[_Part]) -> None:
    rows = array.shape[0]
    row_bytes = array.itemsize * (array.size // rows) if rows else 0
    if row_bytes == 0:
        return
    rows_per_leaf = max(1, LEAF_BYTES // row_bytes)
    for start in range(0, rows, rows_per_leaf):
        stop = min(rows, start + rows_per_leaf)
        parts.append((array, start, stop, (stop - start) * row_bytes))


def _collect_pandas(obj: Any, parts: list[_Part], np: Any) -> None:
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        parts.append(f"dataframe:{obj.shape};".encode())
        for name, column in obj.items():
            parts.append(f"column:{name!r};".encode())
            _collect_series_values(column, parts, np, pd)
    elif isinstance(obj, pd.Series):
        parts.append(f"series:{obj.name!r};".encode())
        _collect_series_values(obj, parts, np, pd)
    elif isinstance(obj, pd.Index):
        _collect_series_values(obj.to_series(index=None), parts, np, pd)
    else:
        raise _Unhashable(type(obj).__name__)


def _collect_series_values(series: Any, parts: list[_Part], np: Any, pd: Any) -> None:
    dtype = series.dtype
    parts.append(f"dtype:{dtype};len:{len(series)};".encode())
    if isinstance(dtype, np.dtype) and not dtype.hasobject:
        _append_leaves(series.to_numpy(copy=False), parts)  # a view into the frame's block
    else:  # strings, categoricals, nullable and arrow dtypes
        _append_leaves(pd.util.hash_pandas_object(series, index=False).to_numpy(), parts)


def _collect_sparse(matrix: Any, parts: list[_Part], np: Any) -> None:
    sparse_format = getattr(matrix, "format", None)
    parts.append(f"sparse:{sparse_format}:{matrix.dtype.str}:{matrix.shape};".encode())
    if sparse_format in ("csr", "csc", "bsr"):
        arrays: tuple[Any, ...] = (matrix.data, matrix.indices, matrix.indptr)
    elif sparse_format == "coo":
        arrays = (matrix.data, *getattr(matrix, "coords", (matrix.row, matrix.col)))
    elif sparse_format == "dia":
        arrays = (matrix.data, matrix.offsets)
    else:  # dok and lil keep Python objects; these formats are small in practice
        csr = matrix.tocsr()
        arrays = (csr.data, csr.indices, csr.indptr)
    for array in arrays:
        _collect_array(np.asarray(array), parts, np)


def _hash_leaf(leaf: tuple[Any, int, int, int]) -> bytes:
    array, start, stop, _ = leaf
    block = array[start:stop]
    if not block.flags.c_contiguous:
        import numpy as np

        block = np.ascontiguousarray(block)  # one leaf-sized copy, never the whole array
    view = memoryview(block.reshape(-1).view("u1"))
    return hashlib.sha1(view, usedforsecurity=False).digest()


def _finish(parts: list[_Part]) -> str:
    leaves = [part for part in parts if isinstance(part, tuple)]
    total_bytes = sum(leaf[3] for leaf in leaves)
    if total_bytes >= PARALLEL_MIN_BYTES and len(leaves) > 1:
        digests = iter(list(_get_executor().map(_hash_leaf, leaves)))
    else:
        digests = iter([_hash_leaf(leaf) for leaf in leaves])
    final = hashlib.blake2b(digest_size=DIGEST_SIZE, person=b"kepler-data-1")
    for part in parts:
        final.update(next(digests) if isinstance(part, tuple) else part)
    return final.hexdigest()


def _get_executor() -> ThreadPoolExecutor:
    global _executor, _executor_pid
    # a forked child inherits the pool object but not its threads: work sent there would
    # wait forever, so each process makes its own
    if _executor is None or _executor_pid != os.getpid():
        workers = max(1, min(4, os.cpu_count() or 1))
        _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kepler-fingerprint")
        _executor_pid = os.getpid()
    return _executor
