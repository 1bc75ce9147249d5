"""Fixtures for the check tests: small, well-made data and tiny compiled Keras models."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.fixture
def blobs(rng):
    """Standardised, shuffled, learnable 3-class data: (X, y) with 600 rows and 8 features."""
    centres = rng.normal(0, 1.5, size=(3, 8))
    y = rng.integers(0, 3, 600)
    X = centres[y] + rng.normal(0, 1, size=(600, 8))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype("float32"), y
