"""The catalogue of checks: kepler's own and third-party ones, registered the same way.

Built-in checks are the ``Check`` subclasses listed in a ``CHECKS`` list of each module in
``BUILTIN_MODULES`` (a module without ``CHECKS`` contributes every ``Check`` subclass it
defines with a code). Third-party packages add checks through the entry-point group
``kepler_jupyter.checks``; each entry point loads a ``Check`` subclass or a list of them::

    [project.entry-points."kepler_jupyter.checks"]
    my_checks = "my_package.kepler_checks:CHECKS"

Notes for other check modules (model.py, training.py):

- list your classes in a module-level ``CHECKS`` list; training-time checks (K5xx) are
  registered too, for the catalogue and ``--ignore``, with ``stage = "training"``;
- importing your module must not import TensorFlow / Keras (``%kepler checks`` and
  scikit-learn-only kernels load the catalogue): import them inside functions;
- ``CheckSubject`` gained ``fit_warnings`` and ``sample_weight`` (both optional);
- ``checks.measure.data_stats`` offers ``task_of(subject)``, ``labels(subject)`` (class codes,
  ``n_classes``, ``kind`` "sparse" / "onehot" / "multilabel"); models are read through
  ``kepler_jupyter.models`` (layers, graph, loss: ``keras_compile.loss_info`` / ``loss_name``);
- ``checks.training_callbacks(ctx)`` calls ``make_training_callbacks(ctx, checks=[...])`` with
  the training checks the project / cell select, built with the project's thresholds;
- thresholds a check does not declare in ``defaults`` are dropped with a warning (set the class
  attribute ``open_thresholds = True`` to accept any key).
"""

from __future__ import annotations

import importlib
import re
import warnings
from typing import Any

from kepler_jupyter.checks.base import SEVERITIES, STAGES, Check
from kepler_jupyter.warnings import KeplerInternalWarning

ENTRY_POINT_GROUP = "kepler_jupyter.checks"
BUILTIN_MODULES = (
    "kepler_jupyter.checks.data",
    "kepler_jupyter.checks.data_scale",
    "kepler_jupyter.checks.data_labels",
    "kepler_jupyter.checks.settings",
    "kepler_jupyter.checks.settings_target",
    "kepler_jupyter.checks.sklearn",
    "kepler_jupyter.checks.streams",
    "kepler_jupyter.checks.data_relations",
    "kepler_jupyter.checks.results",
    "kepler_jupyter.checks.model",
    "kepler_jupyter.checks.training",
)
#: a code is letters then digits: K301 for kepler's own, e.g. ACME12 for a plug-in's
CODE_PATTERN = re.compile(r"^[A-Z]+[0-9]+$")
#: reserved for "a check failed internally"
INTERNAL_CODE = "K000"

_registry: dict[str, type[Check]] = {}
_loaded = False


def register(check_class: type[Check]) -> type[Check]:
    """Add a check class to the catalogue; returns it, so it also works as a decorator.

    Raises
    ------
    TypeError
        ``check_class`` is not a ``Check`` subclass.
    ValueError
        Its code is malformed or already taken by another check, or its severity or stage is
        not one kepler knows.
    """
    if not (isinstance(check_class, type) and issubclass(check_class, Check)):
        raise TypeError(f"{check_class!r} is not a subclass of kepler_jupyter.checks.base.Check")
    code = check_class.code
    name = _qualified(check_class)
    if not isinstance(code, str) or not CODE_PATTERN.match(code) or code == INTERNAL_CODE:
        raise ValueError(f"check {name} has an invalid code {code!r}: use letters then digits, e.g. 'K301'")
    if check_class.severity not in SEVERITIES:
        raise ValueError(f"check {name} ({code}) has severity {check_class.severity!r}; use one of {SEVERITIES}")
    if check_class.stage not in STAGES:
        raise ValueError(f"check {name} ({code}) has stage {check_class.stage!r}; use one of {STAGES}")
    existing = _registry.get(code)
    if existing is not None and _qualified(existing) != name:
        raise ValueError(
            f"check code {code} is already registered by {_qualified(existing)}; "
            f"{name} must use another code"
        )
    # the same class registered again (a module reload) simply replaces itself
    _registry[code] = check_class
    return check_class


def unregister(code: str) -> None:
    """Remove a check from the catalogue (for tests and plug-in development)."""
    _registry.pop(code, None)


def all_checks() -> list[type[Check]]:
    """Every registered check class, sorted by code."""
    _ensure_loaded()
    return [_registry[code] for code in sorted(_registry)]


def get_check(code: str) -> type[Check]:
    """The check class with ``code``.

    Raises
    ------
    KeyError
        No check has that code (the message lists the known families).
    """
    _ensure_loaded()
    try:
        return _registry[code.strip().upper()]
    except KeyError:
        families = sorted({c[:2] for c in _registry})
        raise KeyError(f"no check has the code {code!r}; known families: {', '.join(families)}") from None


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module_name in BUILTIN_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue  # a check module not written yet
            _internal(f"kepler could not load its checks in {module_name}: {error}")
            continue
        except Exception as error:
            _internal(f"kepler could not load its checks in {module_name}: {error}")
            continue
        for check_class in _module_checks(module):
            try:
                register(check_class)
            except (TypeError, ValueError) as error:
                _internal(f"kepler skipped a built-in check: {error}")
    load_entry_points()


def _module_checks(module: Any) -> list[type[Check]]:
    listed = getattr(module, "CHECKS", None)
    if listed is not None:
        return list(listed)
    return [
        value for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Check) and value is not Check
        and value.__module__ == module.__name__ and value.code
    ]


def load_entry_points() -> list[str]:
    """Register the checks of installed plug-ins; returns the codes added.

    A plug-in that fails to load or clashes with a registered code is skipped with a
    ``KeplerInternalWarning``; it never stops kepler or the user's fit.
    """
    from importlib.metadata import entry_points

    added: list[str] = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry_point.load()
            classes = list(loaded) if isinstance(loaded, (list, tuple)) else [loaded]
            for check_class in classes:
                added.append(register(check_class).code)
        except Exception as error:
            _internal(f"kepler skipped the checks of plug-in {entry_point.name!r}: {error}")
    return added


def _qualified(check_class: type) -> str:
    return f"{check_class.__module__}.{check_class.__qualname__}"


def _internal(message: str) -> None:
    warnings.warn(message, KeplerInternalWarning, stacklevel=3)
