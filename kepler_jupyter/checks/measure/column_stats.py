"""Per-feature statistics of the training inputs, from a random sample of rows.

Scale, range, constant-ness and correlation do not need every row: a sample of a few thousand
rows answers them, so these checks cost milliseconds on a million rows. Where a sampled answer
could be wrong in a way that matters (a column that looks constant), the check verifies it on
the full column.

Images and sequences (inputs with three or more axes) are summarised per channel / per feature
of the last axis, the way they are normalised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import CheckSubject
from kepler_jupyter.checks.measure.data_stats import (
    is_dataframe,
    n_rows,
    split_inputs,
    training_inputs,
)

#: about this many values are sampled per input (rows x features)
SAMPLE_VALUES = 2_000_000
MIN_SAMPLE_ROWS = 500
MAX_SAMPLE_ROWS = 20_000
#: rows sampled at most from the validation data (scale comparisons, the validation pass)
VALIDATION_SAMPLE_ROWS = 5_000
#: columns are sorted on at most this many sampled values (for modes and distinct counts)
SORT_ROWS = 20_000


@dataclass
class ColumnStats:
    """Sampled statistics of one input's numeric features."""

    name: str
    n_rows: int
    ndim: int
    dtype: str
    #: labels of the numeric features (DataFrame column names or indices of the last axis)
    columns: list[str]
    #: row indices of the sample (2-D inputs) for exact follow-up on the full data
    sample_rows: np.ndarray
    sample: np.ndarray  # (rows, features) float64
    minimum: np.ndarray
    maximum: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    #: share of the sample equal to the column's most frequent value (exact above 0.5)
    mode_fraction: np.ndarray
    n_unique: np.ndarray
    binary: np.ndarray
    integral: np.ndarray
    #: names of DataFrame columns that are not numbers (categories, strings, booleans)
    non_numeric: list[str] = field(default_factory=list)
    #: distinct values of each of those columns in the sample
    non_numeric_unique: list[int] = field(default_factory=list)
    #: DataFrames: the position of each numeric / non-numeric column in the frame. Labels may
    #: be ints, tuples (MultiIndex) or repeated, so columns are read back by position
    positions: list[int] = field(default_factory=list)
    non_numeric_positions: list[int] = field(default_factory=list)
    #: what checks computed from these statistics, by a key of their choosing (K309's
    #: correlations): kept with them for the next fits on the same data (``measure.kept``)
    derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_features(self) -> int:
        return len(self.columns)

    @property
    def informative(self) -> np.ndarray:
        """Features that vary in a meaningful way: not constant, not 0/1, not mostly one value."""
        return (self.std > 0) & ~self.binary & (self.mode_fraction < 0.9)

    def log_value_space(self) -> float:
        """log of how many distinct rows these features allow (a lower bound from the sample).

        A column with mostly distinct values counts as unbounded (``inf``).
        """
        if self.ndim >= 3:
            return math.inf
        rows = len(self.sample_rows)
        total = 0.0
        for unique in [*self.n_unique.tolist(), *self.non_numeric_unique]:
            if unique >= 0.5 * rows:
                return math.inf
            total += math.log(max(int(unique), 1))
        return total


def column_stats(subject: CheckSubject) -> list[ColumnStats]:
    """Statistics of every training input, computed once per subject.

    On the validation pass (``subject.part == "validation"``) the sample is smaller
    (``VALIDATION_SAMPLE_ROWS``): scale and constant-ness need far fewer rows than 20,000, and
    the pass must not double the data checks' cost.
    """
    if "column_stats" not in subject.cache:
        rows = MAX_SAMPLE_ROWS if subject.part == "training" else VALIDATION_SAMPLE_ROWS
        subject.cache["column_stats"] = [
            summary for name, array in training_inputs(subject)
            if (summary := _summarise(name, array, rows)) is not None]
    return subject.cache["column_stats"]


def validation_column_stats(subject: CheckSubject) -> list[ColumnStats]:
    """Statistics of every validation input (``split_inputs(subject).validation``), computed
    once per subject; the validation pass starts from them (``checks.validation_part``)."""
    if "validation_column_stats" not in subject.cache:
        subject.cache["validation_column_stats"] = [
            summary for name, array in split_inputs(subject).validation or []
            if (summary := _summarise(name, array, VALIDATION_SAMPLE_ROWS)) is not None]
    return subject.cache["validation_column_stats"]


def _summarise(name: str, array: Any, max_rows: int = MAX_SAMPLE_ROWS) -> ColumnStats | None:
    total = n_rows(array)
    if total == 0:
        return None
    non_numeric: list[str] = []
    non_numeric_unique: list[int] = []
    positions: list[int] = []
    other_positions: list[int] = []
    if is_dataframe(array):
        for position, column_dtype in enumerate(array.dtypes):
            (positions if _is_number(column_dtype) else other_positions).append(position)
        labels = list(array.columns)
        non_numeric = [str(labels[i]) for i in other_positions]
        columns = [str(labels[i]) for i in positions]
        rows = _sample_rows(total, max(len(columns), 1), max_rows)
        sample = array.iloc[rows, positions].to_numpy(dtype=np.float64, na_value=np.nan)
        if non_numeric:
            picked = array.iloc[rows, other_positions]
            non_numeric_unique = [int(v) for v in picked.nunique(dropna=False).tolist()]
        dtype, ndim = "DataFrame", 2
    else:
        if array.dtype.kind not in "biuf":
            return None
        row_size = int(np.prod(array.shape[1:])) if array.ndim > 1 else 1
        rows = _sample_rows(total, row_size, max_rows)
        picked = np.asarray(array[rows], dtype=np.float64)
        width = array.shape[-1] if array.ndim > 1 else 1
        sample = picked.reshape(-1, width)
        columns = [str(i) for i in range(width)]
        dtype, ndim = str(array.dtype), array.ndim
    if sample.shape[1] == 0:
        empty = np.zeros(0)
        return ColumnStats(name, total, ndim, dtype, [], rows, sample, empty, empty, empty, empty,
                           empty, empty, np.zeros(0, bool), np.zeros(0, bool), non_numeric,
                           non_numeric_unique, positions, other_positions)
    if not np.isfinite(sample).all():
        # non-finite values are the NaN check's business; statistics ignore them
        sample = np.where(np.isfinite(sample), sample, np.nan)
    with np.errstate(all="ignore"):
        stats = _statistics(sample)
    return ColumnStats(name, total, ndim, dtype, columns, rows, sample, *stats, non_numeric,
                       non_numeric_unique, positions, other_positions)


def _is_number(dtype: Any) -> bool:
    """Numbers as ``select_dtypes(include="number")`` has them: not booleans, nullable ints in."""
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
                and not pd.api.types.is_complex_dtype(dtype))


def _sample_rows(total: int, row_size: int, max_rows: int = MAX_SAMPLE_ROWS) -> np.ndarray:
    wanted = min(max(SAMPLE_VALUES // max(row_size, 1), MIN_SAMPLE_ROWS), max_rows)
    if total <= wanted:
        return np.arange(total)
    # a fixed seed: the same data gives the same findings every time
    return np.sort(np.random.default_rng(0).choice(total, size=wanted, replace=False))


#: minimum, maximum, mean, std, mode_fraction, n_unique, binary, integral
_Statistics = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                    np.ndarray, np.ndarray]


def _statistics(sample: np.ndarray) -> _Statistics:
    sorted_all = len(sample) <= SORT_ROWS
    ordered = np.sort(sample[:SORT_ROWS], axis=0)  # NaN sorts last
    # NaN sorts last, so the sorted sample's last row says whether a column has any
    has_nan = bool(np.isnan(ordered[-1]).any()) if sorted_all else bool(np.isnan(sample).any())
    columns = np.arange(ordered.shape[1])
    if has_nan:
        valid = (~np.isnan(ordered)).sum(axis=0)
        changes = (ordered[1:] != ordered[:-1]) & ~np.isnan(ordered[1:])
    else:
        valid = np.full(ordered.shape[1], len(ordered))
        changes = ordered[1:] != ordered[:-1]
    if sorted_all:  # the sorted sample is the whole sample: its ends are the extremes
        minimum, maximum = ordered[0], ordered[np.maximum(valid - 1, 0), columns]
    else:
        minimum = np.nanmin(sample, axis=0) if has_nan else sample.min(axis=0)
        maximum = np.nanmax(sample, axis=0) if has_nan else sample.max(axis=0)
    mean = np.nanmean(sample, axis=0) if has_nan else sample.mean(axis=0)
    std = np.nanstd(sample, axis=0) if has_nan else sample.std(axis=0)
    n_unique = changes.sum(axis=0) + (valid > 0)
    # the median equals the mode whenever the mode holds more than half the values
    median = ordered[np.maximum(valid - 1, 0) // 2, columns]
    mode_fraction = (ordered == median).sum(axis=0) / np.maximum(valid, 1)
    finite = np.where(np.isnan(sample), 0.0, sample) if has_nan else sample
    binary = np.all((finite == 0) | (finite == 1), axis=0)
    integral = np.all(finite == np.round(finite), axis=0)
    return minimum, maximum, mean, std, mode_fraction, n_unique, binary, integral
