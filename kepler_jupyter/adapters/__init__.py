"""Framework adapters: what kepler needs to know about a Keras model or a scikit-learn estimator.

Each adapter module (``keras``, ``sklearn``) offers the same five functions, called by the
pipeline in ``kepler_jupyter.run.experiment``:

``split_fit_arguments(model, args, kwargs) -> FitData``
    the fit call's data, split into X, y, validation, validation_split and sample_weight;
``describe_model(model) -> dict``
    the record's ``model`` field;
``describe_settings(model, fit_kwargs, data) -> dict``
    the record's ``params`` field;
``describe_data(data) -> dict``
    the record's ``data`` field, fingerprints included;
``collect_results(model, result, data) -> (history, metrics)``
    the record's ``history`` and ``metrics`` fields after the fit.

None of them raises on odd input or changes the model or the data: each returns what it
could read. Keras is never imported here unless the user's code has imported it already.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

FRAMEWORKS = ("keras", "sklearn")
#: the modules Keras's and TensorFlow's classes come from (Keras 3, Keras 2 as tf_keras)
KERAS_MODULES = ("keras", "tf_keras", "tensorflow")


def framework_of(model: Any, *, by_looks: bool = False) -> str | None:
    """``"keras"`` for a Keras model, ``"sklearn"`` for a scikit-learn estimator, else None.

    Keras counts only when the user's code has imported it already (it is in ``sys.modules``),
    so asking never costs a TensorFlow import.

    Parameters
    ----------
    model : object
        What the user trains or asks kepler to check.
    by_looks : bool
        Also answer for objects that only look like one, judged without imports: a class from a
        Keras or TensorFlow module (``tf_keras``'s models) is ``"keras"``, an object with ``fit``
        and ``get_params`` (scikit-learn's estimator protocol, e.g. CatBoost's) is
        ``"sklearn"``. ``checks.run`` reads a model this way, since its checks only read the
        model; interception and search need the real classes (they call Keras 3's and
        scikit-learn's own API), so the default is False.

    Returns
    -------
    str or None
        ``"keras"``, ``"sklearn"``, or None when kepler does not handle the model.
    """
    real = _framework_by_class(model)
    if real is not None or not by_looks:
        return real
    return _framework_by_looks(model)


def _framework_by_class(model: Any) -> str | None:
    keras = sys.modules.get("keras")
    if keras is not None:
        try:
            if isinstance(model, keras.Model):
                return "keras"
        except Exception:  # a half-imported or unusual keras module
            pass
    if "sklearn" in sys.modules:
        try:
            from sklearn.base import BaseEstimator

            if isinstance(model, BaseEstimator):
                return "sklearn"
        except Exception:
            pass
    return None


def _framework_by_looks(model: Any) -> str | None:
    for cls in type(model).__mro__:
        if (getattr(cls, "__module__", "") or "").startswith(KERAS_MODULES):
            return "keras"
    if hasattr(model, "fit") and hasattr(model, "get_params"):
        return "sklearn"
    return None


def get(framework: str) -> ModuleType:
    """The adapter module for ``"keras"`` or ``"sklearn"``.

    Raises
    ------
    ValueError
        For any other name (``framework_of`` returned None: kepler does not handle the model).
    """
    if framework not in FRAMEWORKS:
        raise ValueError(f"kepler has no adapter for {framework!r}; known: {', '.join(FRAMEWORKS)}")
    return importlib.import_module(f"kepler_jupyter.adapters.{framework}")
