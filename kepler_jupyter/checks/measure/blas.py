"""Matrix products on one BLAS thread.

A small matrix product through a multi-threaded BLAS can take a hundred times longer than it
should on a busy machine: OpenBLAS hands a product of a few million multiply-adds to all its
threads, which then spin waiting for cores. The checks' products are that small, so they run
with BLAS limited to one thread for their duration (``threadpoolctl``, which scikit-learn
depends on); where that cannot be done, NumPy's ``einsum`` loop computes the same product
without BLAS (ten times slower, but never waiting for threads).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

_controller: Any = None
_controller_mutex = threading.Lock()
_unavailable = False


def gram(matrix: np.ndarray) -> np.ndarray:
    """``matrix.T @ matrix`` (columns against columns), computed on one BLAS thread."""
    controller = _blas_controller()
    if controller is not None:
        try:
            with controller.limit(limits=1, user_api="blas"):
                return matrix.T @ matrix
        except Exception:  # noqa: S110 - a library that refuses the limit: the plain loop below
            pass
    return np.einsum("ij,ik->jk", matrix, matrix)


def _blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, made once per process (reading the
    loaded libraries costs a few milliseconds); None where threadpoolctl is missing."""
    global _controller, _unavailable
    if _controller is not None or _unavailable:
        return _controller
    with _controller_mutex:
        if _controller is None and not _unavailable:
            try:
                from threadpoolctl import ThreadpoolController

                _controller = ThreadpoolController()
            except Exception:
                _unavailable = True
    return _controller
