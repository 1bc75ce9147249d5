"""Shared views of a fit's data for the checks: inputs, the train / validation split, labels.

Every summary is computed once per subject and kept in ``subject.cache``, so the whole pre-fit
suite reads a large array only a few times. Nothing here copies the full data: slices are views
and statistics come from a row sample (see ``column_stats.py``).

Checks of other modules may use ``task_of``, ``labels`` and ``training_inputs`` freely; a Keras
model's loss is read by ``kepler_jupyter.models.keras_compile``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import numpy as np

from kepler_jupyter.checks.base import CheckSubject
from kepler_jupyter.models.keras_compile import loss_name
from kepler_jupyter.models.sklearn_model import declared_estimator_type

#: words in a Keras loss name that say the task is classification / regression
_CLASSIFICATION_LOSSES = ("crossentropy", "hinge", "focal", "kl_divergence", "kld", "poisson_nll")
_REGRESSION_LOSSES = (
    "mean_squared", "mse", "mean_absolute", "mae", "mape", "msle", "huber", "log_cosh",
    "logcosh", "cosine", "poisson", "squared_hinge_regression",
)


# -- inputs ---------------------------------------------------------------------------------


def is_dataframe(value: Any) -> TypeGuard[Any]:  # a pandas DataFrame (pandas is untyped)
    return type(value).__name__ == "DataFrame" and hasattr(value, "iloc")


def is_sparse(value: Any) -> bool:
    return hasattr(value, "tocsr") and hasattr(value, "nnz")


def numeric_view(frame: Any) -> np.ndarray | None:
    """The values of an all-numeric, single-dtype DataFrame as an ndarray *view*, else ``None``.

    Such frames (``pd.DataFrame(array)``) are hashed and scanned like arrays, which is several
    times faster than pandas' per-column paths; a frame whose values would need a copy is not
    viewed, so the memory cost stays nil.
    """
    dtypes = set(frame.dtypes)
    if len(dtypes) != 1 or frame.shape[1] == 0:
        return None
    dtype = next(iter(dtypes))
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf":
        return None
    values = frame.to_numpy(copy=False)
    return values if np.shares_memory(values, frame.iloc[:, 0].to_numpy()) else None


def as_checkable(value: Any) -> Any:
    """An ndarray or DataFrame for array-like data; ``None`` for datasets, generators, etc."""
    if value is None or is_sparse(value):
        return None
    if isinstance(value, np.ndarray) or is_dataframe(value):
        return value
    if type(value).__name__ == "Series":
        return value.to_numpy()
    if isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
        # tf.data datasets and Keras PyDatasets have no __array__; tensors and lists do
        try:
            array = np.asarray(value)
        except Exception:
            return None
        return array if array.dtype != object or array.ndim >= 1 else None
    return None


def inputs_of(X: Any) -> list[tuple[str, Any]]:
    """``[(name, array)]`` for one input or for each input of a multi-input Keras model."""
    if isinstance(X, dict):
        named = [(str(key), as_checkable(value)) for key, value in X.items()]
    elif isinstance(X, (list, tuple)) and X and all(_looks_like_array(x) for x in X):
        named = [(f"X[{i}]", as_checkable(x)) for i, x in enumerate(X)]
    else:
        named = [("X", as_checkable(X))]
    if any(array is None or getattr(array, "ndim", 0) == 0 for _, array in named):
        return []
    lengths = {len(array) for _, array in named}
    return named if len(lengths) == 1 else []


def _looks_like_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or is_dataframe(value) or hasattr(value, "shape")


def n_rows(array: Any) -> int:
    return int(array.shape[0]) if hasattr(array, "shape") else len(array)


def take(array: Any, rows: Any) -> Any:
    """Rows of an ndarray or DataFrame (a slice gives a view of an ndarray)."""
    return array.iloc[rows] if is_dataframe(array) else array[rows]


def split_index(n: int, validation_split: float) -> int:
    """Where Keras cuts ``validation_split``: the last fraction, before any shuffling."""
    if not validation_split or validation_split <= 0:
        return n
    return int(math.floor(n * (1.0 - validation_split)))


@dataclass
class SplitInputs:
    """The inputs as the fit will use them."""

    train: list[tuple[str, Any]]
    validation: list[tuple[str, Any]] | None
    #: True when validation is the tail of the training arrays (``validation_split``)
    from_split: bool = False


def split_inputs(subject: CheckSubject) -> SplitInputs:
    """Training and validation inputs; empty lists when the data is not array-like."""
    if "split_inputs" in subject.cache:
        return subject.cache["split_inputs"]
    inputs = inputs_of(subject.X) if subject.X is not None else []
    validation = None
    from_split = False
    if inputs and subject.validation_split and not subject.validation:
        cut = split_index(n_rows(inputs[0][1]), subject.validation_split)
        validation = [(name, take(array, slice(cut, None))) for name, array in inputs]
        inputs = [(name, take(array, slice(0, cut))) for name, array in inputs]
        from_split = True
    elif inputs and subject.validation:
        validation = inputs_of(subject.validation[0]) or None
        if validation and [n for n, _ in validation] != [n for n, _ in inputs]:
            validation = None
    result = SplitInputs(inputs, validation, from_split)
    subject.cache["split_inputs"] = result
    return result


def training_inputs(subject: CheckSubject) -> list[tuple[str, Any]]:
    return split_inputs(subject).train


# -- the task and the labels ----------------------------------------------------------------


def task_of(subject: CheckSubject) -> str:
    """``classification``, ``regression``, ``unsupervised`` or ``unknown``."""
    if "task" not in subject.cache:
        subject.cache["task"] = _task_of(subject)
    return subject.cache["task"]


def _task_of(subject: CheckSubject) -> str:
    if subject.framework == "sklearn":
        kind = declared_estimator_type(subject.model)
        if kind == "classifier":
            return "classification"
        if kind == "regressor":
            return "regression"
        return "unsupervised" if subject.y is None else _task_from_labels(subject.y)
    name = loss_name(subject.model).replace(" ", "_")
    if any(word in name for word in _CLASSIFICATION_LOSSES):
        return "classification"
    if any(word in name for word in _REGRESSION_LOSSES):
        return "regression"
    return _task_from_labels(subject.y)


def _task_from_labels(y: Any) -> str:
    array = as_checkable(y)
    if array is None or is_dataframe(array):
        return "unknown"
    array = np.asarray(array)
    if array.dtype.kind in "biuOUSb" or str(array.dtype) in ("category", "str"):
        return "classification"
    if array.dtype.kind == "f":
        sample = array[: 10_000]
        finite = sample[np.isfinite(sample)]
        if finite.size and np.all(finite == np.round(finite)) and np.unique(finite).size <= 20:
            return "classification"
        return "regression"
    return "unknown"


@dataclass
class Labels:
    """Class codes of the training and validation labels, coded alike."""

    task: str
    #: "sparse" (one class per sample), "onehot", "multilabel" or "values" (regression)
    kind: str = "sparse"
    train: np.ndarray | None = None
    validation: np.ndarray | None = None
    classes: list[Any] = field(default_factory=list)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def counts(self, part: str = "train") -> np.ndarray:
        codes = self.train if part == "train" else self.validation
        if codes is None:
            return np.zeros(self.n_classes, dtype=np.int64)
        return np.bincount(codes, minlength=self.n_classes)

    def name(self, code: int) -> str:
        return str(self.classes[code])


def labels(subject: CheckSubject) -> Labels | None:
    """The labels, coded as class indices for classification; ``None`` when not checkable."""
    if "labels" not in subject.cache:
        try:
            subject.cache["labels"] = _labels(subject)
        except (TypeError, ValueError):  # odd label containers are simply not checked
            subject.cache["labels"] = None
    return subject.cache["labels"]


def _labels(subject: CheckSubject) -> Labels | None:
    task = task_of(subject)
    y = _label_array(subject.y)
    if y is None or task not in ("classification", "regression"):
        return None
    y_val = None
    from_split = bool(subject.validation_split) and not subject.validation
    if subject.validation and len(subject.validation) > 1:
        y_val = _label_array(subject.validation[1])
    cut = split_index(len(y), subject.validation_split) if from_split else len(y)
    if task == "regression":
        values = y.astype(np.float64, copy=False) if y.dtype.kind in "biuf" else None
        if values is None or values.ndim != 1:
            return None
        val = values[cut:] if from_split else (
            y_val.astype(np.float64) if y_val is not None and y_val.ndim == 1 else None)
        return Labels("regression", "values", values[:cut], val)
    kind, codes, classes = _encode(y, y_val)
    if codes is None:
        return Labels("classification", kind)
    n_train = len(y)
    train, val = codes[:n_train], codes[n_train:] if y_val is not None else None
    if from_split:
        train, val = codes[:cut], codes[cut:]
    return Labels("classification", kind, train, val, classes)


def _label_array(y: Any) -> np.ndarray | None:
    array = as_checkable(y)
    if array is None:
        return None
    if is_dataframe(array):
        array = array.to_numpy()
    array = np.asarray(array)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    return array if array.ndim in (1, 2) else None


def _encode(y: np.ndarray, y_val: np.ndarray | None) -> tuple[str, Any, list[Any]]:
    """(kind, codes for y followed by y_val, class names)."""
    parts = [y] if y_val is None else [y, y_val]
    if any(part.ndim == 2 for part in parts):
        if not all(part.ndim == 2 and part.shape[1] == y.shape[1] for part in parts):
            return "sparse", None, []
        if not all(_rows_are_distributions(part) for part in parts):
            return "multilabel", None, []
        codes = np.concatenate([part.argmax(axis=1) for part in parts])
        return "onehot", codes, list(range(y.shape[1]))
    joined = np.concatenate(parts) if len(parts) > 1 else y
    if joined.dtype.kind == "f":
        if not np.all(np.isfinite(joined)) or not np.all(joined == np.round(joined)):
            return "sparse", None, []
        joined = joined.astype(np.int64)
    if joined.dtype.kind in "iub" and joined.size:
        low, high = int(joined.min()), int(joined.max())
        if low >= 0 and high < 100_000:
            # small non-negative integers are their own codes: bincount, no sorting
            present = np.flatnonzero(np.bincount(joined.astype(np.int64)))
            lookup = np.zeros(high + 1, dtype=np.int64)
            lookup[present] = np.arange(len(present))
            return "sparse", lookup[joined.astype(np.int64)], [int(v) for v in present]
    import pandas as pd

    codes, uniques = pd.factorize(joined, sort=True)
    if (codes < 0).any():  # missing labels: the NaN check reports them
        return "sparse", None, []
    return "sparse", codes.astype(np.int64), [_plain(v) for v in uniques]


def _rows_are_distributions(y: np.ndarray) -> bool:
    if y.dtype.kind not in "biuf" or not np.all(np.isfinite(y[:10_000])):
        return False
    return bool(np.allclose(y.sum(axis=1), 1.0, atol=1e-3) and (y >= 0).all())


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
