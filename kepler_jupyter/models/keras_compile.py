"""How a Keras model was compiled: optimizer, learning rate, loss and metrics.

The one reader of a compiled Keras model. For the record, ``describe_compile`` reads
``optimizer.get_config()`` and ``model.get_compile_config()``, the serialised forms Keras itself
saves, so losses and schedules come out as their class and config (``from_logits`` included)
rather than as reprs. For the checks, ``loss_info`` says what kind of labels and outputs the
compiled loss expects, and ``loss_name`` gives its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kepler_jupyter.adapters.json_safe import callable_name, finite_float, to_json_safe
from kepler_jupyter.models.keras_layers import mro_names

#: loss names (lower case, underscores removed) to the kind of labels and outputs they expect
LOSS_KINDS = {
    "binarycrossentropy": "binary_ce", "bce": "binary_ce", "binaryfocalcrossentropy": "binary_ce",
    "categoricalcrossentropy": "categorical_ce", "cce": "categorical_ce",
    "categoricalfocalcrossentropy": "categorical_ce",
    "sparsecategoricalcrossentropy": "sparse_ce",
    "meansquarederror": "regression", "mse": "regression", "meanabsoluteerror": "regression",
    "mae": "regression", "meanabsolutepercentageerror": "regression", "mape": "regression",
    "meansquaredlogarithmicerror": "regression", "msle": "regression", "huber": "regression",
    "huberloss": "regression", "logcosh": "regression",
    "hinge": "hinge", "squaredhinge": "hinge", "categoricalhinge": "hinge",
}
CROSS_ENTROPY_KINDS = frozenset({"binary_ce", "categorical_ce", "sparse_ce"})


def describe_compile(model: Any) -> dict[str, Any]:
    """``optimizer`` (lowercase class name), ``optimizer_iterations``, ``learning_rate`` (float,
    or a schedule's serialised config), ``optimizer_config``, ``loss`` and ``metrics``.

    An uncompiled model gives None for each; ``loss_scaling`` is added under mixed precision.
    """
    params: dict[str, Any] = {
        "optimizer": None,
        "learning_rate": None,
        "optimizer_config": None,
        "loss": None,
        "metrics": [],
    }
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        inner = getattr(optimizer, "inner_optimizer", None)  # LossScaleOptimizer (mixed precision)
        if inner is not None:
            optimizer = inner
            params["loss_scaling"] = True
        params["optimizer"] = type(optimizer).__name__.lower()
        # a model that has trained before continues from its weights: another experiment
        params["optimizer_iterations"] = _variable_value(getattr(optimizer, "iterations", None))
        try:
            config = optimizer.get_config()
        except Exception:
            config = {}
        params["optimizer_config"] = to_json_safe(config)
        rate = config.get("learning_rate") if isinstance(config, dict) else None
        if isinstance(rate, dict):  # a LearningRateSchedule, serialised
            params["learning_rate"] = to_json_safe(rate)
        else:
            params["learning_rate"] = finite_float(
                rate if rate is not None else getattr(optimizer, "learning_rate", None)
            )
    compile_config = _compile_config(model)
    loss = compile_config.get("loss") if compile_config else getattr(model, "loss", None)
    params["loss"] = _describe_loss(loss)
    metrics = compile_config.get("metrics") if compile_config else None
    params["metrics"] = _metric_names(metrics)
    return params


def _variable_value(variable: Any) -> int | None:
    if variable is None:
        return None
    try:
        import numpy as np

        return int(np.asarray(variable).item())
    except Exception:
        return None


def _compile_config(model: Any) -> dict[str, Any]:
    getter = getattr(model, "get_compile_config", None)
    if not callable(getter):
        return {}
    try:
        config = getter()
    except Exception:
        return {}
    return config if isinstance(config, dict) else {}


def _describe_loss(loss: Any) -> Any:
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, dict) and "class_name" in loss:  # serialised Loss or function
        config = loss.get("config")
        if loss.get("class_name") == "function":
            return config if isinstance(config, str) else to_json_safe(config)
        return {"class": loss["class_name"], "config": to_json_safe(config)}
    if isinstance(loss, dict):  # one loss per output
        return {str(key): _describe_loss(value) for key, value in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [_describe_loss(value) for value in loss]
    if hasattr(loss, "get_config"):
        try:
            return {"class": type(loss).__name__, "config": to_json_safe(loss.get_config())}
        except Exception:
            return type(loss).__name__
    return callable_name(loss).rsplit(".", 1)[-1] if callable(loss) else to_json_safe(loss)


def _metric_names(metrics: Any) -> list[Any]:
    names: list[Any] = []
    if metrics is None:
        return names
    for metric in metrics if isinstance(metrics, (list, tuple)) else [metrics]:
        if isinstance(metric, str):
            names.append(metric)
        elif isinstance(metric, dict) and "class_name" in metric:
            config = metric.get("config")
            name = config.get("name") if isinstance(config, dict) else config
            names.append(name or metric["class_name"])
        elif isinstance(metric, (list, tuple, dict)):  # per-output metrics
            names.append(to_json_safe(metric))
        else:
            names.append(
                getattr(metric, "name", None) or getattr(metric, "__name__", type(metric).__name__)
            )
    return names


# -- what the loss expects (for the checks) --------------------------------------------------


@dataclass
class LossInfo:
    """What the compiled loss expects: ``kind`` is one of ``binary_ce``, ``categorical_ce``,
    ``sparse_ce``, ``regression``, ``hinge`` or ``other``."""

    name: str
    kind: str
    from_logits: bool = False
    label_smoothing: float = 0.0


def loss_info(loss: Any) -> LossInfo | None:
    """Describe a compiled loss given as a string, a function, a ``functools.partial`` or a
    ``keras.losses.Loss``; ``None`` for several losses (dict or list) or no loss."""
    if loss is None or isinstance(loss, (dict, list, tuple)):
        return None
    options: dict[str, Any] = {}
    if isinstance(loss, str):
        name = loss
    elif "Loss" in mro_names(loss):
        function = getattr(loss, "fn", None)
        name = getattr(function, "__name__", None) or type(loss).__name__
        options = {**(getattr(loss, "_fn_kwargs", None) or {})}
        for option in ("from_logits", "label_smoothing"):
            if hasattr(loss, option):
                options[option] = getattr(loss, option)
    elif hasattr(loss, "func") and hasattr(loss, "keywords"):  # functools.partial
        name = getattr(loss.func, "__name__", "custom")
        options = dict(loss.keywords or {})
    else:
        name = getattr(loss, "__name__", None) or type(loss).__name__
    kind = LOSS_KINDS.get(name.lower().replace("_", ""), "other")
    return LossInfo(
        name=name,
        kind=kind,
        from_logits=bool(options.get("from_logits", False)),
        label_smoothing=float(options.get("label_smoothing", 0.0) or 0.0),
    )


def compiled_loss_info(model: Any) -> LossInfo | None:
    """The loss the model was compiled with (Keras 3 keeps what was passed in ``model.loss``)."""
    if not getattr(model, "compiled", False):
        return None
    return loss_info(getattr(model, "loss", None))


def loss_name(model: Any) -> str:
    """A Keras model's compiled loss as a lower-case name (``""`` when unknown or several)."""
    loss = getattr(model, "loss", None)
    if loss is None or isinstance(loss, (dict, list, tuple)):
        return ""
    if isinstance(loss, str):
        return loss.lower()
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return str(name).lower()
