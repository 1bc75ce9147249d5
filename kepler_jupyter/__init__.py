"""kepler_jupyter: a lab journal for machine-learning experiments that lives in Jupyter.

The package root stays thin: heavy modules (TensorFlow, plotly, pandas, TinyDB) are imported
only when the names that need them are used, so ``%load_ext kepler_jupyter`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "FitBlocked",
    "Journal",
    "KeplerWarning",
    "__version__",
    "load_ipython_extension",
    "unload_ipython_extension",
    "grid",
    "importance",
    "next_step",
    "watch",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from kepler_jupyter.journal import Journal
    from kepler_jupyter.run.experiment import FitBlocked
    from kepler_jupyter.run.session import watch
    from kepler_jupyter.warnings import KeplerWarning

_LAZY = {
    "FitBlocked": ("kepler_jupyter.run.experiment", "FitBlocked"),
    "Journal": ("kepler_jupyter.journal", "Journal"),
    "watch": ("kepler_jupyter.run.session", "watch"),
    "KeplerWarning": ("kepler_jupyter.warnings", "KeplerWarning"),
    "grid": ("kepler_jupyter.search.grid", "grid"),
    "importance": ("kepler_jupyter.history.importance", "project_importance"),
    "next_step": ("kepler_jupyter.history.advice", "project_next_step"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module_name, attribute = _LAZY[name]
        return getattr(importlib.import_module(module_name), attribute)
    raise AttributeError(f"module 'kepler_jupyter' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext kepler_jupyter``: registers the ``%kepler`` magics."""
    from kepler_jupyter.ipython_extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Called by ``%unload_ext kepler_jupyter``: removes everything ``load`` registered."""
    from kepler_jupyter.ipython_extension import unload

    unload(ipython)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "kepler_jupyter.server"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "kepler-jupyter"}]
