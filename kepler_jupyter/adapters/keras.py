"""Adapter for Keras 3 models: fit arguments, training settings, data and results.

Only imported by kepler once the user's code has imported Keras (see ``adapters.framework_of``).
The model description lives in ``kepler_jupyter.models.keras_model``; the epoch callback in ``keras_callbacks``.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from kepler_jupyter.adapters.data_description import describe_fit_data
from kepler_jupyter.adapters.json_safe import callable_name, finite_float, to_json_safe
from kepler_jupyter.models.keras_compile import describe_compile
from kepler_jupyter.models.keras_model import describe_model
from kepler_jupyter.run.context import FitData

__all__ = [
    "collect_results",
    "describe_data",
    "describe_model",
    "describe_settings",
    "split_fit_arguments",
]

#: ``keras.Model.fit``'s parameters in order (Keras 3)
FIT_PARAMETERS = (
    "x",
    "y",
    "batch_size",
    "epochs",
    "verbose",
    "callbacks",
    "validation_split",
    "validation_data",
    "shuffle",
    "class_weight",
    "sample_weight",
    "initial_epoch",
    "steps_per_epoch",
    "validation_steps",
    "validation_batch_size",
    "validation_freq",
)
FIT_DEFAULTS: dict[str, Any] = {
    "batch_size": None,
    "epochs": 1,
    "verbose": "auto",
    "callbacks": None,
    "validation_split": 0.0,
    "validation_data": None,
    "shuffle": True,
    "class_weight": None,
    "sample_weight": None,
    "initial_epoch": 0,
    "steps_per_epoch": None,
}
DEFAULT_BATCH_SIZE = 32  # what Keras uses for array inputs when batch_size is None
_CALLBACK_STATE = frozenset({"verbose", "model", "params"})


def bind_fit_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """``fit``'s arguments by name, defaults filled in (``args`` excludes the model)."""
    bound = dict(FIT_DEFAULTS)
    bound.update(zip(FIT_PARAMETERS, args, strict=False))  # extra args: fit raises itself
    bound.update(kwargs)
    return bound


def split_fit_arguments(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> FitData:
    """The data a ``model.fit(*args, **kwargs)`` call trains on."""
    bound = bind_fit_arguments(args, kwargs)
    validation = None
    validation_data = bound.get("validation_data")
    if isinstance(validation_data, (tuple, list)):
        validation = (tuple(validation_data) + (None, None))[:2]
    elif validation_data is not None:  # a dataset or generator yielding (x, y)
        validation = (validation_data, None)
    return FitData(
        X=bound.get("x"),
        y=bound.get("y"),
        validation=validation,
        validation_split=finite_float(bound.get("validation_split")) or 0.0,
        sample_weight=bound.get("sample_weight"),
    )


def describe_settings(model: Any, fit_kwargs: dict[str, Any], data: FitData) -> dict[str, Any]:
    """The record's ``params`` field for a Keras fit.

    ``fit_kwargs`` holds the fit's arguments by name. Pass ``bind_fit_arguments(args,
    kwargs)`` when the call had positional arguments beyond x and y (``fit(x, y, 32, 10)``);
    binding an already-bound dict again changes nothing.

    Returns
    -------
    dict
        ``epochs``, ``batch_size`` (32 when None with array inputs), ``validation_split``,
        ``has_validation_data``, ``shuffle``, ``initial_epoch``, ``steps_per_epoch``,
        ``class_weight``, ``seed`` (the Keras global seed, when set), ``optimizer``
        (lowercase class name), ``optimizer_iterations`` (steps already taken: > 0 means the
        fit continues an earlier training), ``learning_rate`` (float, or a schedule's config),
        ``optimizer_config``, ``loss``, ``metrics``, ``callbacks`` (class names) and
        ``callback_settings`` ([{``class``, ``module``, ``settings``}]).
    """
    bound = bind_fit_arguments((), dict(fit_kwargs or {}))
    params: dict[str, Any] = {}
    params["epochs"] = _int_or_none(bound.get("epochs"))
    batch_size = _int_or_none(bound.get("batch_size"))
    if batch_size is None and _is_in_memory(data.X) and bound.get("steps_per_epoch") is None:
        batch_size = DEFAULT_BATCH_SIZE
    params["batch_size"] = batch_size
    params["validation_split"] = data.validation_split
    params["has_validation_data"] = data.validation is not None
    params["shuffle"] = to_json_safe(bound.get("shuffle"))
    params["initial_epoch"] = _int_or_none(bound.get("initial_epoch"))
    params["steps_per_epoch"] = _int_or_none(bound.get("steps_per_epoch"))
    params["class_weight"] = to_json_safe(bound.get("class_weight"))
    params["seed"] = _keras_global_seed()
    params.update(_guarded(describe_compile, model))
    callbacks = _as_list(bound.get("callbacks"))
    params["callbacks"] = [type(callback).__name__ for callback in callbacks]
    params["callback_settings"] = [_describe_callback(callback) for callback in callbacks]
    return params


def describe_data(data: FitData) -> dict[str, Any]:
    """The record's ``data`` field (see ``data_description.describe_fit_data``)."""
    return describe_fit_data(data)


def collect_results(
    model: Any, result: Any, data: FitData
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``history`` (per-epoch lists, NaN as None) and final ``metrics`` (last epoch's values).

    ``result`` is what ``fit`` returned (a ``History``); when it is missing (the fit raised),
    the model's own ``history`` attribute supplies the epochs that finished.
    """
    raw = getattr(result, "history", None)
    if not isinstance(raw, dict):
        raw = getattr(getattr(model, "history", None), "history", None)
    history: dict[str, Any] = {}
    for key, values in (raw if isinstance(raw, dict) else {}).items():
        try:
            history[str(key)] = [finite_float(value) for value in values]
        except TypeError:
            continue
    metrics = {key: values[-1] for key, values in history.items() if values}
    return history, metrics


def _describe_callback(callback: Any) -> dict[str, Any]:
    """A callback's class and its constructor settings (``patience``, ``monitor``...).

    Only attributes named like ``__init__`` parameters are read: they are the callback's
    configuration, whereas other attributes (``wait``, ``best``) are state left by earlier fits.
    """
    entry: dict[str, Any] = {
        "class": type(callback).__name__,
        "module": type(callback).__module__,
        "settings": {},
    }
    try:
        parameters = inspect.signature(type(callback).__init__).parameters
    except (TypeError, ValueError):
        return entry
    for name in parameters:
        if name == "self" or name in _CALLBACK_STATE or not hasattr(callback, name):
            continue
        value = getattr(callback, name)
        entry["settings"][name] = callable_name(value) if callable(value) else to_json_safe(value)
    return entry


def _keras_global_seed() -> int | None:
    rng_utils = sys.modules.get("keras.src.utils.rng_utils")
    getter = getattr(rng_utils, "get_random_seed", None)
    try:
        return getter() if callable(getter) else None
    except Exception:
        return None


def _is_in_memory(x: Any) -> bool:
    """Arrays, DataFrames, lists or dicts of them: the inputs Keras batches itself."""
    if x is None:
        return False
    if isinstance(x, dict):
        return all(_is_in_memory(value) for value in x.values())
    if isinstance(x, (list, tuple)):
        return True
    module = type(x).__module__ or ""
    if module.startswith("tensorflow") and hasattr(x, "element_spec"):
        return False
    return hasattr(x, "shape") or module.startswith(("pandas", "scipy.sparse"))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    inner = getattr(value, "callbacks", None)  # a CallbackList
    if isinstance(inner, list):
        return list(inner)
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def _guarded(function: Any, *args: Any) -> dict[str, Any]:
    try:
        return function(*args)
    except Exception:
        return {}
