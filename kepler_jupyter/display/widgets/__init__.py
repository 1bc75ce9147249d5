"""kepler's notebook widgets. ipywidgets is imported only when a widget is first used.

Each widget has a plain-text ``__repr__`` twin for terminals and scripts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from kepler_jupyter.display.widgets.findings import FindingsPanel

__all__ = ["FindingsPanel"]

_LAZY = {
    "FindingsPanel": ("kepler_jupyter.display.widgets.findings", "FindingsPanel"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module_name, attribute = _LAZY[name]
        return getattr(importlib.import_module(module_name), attribute)
    raise AttributeError(f"module 'kepler_jupyter.display.widgets' has no attribute {name!r}")
