"""Journal writes this process has promised but not made yet.

A finished fit hands the work the user does not wait for (its training score, summary,
comparisons and the final journal write) to a background worker (``run.after_fit``). Every
read of a journal in this process first lets that worker finish (``settle``), so that a read
right after a fit (``%kepler list``, ``session.last``, the next fit's look-ups, a test) sees
the fit's final record, exactly as if it had been written before the fit returned.

The journal knows nothing of the worker: the worker registers how to wait for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

# waits for the promised writes; each takes a timeout in seconds and returns whether they landed
_waits: list[Callable[[float], bool]] = []
_waits_mutex = threading.Lock()

#: how long a read waits for promised writes before it goes on without them (seconds)
SETTLE_TIMEOUT = 120.0


def register(wait: Callable[[float], bool]) -> None:
    """Make every journal read of this process call ``wait(timeout)`` first (once per callable)."""
    with _waits_mutex:
        if wait not in _waits:
            _waits.append(wait)


def settle(timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until this process's promised journal writes are made (returns at once if none)."""
    for wait in tuple(_waits):
        wait(timeout)
