"""While a cell's findings are shown as a widget, their Python warnings are not printed too.

Every finding is also issued as a ``KeplerWarning`` subclass, so code that filters or records
warnings sees it (``warnings.catch_warnings(record=True)``, ``-W error``, filters by family).
In a notebook, printing it as well would show each finding a second time, in the red stderr
block above the widget. ``FindingWarningsShown`` replaces ``warnings.showwarning`` with a
filter that drops only the finding families' warnings (kepler's own failures, and everybody
else's warnings, print as before); the filter and recorders never see a difference because
the warning is still raised, only its printing is left out.
"""

from __future__ import annotations

import warnings
from typing import Any, TextIO

from kepler_jupyter.warnings import FAMILY_WARNINGS, KeplerInternalWarning, KeplerWarning

#: the warnings a findings widget already shows (one class per check family, and the base
#: class that codes of no known family are issued as)
SHOWN_AS_FINDINGS: tuple[type[Warning], ...] = (*FAMILY_WARNINGS.values(), KeplerWarning)


def is_shown_as_finding(category: type[Warning]) -> bool:
    """Whether a warning of ``category`` is a finding the widget shows (not kepler's failure)."""
    return (isinstance(category, type) and issubclass(category, SHOWN_AS_FINDINGS)
            and not issubclass(category, KeplerInternalWarning))


class FindingWarningsShown:
    """Leave the printing of finding warnings out while the widget shows the findings.

    ``start()`` installs the filter, ``stop()`` takes it out. When someone else replaced
    ``warnings.showwarning`` after us (and still calls ours), ours becomes a plain pass-through
    instead of being pulled from under them.
    """

    def __init__(self) -> None:
        self._previous: Any = None
        self._active = False
        self._installed: Any = None

    def start(self) -> None:
        if self._installed is not None:
            return
        previous = warnings.showwarning
        # a filter of an earlier cell that was stopped while another sat on top of it is a
        # pass-through now: skip it, so that cells that overlap do not pile up wrappers
        while getattr(previous, "_kepler_stopped", False):
            previous = previous._kepler_previous  # type: ignore[attr-defined]
        self._previous, self._active = previous, True

        def showwarning(message: Warning | str, category: type[Warning], filename: str,
                        lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
            if self._active and is_shown_as_finding(category):
                return
            previous(message, category, filename, lineno, file, line)

        showwarning._kepler_previous = previous  # type: ignore[attr-defined]
        self._installed = showwarning
        warnings.showwarning = showwarning

    def stop(self) -> None:
        if self._installed is None:
            return
        self._active = False
        self._installed._kepler_stopped = True
        if warnings.showwarning is self._installed:
            warnings.showwarning = self._previous
        self._installed = None
