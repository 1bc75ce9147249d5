"""checks/measure/blas.py: the columns' product on one BLAS thread equals NumPy's, with and
without threadpoolctl, and the BLAS thread count is restored afterwards."""

from __future__ import annotations

import numpy as np

from kepler_jupyter.checks.data import _correlation
from kepler_jupyter.checks.measure import blas


def test_the_correlation_equals_numpys_with_and_without_the_thread_limit(monkeypatch):
    rng = np.random.default_rng(0)
    sample = rng.normal(size=(500, 12))
    sample[:, 3] = sample[:, 1] * -3.0 + 2.0
    expected = np.corrcoef(sample, rowvar=False)
    np.testing.assert_allclose(_correlation(sample), expected, atol=1e-12)
    monkeypatch.setattr(blas, "_controller", None)
    monkeypatch.setattr(blas, "_unavailable", True)  # no threadpoolctl: NumPy's einsum loop
    np.testing.assert_allclose(_correlation(sample), expected, atol=1e-12)


def test_the_blas_thread_count_is_restored():
    from threadpoolctl import threadpool_info

    before = [(info["filepath"], info["num_threads"]) for info in threadpool_info()
              if info["user_api"] == "blas"]
    blas.gram(np.ones((100, 4)))
    after = [(info["filepath"], info["num_threads"]) for info in threadpool_info()
             if info["user_api"] == "blas"]
    assert after == before
