"""A corpus case and the small, deterministic data sets the cases are built from.

A ``Case`` builds a fresh set-up ``(model, X, y, fit_kwargs)``; ``expect_codes`` are the codes
it must raise (empty for a well-made set-up, which must raise no warning or error at all);
``stages`` are the kepler stages that judge it (``data``, ``model``, ``settings`` before the
fit; ``training`` and ``results`` need ``train=True``: a real, tiny fit).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

PREFIT = ("data", "model", "settings")
ALL_STAGES = (*PREFIT, "training", "results")
Setup = tuple[Any, Any, Any, dict[str, Any]]


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], Setup]
    expect_codes: tuple[str, ...] = ()
    stages: tuple[str, ...] = PREFIT
    train: bool = False

    @property
    def good(self) -> bool:
        return not self.expect_codes

    def __post_init__(self) -> None:
        if set(self.stages) & {"training", "results"} and not self.train:
            raise ValueError(f"{self.name}: training and results stages need train=True")


def case(name: str, expect: str | tuple[str, ...] = (), stages: tuple[str, ...] = PREFIT,
         train: bool = False) -> Callable[[Callable[[], Setup]], Case]:
    """Decorator turning a builder function into a ``Case``."""
    codes = (expect,) if isinstance(expect, str) else tuple(expect)

    def wrap(build: Callable[[], Setup]) -> Case:
        @functools.wraps(build)
        def seeded_build() -> Setup:
            seeded()  # before any layer exists: Keras draws initialiser seeds at construction
            return build()

        return Case(name, seeded_build, codes, stages, train)

    return wrap


# -- data -------------------------------------------------------------------------------------


def blobs(n: int = 600, features: int = 8, classes: int = 3, seed: int = 0) -> tuple[Any, Any]:
    """Standardised, shuffled, learnable Gaussian blobs: float32 X, integer y."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.5, size=(classes, features))
    y = rng.integers(0, classes, n)
    X = centres[y] + rng.normal(0, 1, size=(n, features))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype("float32"), y


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[Any, Any]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))  # the file is grouped by writer
    return (X[order] / 16).astype("float32"), y[order]


def digits(n: int = 1200) -> tuple[Any, Any]:
    """``n`` of the 1,797 8×8 digits, shuffled, pixels scaled to [0, 1] (copies: cases may
    modify them)."""
    X, y = _digits()
    return X[:n].copy(), y[:n].copy()


def regression(n: int = 500, features: int = 6, seed: int = 0) -> tuple[Any, Any]:
    """Standardised features and a standardised, mildly non-linear target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, features)).astype("float32")
    target = X @ rng.normal(size=features) + 0.5 * np.sin(X[:, 0]) + 0.1 * rng.normal(size=n)
    return X, ((target - target.mean()) / target.std()).astype("float32")


def sequences(n: int = 400, steps: int = 12, seed: int = 0) -> tuple[Any, Any]:
    """Sequences whose class is which of three channels has the largest mean."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps, 3)).astype("float32")
    y = np.argmax(X.mean(axis=1), axis=1)
    return X, y


def seeded() -> None:
    """Fix Python's, NumPy's and Keras' seeds, so a case builds and trains the same way each
    time, whatever ran before it."""
    import random

    random.seed(0)
    np.random.seed(0)
    try:
        import keras
    except ImportError:  # scikit-learn-only environments
        return
    keras.utils.set_random_seed(0)
