"""Small real Keras models and data shared by the adapter tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def keras() -> Any:
    """The real Keras; imported here so modules that do not need it never load TensorFlow."""
    import keras

    return keras
