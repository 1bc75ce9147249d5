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
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from kepler_jupyter.run import cv_functions

#: handler(framework, original_fit, model, args, kwargs) -> what fit returns
FitHandler = Callable[[str, Callable[..., Any], Any, tuple, dict], Any]

KERAS_MODEL_MODULE = "keras.src.models.model"
SKLEARN_BASE_MODULE = "sklearn.base"
#: the methods that train (or, for test_on_batch, evaluate inside a training loop)
SKLEARN_METHODS = ("fit", "fit_transform", "fit_predict", "partial_fit")
_SKLEARN_WRAPPED = (*SKLEARN_METHODS, "score")
KERAS_METHODS = ("fit", "train_on_batch", "test_on_batch")

_lock = threading.RLock()
_thread_state = threading.local()
# open interceptions per thread, innermost last: only the thread that opened one is watched
_handlers: dict[int, list[Interception]] = {}
# (class, method, had_own, previous) for every method we patched, to restore in reverse
_patched: list[tuple[type, str, bool, Any]] = []
_patched_classes: set[type] = set()
_patched_methods: set[tuple[type, str]] = set()
# (original, framework, method) -> its wrapper
_wrappers: dict[tuple[Any, str, str], Callable[..., Any]] = {}
# scikit-learn class -> (what its training methods resolve to, the (owner, method) pairs that
# define them): found once along its MRO, checked again at each installation (_sklearn_plan)
_plans: weakref.WeakKeyDictionary[type, tuple[tuple[Any, ...], tuple[tuple[type, str], ...]]] = (
    weakref.WeakKeyDictionary())
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
        if framework == "sklearn" and cv_functions.inside_a_fold():
            if not interception.fold_warned:
                interception.fold_warned = True
                cv_functions.warn_fold_not_journaled()
            return original(self, *args, **kwargs)
        _thread_state.depth = _depth() + 1
        try:
            return interception.handler(framework, original, self, args, kwargs)
        finally:
            _thread_state.depth = _depth() - 1

    fit.__kepler_original__ = original  # type: ignore[attr-defined]
    return fit


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
    for owner, method in _sklearn_plan(cls):
        _patch_method(owner, method, framework)


def _sklearn_plan(cls: type) -> tuple[tuple[type, str], ...]:
    """The (owner, method) pairs to wrap for a scikit-learn class: where along its MRO each
    training method (and ``score``) is defined, when that class is scikit-learn's.

    Walking the MRO of ~170 classes for five methods was most of the cost of installing the
    interception, each cell: the answer is kept per class and used again while each method
    still resolves to the same object. (A descriptor that makes a new object on each access,
    scikit-learn's ``available_if``, never matches: those few classes are walked each time;
    a class whose parents kepler has wrapped, while the interception is on, is walked again
    next time.)
    """
    try:
        resolved = tuple(map(getattr, (cls,) * len(_SKLEARN_WRAPPED), _SKLEARN_WRAPPED,
                             (None,) * len(_SKLEARN_WRAPPED)))
    except Exception:  # a descriptor that refuses access on the class
        resolved = None
    kept = _plans.get(cls)
    if kept is not None and resolved is not None and kept[0] == resolved:
        return kept[1]
    pairs = []
    for method in _SKLEARN_WRAPPED:
        for owner in cls.__mro__:
            if method in owner.__dict__:
                if _is_sklearn_class(owner):
                    pairs.append((owner, method))
                break
    plan = tuple(pairs)
    if resolved is not None:
        try:
            _plans[cls] = (resolved, plan)
        except TypeError:  # a class that cannot be weakly referenced
            pass
    return plan


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
    classes = [cls for cls in _subclasses(base) if cls not in _patched_classes]
    # every class's plan is read before any method is wrapped, so that it is read as it was
    plans = [_sklearn_plan(cls) for cls in classes]
    for cls, plan in zip(classes, plans, strict=True):
        _patched_classes.add(cls)
        for owner, method in plan:
            _patch_method(owner, method, "sklearn")
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
        "sklearn.model_selection": lambda module: cv_functions.patch(_make_cross_validate_wrapper),
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
    cv_functions.patch(_make_cross_validate_wrapper)
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
    cv_functions.restore()
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
