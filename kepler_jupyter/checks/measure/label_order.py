"""How labels are ordered and how two label distributions differ.

``label_order`` scores how grouped or sorted a label sequence is; ``chi_square_p`` and
``distribution_distance`` compare the class counts of two parts (training and validation).
"""

from __future__ import annotations

import math

import numpy as np

from kepler_jupyter.checks.base import CheckSubject
from kepler_jupyter.checks.measure.data_stats import labels


def label_order(values: np.ndarray, classification: bool) -> float | None:
    """How ordered a label sequence is: 1.0 fully grouped / sorted, about 0.0 random.

    For classes, one minus the ratio of observed class changes between neighbours to the
    number expected in a random order; for values, how far the share of increasing steps is
    from one half (scaled to [0, 1]). ``None`` for fewer than 20 labels.
    """
    if values is None or len(values) < 20:
        return None
    if classification:
        counts = np.bincount(values)
        shares = counts[counts > 0] / len(values)
        expected = (len(values) - 1) * (1.0 - float((shares**2).sum()))
        if expected <= 0:
            return None
        changes = int(np.count_nonzero(values[1:] != values[:-1]))
        return max(0.0, 1.0 - changes / expected)
    steps = np.diff(values)
    moving = steps[steps != 0]
    if len(moving) < 10:
        return None
    return abs(float((moving > 0).mean()) - 0.5) * 2


def chi_square_p(table: np.ndarray) -> float:
    """p-value of a chi-square test of independence on a 2 x k table of counts."""
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    dof = table.shape[1] - 1
    # Wilson–Hilferty: the cube root of chi2/k is close to normal; no SciPy import needed
    z = ((statistic / dof) ** (1 / 3) - (1 - 2 / (9 * dof))) / math.sqrt(2 / (9 * dof))
    return 0.5 * math.erfc(z / math.sqrt(2))


def distribution_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Total variation distance between two count vectors' distributions."""
    return 0.5 * float(np.abs(a / a.sum() - b / b.sum()).sum())


def labels_grouped(subject: CheckSubject, threshold: float = 0.5) -> float | None:
    """The training labels' order score when they are grouped or sorted, else ``None``."""
    coded = labels(subject)
    if coded is None or coded.train is None:
        return None
    values = coded.train
    if coded.task == "regression":
        values = values[np.isfinite(values)]
    order = label_order(values, classification=coded.task == "classification")
    return order if order is not None and order >= threshold else None
