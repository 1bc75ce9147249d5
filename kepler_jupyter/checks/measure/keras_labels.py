"""How the labels look to a Keras loss: class ids, one-hot rows, soft targets or values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class LabelSummary:
    """How the labels look to a Keras loss. ``kind`` is ``integer`` (class ids, one per sample
    or one per position of a sequence / image), ``onehot``,
    ``multilabel`` (several 0/1 columns), ``probabilities`` (soft targets) or ``continuous``."""

    shape: tuple[int, ...]
    kind: str
    minimum: float
    maximum: float
    #: the last axis' width (1 for 1-D labels)
    width: int
    #: for integer labels, the number of distinct values seen; otherwise ``None``
    n_distinct: int | None = None


def label_summary(y: Any, sample_rows: int = 20_000) -> LabelSummary | None:
    """Summarise array-like labels; ``None`` for datasets, generators, dicts and text labels.

    Minimum and maximum are exact; the shape of each row (one-hot or not, integer-valued or
    not) is judged on up to ``sample_rows`` rows spread over the whole array.
    """
    import numpy as np

    if y is None or isinstance(y, (dict, str, bytes)):
        return None
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    if not isinstance(y, (np.ndarray, list, tuple)):
        return None
    labels = np.asarray(y)
    if labels.size == 0 or labels.dtype.kind not in "biuf":
        return None
    if labels.ndim == 0:
        return None
    minimum, maximum = float(np.nanmin(labels)), float(np.nanmax(labels))
    if not (np.isfinite(minimum) and np.isfinite(maximum)):
        return None  # NaN / inf labels are the data checks' business
    step = max(1, len(labels) // sample_rows)
    rows = labels[::step]
    width = labels.shape[-1] if labels.ndim > 1 else 1
    integral = labels.dtype.kind in "biu" or bool(np.all(rows == np.round(rows)))
    if width == 1 or labels.ndim == 1:
        kind = "integer" if integral and minimum >= 0 else "continuous"
    elif integral and minimum >= 0 and maximum <= 1:
        kind = "onehot" if bool(np.all(rows.sum(axis=-1) == 1)) else "multilabel"
    elif minimum >= 0 and maximum <= 1 and bool(np.allclose(rows.sum(axis=-1), 1, atol=1e-3)):
        kind = "probabilities"
    elif integral and minimum >= 0:
        kind = "integer"  # class ids per position, e.g. one tag per time step
    else:
        kind = "continuous"
    n_distinct = None
    if kind == "integer":
        n_distinct = int(np.unique(rows).size) if step > 1 else int(np.unique(labels).size)
    return LabelSummary(tuple(labels.shape), kind, minimum, maximum, width, n_distinct)
