"""scikit-learn's cross-validation functions, wrapped wherever a loaded module holds them.

``cross_validate`` (and so ``cross_val_score``) and ``learning_curve`` are journaled as one
experiment each (``run.intercept`` makes their wrapper); ``from sklearn.model_selection import
cross_validate`` binds the function in the importing module, so every module that holds it is
patched too, and restored when the interception ends. The fits of one fold run where kepler
cannot reach the function (a closure, ``validation_curve``) are no experiments of their own:
``inside_a_fold`` tells them apart.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

CROSS_VALIDATE_MODULE = "sklearn.model_selection._validation"
#: scikit-learn functions that fit an estimator many times as one experiment
CROSS_VALIDATION_FUNCTIONS = ("cross_validate", "learning_curve")

# (module, name, previous, wrapper) for module functions we replaced (cross_validate)
_patched_functions: list[tuple[Any, str, Any, Any]] = []
# module name -> module that held no reference to the cross-validation functions when read
_modules_without_cv: dict[str, Any] = {}


def inside_a_fold() -> bool:
    """Whether scikit-learn's per-fold helper is on the stack: the fit of one fold of a
    cross-validation kepler does not journal as a whole (``validation_curve``,
    ``permutation_test_score``, or a ``cross_validate`` held where kepler cannot reach it, such
    as a closure). A fold is no experiment of its own."""
    frame: FrameType | None
    try:
        frame = sys._getframe(2)
    except ValueError:  # called straight from C, with no Python caller
        return False
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_fit_and_score" and "model_selection" in code.co_filename:
            return True
        frame = frame.f_back
    return False


def warn_fold_not_journaled() -> None:
    """Tell the user (once per block: the caller keeps count) why the folds are not journaled."""
    import warnings

    from kepler_jupyter.warnings import KeplerWarning

    warnings.warn(
        "kepler: the folds of this cross-validation are not journaled one by one. kepler "
        "journals cross_validate, cross_val_score and learning_curve as one experiment each: "
        "call one of them directly in the cell (a reference kept in a closure or a default "
        "argument cannot be reached).",
        KeplerWarning,
        stacklevel=2,
    )


def _patch_module_function(module: Any, name: str, make_wrapper: Callable[..., Any]) -> None:
    current = getattr(module, name, None)
    if current is None or hasattr(current, "__kepler_original__"):
        return
    wrapper = make_wrapper(current)
    _patched_functions.append((module, name, current, wrapper))
    setattr(module, name, wrapper)


def patch(make_wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Wrap ``cross_validate`` and ``learning_curve`` where scikit-learn defines them and in
    every loaded module that holds the same function object: ``from sklearn.model_selection
    import cross_validate`` run before the cell bound the name in the user's namespace (the
    ``__main__`` module) or in the user's own modules, and calls through those names must be
    seen too. Only module globals are reached; a reference kept elsewhere (a closure, a default
    argument) falls back to the per-fold notice. ``make_wrapper(original)`` makes the
    wrapper of each function (``intercept``: one experiment of its estimator)."""
    validation = sys.modules.get(CROSS_VALIDATE_MODULE)
    if validation is None:
        return
    originals = {}
    for name in CROSS_VALIDATION_FUNCTIONS:
        original = getattr(validation, name, None)
        if original is None or hasattr(original, "__kepler_original__"):
            continue
        originals[name] = original
        _patch_module_function(validation, name, make_wrapper)
    if not originals:
        return
    for module_name, module in _modules_to_read():
        # the module's own dict, not getattr: lazy modules may import things on attribute access
        namespace = getattr(module, "__dict__", None)
        if module is validation or not isinstance(namespace, dict):
            continue
        found = False
        for name, original in _references(module_name, namespace, originals):
            found = True
            wrapper = getattr(validation, original.__name__)
            _patched_functions.append((module, name, original, wrapper))
            namespace[name] = wrapper
        if not found and module_name != "__main__":
            _modules_without_cv[module_name] = module


def _modules_to_read() -> list[tuple[str, Any]]:
    """The loaded modules not read before, and the user's namespace (``__main__``).

    Modules seen without a reference are skipped next time: reading thousands of module dicts
    costs ~20 ms a cell. The names are compared as sets (C code): even checking each of the
    ~4,000 modules of a process with TensorFlow against the last reading cost 1.5 ms a cell.
    A module deleted from ``sys.modules`` and imported again under the same name is not read
    again (as a module changed in place, by ``importlib.reload``, never was).
    """
    modules = sys.modules
    try:
        names = modules.keys() - _modules_without_cv.keys()
    except RuntimeError:  # an import on another thread changed sys.modules meanwhile
        names = set(list(modules)) - _modules_without_cv.keys()
    names.add("__main__")
    return [(name, module) for name in names if (module := modules.get(name)) is not None]


def _references(module_name: str, namespace: dict[str, Any],
                originals: dict[str, Any]) -> list[tuple[str, Any]]:
    """The names under which ``namespace`` holds one of ``originals``: by their own names in
    any module; under any name in the user's namespace (``import ... as cv_scores``)."""
    if module_name == "__main__":
        wanted = {id(original): original for original in originals.values()}
        return [(name, value) for name, value in list(namespace.items())
                if id(value) in wanted and wanted[id(value)] is value]
    return [(name, original) for name, original in originals.items()
            if namespace.get(name) is original]


def restore() -> None:
    """Put back every function ``patch`` replaced (a name the user rebound meanwhile, as in
    ``cross_validate = my_cv``, stays the user's)."""
    while _patched_functions:
        module, name, previous, wrapper = _patched_functions.pop()
        if getattr(module, "__dict__", {}).get(name) is wrapper:
            setattr(module, name, previous)
