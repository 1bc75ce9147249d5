"""Exact counts of NaN and infinite values, without copying the data.

The common case (no bad value) costs one vectorised sum: a sum is finite only if every term is,
so a finite total proves the array clean. Only when the total is not finite (a bad value, or a
harmless overflow) is the array scanned chunk by chunk to count and locate the bad values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kepler_jupyter.checks.measure.data_stats import (
    as_checkable,
    is_dataframe,
    is_sparse,
    numeric_view,
)

CHUNK_VALUES = 4_000_000


def count_nonfinite(array: Any) -> dict[str, Any] | None:
    """Counts of NaN / inf in an input array or DataFrame; ``None`` when it cannot be checked.

    Returns
    -------
    dict
        ``values`` (bad values), ``nan``, ``inf``, ``rows`` (rows with any), ``n_rows``,
        ``first_rows`` (up to 10 row indices) and ``columns`` (names of affected columns of
        two-dimensional inputs, most affected first).
    """
    if is_sparse(array):
        return _sparse_nonfinite(array)
    if is_dataframe(array):
        values = numeric_view(array)
        if values is None:
            return _frame_nonfinite(array)
        found = count_nonfinite(values)
        if found is not None:
            names = [str(c) for c in array.columns]
            found["columns"] = [names[int(j)] for j in found["columns"]]
        return found
    array = np.asarray(array)
    if array.dtype.kind not in "fc":
        if array.dtype == object:
            return _frame_nonfinite(_object_frame(array))
        return None  # integers and booleans cannot hold NaN
    with np.errstate(all="ignore"):
        if np.isfinite(array.sum()):
            return _clean(len(array))
    rows = array.reshape(len(array), -1)
    per_column = np.zeros(rows.shape[1], dtype=np.int64)
    nan = inf = 0
    bad_rows: list[np.ndarray] = []
    step = max(1, CHUNK_VALUES // max(rows.shape[1], 1))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        is_nan = np.isnan(chunk)
        is_inf = np.isinf(chunk)
        nan += int(is_nan.sum())
        inf += int(is_inf.sum())
        bad = is_nan | is_inf
        per_column += bad.sum(axis=0)
        bad_rows.append(np.flatnonzero(bad.any(axis=1)) + start)
    all_bad = np.concatenate(bad_rows) if bad_rows else np.zeros(0, np.int64)
    columns = []
    if array.ndim == 2:
        order = np.argsort(-per_column, kind="stable")
        columns = [str(j) for j in order if per_column[j] > 0][:20]
    return {"values": nan + inf, "nan": nan, "inf": inf, "rows": int(len(all_bad)),
            "n_rows": len(array), "first_rows": [int(r) for r in all_bad[:10]], "columns": columns}


def label_nonfinite(y: Any) -> dict[str, Any] | None:
    """Counts of missing / non-finite labels; ``None`` when the labels cannot be checked."""
    labels = as_checkable(y)
    if labels is None:
        return None
    if is_dataframe(labels):
        return _frame_nonfinite(labels)
    labels = np.asarray(labels)
    if labels.dtype == object:
        return _frame_nonfinite(_object_frame(labels))
    return count_nonfinite(labels) if labels.dtype.kind in "fc" else None


def _object_frame(array: np.ndarray) -> Any:
    import pandas as pd

    return pd.DataFrame(array.reshape(len(array), -1))


def _frame_nonfinite(frame: Any) -> dict[str, Any]:
    import pandas as pd

    missing = frame.isna().to_numpy()
    infinite = np.zeros_like(missing)
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]  # by position: labels may repeat
        if pd.api.types.is_float_dtype(series.dtype):
            infinite[:, position] = np.isinf(series.to_numpy(dtype=np.float64, na_value=0.0))
    bad = missing | infinite
    per_column = bad.sum(axis=0)
    bad_rows = np.flatnonzero(bad.any(axis=1))
    order = np.argsort(-per_column, kind="stable")
    return {"values": int(bad.sum()), "nan": int(missing.sum()), "inf": int(infinite.sum()),
            "rows": int(len(bad_rows)), "n_rows": len(frame),
            "first_rows": [int(r) for r in bad_rows[:10]],
            "columns": [str(frame.columns[j]) for j in order if per_column[j] > 0][:20]}


def _sparse_nonfinite(matrix: Any) -> dict[str, Any] | None:
    """NaN / inf among a sparse matrix's stored values (the implicit zeros are finite)."""
    if matrix.dtype.kind not in "fc":
        return None
    coo = matrix.tocoo()
    data = np.asarray(coo.data)
    with np.errstate(all="ignore"):
        if np.isfinite(data.sum()):
            return _clean(int(matrix.shape[0]))
    is_nan, is_inf = np.isnan(data), np.isinf(data)
    bad = is_nan | is_inf
    rows = np.unique(np.asarray(coo.row)[bad])
    columns, counts = np.unique(np.asarray(coo.col)[bad], return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return {"values": int(bad.sum()), "nan": int(is_nan.sum()), "inf": int(is_inf.sum()),
            "rows": int(len(rows)), "n_rows": int(matrix.shape[0]),
            "first_rows": [int(r) for r in rows[:10]],
            "columns": [str(int(columns[j])) for j in order[:20]]}


def _clean(n_rows: int) -> dict[str, Any]:
    return {"values": 0, "nan": 0, "inf": 0, "rows": 0, "n_rows": n_rows, "first_rows": [],
            "columns": []}
