"""Small data sets of the search tests."""

from __future__ import annotations

import numpy as np


def classification_split(n: int = 160, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A noisy two-class problem on 4 features: X, y for training (3/4), X_val, y_val (1/4)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.7 * rng.normal(size=n) > 0).astype(int)
    split = n * 3 // 4
    return X[:split], y[:split], X[split:], y[split:]
