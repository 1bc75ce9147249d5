"""The benchmarks' one way of timing a call: the median of repeated runs, wall and CPU time."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(function: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``repeats`` calls of ``function``.

    The machine is shared: CPU time is the steadier figure, wall time what a user waits.
    """
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def median_ms(function: Callable[[], Any], repeats: int) -> float:
    """Median wall milliseconds of ``repeats`` calls of ``function``."""
    return timed(function, repeats)[0]
