"""Patches and restores the training entry points of Keras models and scikit-learn estimators.

While at least one ``Interception`` is active, every way of training is wrapped: ``fit``,
``fit_transform``, ``fit_predict`` and ``partial_fit`` of every scikit-learn estimator class
(where the class defines them or inherits them from a mixin), ``fit``, ``train_on_batch`` and
``test_on_batch`` of ``keras.Model``, and scikit-learn's ``cross_validate`` and
``learning_curve`` wherever a module (the user's namespace included) holds them. A wrapped
method hands the call to the active interception's handler only when it is the *outermost*
training call on the thread that opened the interception; everything else (a pipeline's inner
steps, a ``fit_transform`` that calls ``fit``, a search's candidate fits, fits on joblib worker
threads, calls after the cell ended) goes straight to the original method. The handler tells
the entry points apart by the original's ``__name__``.

Frameworks imported *during* the cell are caught too: a post-import hook patches Keras'
``Model`` and hooks scikit-learn's ``BaseEstimator.__init_subclass__`` as soon as their
modules load, so estimator classes defined later are wrapped when they are created.

When the last interception ends, every patch is undone, whatever ended it.
"""

from __future__ import annotations

import copy
import functools
import importlib.abc
import inspect
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

#: handler(framework, original_fit, model, args, kwargs) -> what fit returns
FitHandler = Callable[[str, Callable[..., Any], Any, tuple, dict], Any]

KERAS_MODEL_MODULE = "keras.src.models.model"
SKLEARN_BASE_MODULE = "sklearn.base"
CROSS_VALIDATE_MODULE = "sklearn.model_selection._validation"
#: the methods that train (or, for test_on_batch, evaluate inside a training loop)
SKLEARN_METHODS = ("fit", "fit_transform", "fit_predict", "partial_fit")
KERAS_METHODS = ("fit", "train_on_batch", "test_on_batch")
#: scikit-learn functions that fit an estimator many times as one experiment
CROSS_VALIDATION_FUNCTIONS = ("cross_validate", "learning_curve")

_lock = threading.RLock()
_thread_state = threading.local()
# open interceptions per thread, innermost last: only the thread that opened one is watched
_handlers: dict[int, list[Interception]] = {}
# (class, method, had_own, previous) for every method we patched, to restore in reverse
_patched: list[tuple[type, str, bool, Any]] = []
_patched_classes: set[type] = set()
_patched_methods: set[tuple[type, str]] = set()
# (module, name, previous, wrapper) for module functions we replaced (cross_validate)
_patched_functions: list[tuple[Any, str, Any, Any]] = []
# (original, framework, method) -> its wrapper
_wrappers: dict[tuple[Any, str, str], Callable[..., Any]] = {}
# module name -> module that held no reference to the cross-validation functions when read
_modules_without_cv: dict[str, Any] = {}
_sklearn_hook: tuple[type, bool, Any] | None = None
_import_hook: _PostImportHook | None = None


def _depth() -> int:
    return getattr(_thread_state, "depth", 0)


def _current_interception() -> Interception | None:
    stack = _handlers.get(threading.get_ident())
    return stack[-1] if stack else None


def _make_wrapper(original: Callable[..., Any], framework: str, method: str) -> Callable[..., Any]:
    """The wrapper of one method; made once per process (every cell re-installs the same
    wrappers, and making ~200 of them costs more than the rest of the installation)."""
    key = (original, framework, method)
    wrapper = _wrappers.get(key)
    if wrapper is None:
        wrapper = _wrappers[key] = _new_wrapper(original, framework, method)
    return wrapper


def _new_wrapper(original: Callable[..., Any], framework: str, method: str) -> Callable[..., Any]:
    if method == "score":

        @functools.wraps(original)
        def score(self: Any, *args: Any, **kwargs: Any) -> Any:
            # a score that calls an inherited score (super().score) is reported once
            outermost = not getattr(_thread_state, "scoring", False)
            _thread_state.scoring = True
            try:
                result = original(self, *args, **kwargs)
            finally:
                if outermost:
                    _thread_state.scoring = False
            interception = _current_interception()
            if (
                outermost
                and interception is not None
                and interception.on_score is not None
                and _depth() == 0
            ):
                try:
                    interception.on_score(self, args, kwargs, result)
                except Exception as exc:  # observing a score must never change it
                    _warn_internal(f"could not record a score: {exc}")
            return result

        score.__kepler_original__ = original  # type: ignore[attr-defined]
        return score

    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        interception = _current_interception()
        if interception is None or _depth() > 0:
            return original(self, *args, **kwargs)
        # (Keras has no folds: its per-batch calls skip the stack walk)
        if framework == "sklearn" and _inside_a_fold():
            if not interception.fold_warned:
                interception.fold_warned = True
                _warn_fold_not_journaled()
            return original(self, *args, **kwargs)
        _thread_state.depth = _depth() + 1
        try:
            return interception.handler(framework, original, self, args, kwargs)
        finally:
            _thread_state.depth = _depth() - 1

    fit.__kepler_original__ = original  # type: ignore[attr-defined]
    return fit


def _inside_a_fold() -> bool:
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


def _warn_fold_not_journaled() -> None:
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


def _make_cross_validate_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    """``cross_validate`` (and so ``cross_val_score``) or ``learning_curve`` as one experiment
    of its estimator."""

    @functools.wraps(original)
    def cross_validate(*args: Any, **kwargs: Any) -> Any:
        interception = _current_interception()
        if interception is None or _depth() > 0 or not (args or "estimator" in kwargs):
            return original(*args, **kwargs)
        estimator = args[0] if args else kwargs.pop("estimator")
        _thread_state.depth = _depth() + 1
        try:
            return interception.handler("sklearn", original, estimator, args[1:], kwargs)
        finally:
            _thread_state.depth = _depth() - 1

    cross_validate.__kepler_original__ = original  # type: ignore[attr-defined]
    return cross_validate


def _patch_module_function(module: Any, name: str, make_wrapper: Callable[..., Any]) -> None:
    current = getattr(module, name, None)
    if current is None or hasattr(current, "__kepler_original__"):
        return
    wrapper = make_wrapper(current)
    _patched_functions.append((module, name, current, wrapper))
    setattr(module, name, wrapper)


def _patch_cross_validation() -> None:
    """Wrap ``cross_validate`` and ``learning_curve`` where scikit-learn defines them and in
    every loaded module that holds the same function object: ``from sklearn.model_selection
    import cross_validate`` run before the cell bound the name in the user's namespace (the
    ``__main__`` module) or in the user's own modules, and calls through those names must be
    seen too. Only module globals are reached; a reference kept elsewhere (a closure, a default
    argument) falls back to the per-fold notice."""
    validation = sys.modules.get(CROSS_VALIDATE_MODULE)
    if validation is None:
        return
    originals = {}
    for name in CROSS_VALIDATION_FUNCTIONS:
        original = getattr(validation, name, None)
        if original is None or hasattr(original, "__kepler_original__"):
            continue
        originals[name] = original
        _patch_module_function(validation, name, _make_cross_validate_wrapper)
    if not originals:
        return
    for module_name, module in list(sys.modules.items()):
        # modules seen without a reference are skipped next time: reading thousands of module
        # dicts costs ~20 ms a cell; the user's namespace (__main__) is read every time
        if _modules_without_cv.get(module_name) is module:
            continue
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


def _patch_method(cls: type, method: str, framework: str, *, shadow: bool = False) -> None:
    """Wrap ``cls.<method>`` where ``cls`` defines it; with ``shadow``, wrap an inherited one
    on ``cls`` itself (Keras' ``Model`` inherits its training methods from the backend)."""
    if (cls, method) in _patched_methods:
        return
    own = cls.__dict__.get(method)
    if own is None and not shadow:
        return
    _patched_methods.add((cls, method))
    current: Any = own if own is not None else getattr(cls, method, None)
    inner = getattr(current, "fn", None)
    replacement: Any
    if current is not None and inspect.isfunction(current):
        replacement = _make_wrapper(current, framework, method)
    elif inspect.isfunction(inner):
        # scikit-learn's available_if descriptor (Pipeline.score): wrap the function inside
        replacement = copy.copy(current)
        replacement.fn = _make_wrapper(inner, framework, method)
    else:
        return
    _patched.append((cls, method, own is not None, own))
    setattr(cls, method, replacement)


def _patch_fit(cls: type, framework: str, *, shadow: bool = False) -> None:
    """Wrap the training methods of ``cls`` (and a scikit-learn ``score``).

    For scikit-learn the class that *defines* each method is wrapped, found along the MRO:
    ``LogisticRegression.score`` is ``ClassifierMixin.score`` and ``PCA.fit_transform`` may be
    ``TransformerMixin.fit_transform``; mixins are no ``BaseEstimator`` subclasses, so walking
    the subclasses of ``BaseEstimator`` alone never reaches them.
    """
    if cls in _patched_classes:
        return
    _patched_classes.add(cls)
    if framework != "sklearn":
        for method in KERAS_METHODS:
            _patch_method(cls, method, framework, shadow=shadow)
        return
    for method in (*SKLEARN_METHODS, "score"):
        for owner in cls.__mro__:
            if method in owner.__dict__:
                if _is_sklearn_class(owner):
                    _patch_method(owner, method, framework)
                break


def _is_sklearn_class(cls: type) -> bool:
    """A scikit-learn class (mixins included) or an estimator class of any library."""
    module = getattr(cls, "__module__", "") or ""
    if module == "sklearn" or module.startswith("sklearn."):
        return True
    base = sys.modules.get(SKLEARN_BASE_MODULE)
    return base is not None and issubclass(cls, base.BaseEstimator)


def _subclasses(root: type) -> Iterator[type]:
    seen: set[type] = set()
    stack = [root]
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        yield cls
        stack.extend(type.__subclasses__(cls))


def _patch_keras(module: Any) -> None:
    model_class = module.Model
    _patch_fit(model_class, "keras", shadow=True)
    for cls in _subclasses(model_class):
        _patch_fit(cls, "keras")


def _patch_sklearn(module: Any) -> None:
    global _sklearn_hook
    base = module.BaseEstimator
    for cls in _subclasses(base):
        _patch_fit(cls, "sklearn")
    if _sklearn_hook is not None:
        return
    own = base.__dict__.get("__init_subclass__")

    def init_subclass(cls: type, **kwargs: Any) -> None:
        if own is not None:
            own.__func__(cls, **kwargs)
        else:
            super(base, cls).__init_subclass__(**kwargs)
        # estimator classes defined while the interception is on (imports in the cell)
        with _lock:
            if _handlers:
                _patch_fit(cls, "sklearn")

    _sklearn_hook = (base, own is not None, own)
    base.__init_subclass__ = classmethod(init_subclass)


class _CallbackLoader(importlib.abc.Loader):
    """Runs a callback right after a module has executed; delegates everything else."""

    def __init__(self, loader: Any, callback: Callable[[Any], None]) -> None:
        self._loader = loader
        self._callback = callback

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        try:
            with _lock:
                if _handlers:
                    self._callback(module)
        except Exception as exc:  # never break the user's import
            _warn_internal(f"could not watch fits of {module.__name__}: {exc}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _PostImportHook(importlib.abc.MetaPathFinder):
    """Patches Keras / scikit-learn when the cell itself imports them for the first time."""

    callbacks = {
        KERAS_MODEL_MODULE: _patch_keras,
        SKLEARN_BASE_MODULE: _patch_sklearn,
        "sklearn.model_selection": lambda module: _patch_cross_validation(),
    }

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        callback = self.callbacks.get(fullname)
        if callback is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _CallbackLoader(spec.loader, callback)
                return spec
        return None


def _warn_internal(message: str) -> None:
    import warnings

    from kepler_jupyter.warnings import KeplerInternalWarning

    warnings.warn(f"kepler: {message}", KeplerInternalWarning, stacklevel=3)


def _install() -> None:
    global _import_hook
    if KERAS_MODEL_MODULE in sys.modules:
        _patch_keras(sys.modules[KERAS_MODEL_MODULE])
    if SKLEARN_BASE_MODULE in sys.modules:
        _patch_sklearn(sys.modules[SKLEARN_BASE_MODULE])
    _patch_cross_validation()
    if _import_hook is None:
        _import_hook = _PostImportHook()
        sys.meta_path.insert(0, _import_hook)


def _uninstall() -> None:
    global _import_hook, _sklearn_hook
    if _import_hook is not None:
        try:
            sys.meta_path.remove(_import_hook)
        except ValueError:
            pass
        _import_hook = None
    while _patched:
        cls, method, had_own, previous = _patched.pop()
        if had_own:
            setattr(cls, method, previous)
        else:
            try:
                delattr(cls, method)
            except AttributeError:
                pass
    _patched_classes.clear()
    _patched_methods.clear()
    while _patched_functions:
        module, name, previous, wrapper = _patched_functions.pop()
        # a name the user rebound meanwhile (cross_validate = my_cv) stays the user's
        if getattr(module, "__dict__", {}).get(name) is wrapper:
            setattr(module, name, previous)
    if _sklearn_hook is not None:
        base, had_own, previous = _sklearn_hook
        if had_own:
            base.__init_subclass__ = previous  # type: ignore[method-assign]
        else:
            try:
                delattr(base, "__init_subclass__")
            except AttributeError:
                pass
        _sklearn_hook = None


def is_active() -> bool:
    """Whether any interception is active in this process."""
    return bool(_handlers)


class Interception:
    """Context manager: while open, outermost fits on this thread go to ``handler``.

    Interceptions nest (the innermost handler wins) and can be open on several threads at
    once; the patches stay installed until the last one closes.
    """

    def __init__(
        self,
        handler: FitHandler,
        on_score: Callable[[Any, tuple, dict, Any], None] | None = None,
    ) -> None:
        self.handler = handler
        #: called after a scikit-learn ``score(X, y)`` outside any fit, with its result
        self.on_score = on_score
        #: whether the user was told that cross-validation folds are not journaled
        self.fold_warned = False
        self._thread: int | None = None

    def __enter__(self) -> Interception:
        with _lock:
            self._thread = threading.get_ident()
            _handlers.setdefault(self._thread, []).append(self)
            try:
                _install()
            except Exception as exc:
                _warn_internal(f"could not install the fit interception: {exc}")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        with _lock:
            stack = _handlers.get(self._thread or 0, [])
            if self in stack:
                # remove this one even if an inner one was left open by an error
                del stack[stack.index(self) :]
            if not stack:
                _handlers.pop(self._thread or 0, None)
            if not _handlers:
                _uninstall()


def reset() -> None:
    """Close every interception and undo every patch (used when the extension is unloaded)."""
    with _lock:
        _handlers.clear()
        _uninstall()
