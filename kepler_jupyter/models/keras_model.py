"""Describe a Keras 3 model for the journal: configuration, layers, parameter counts.

Layers are read with ``keras_layers`` and sizes with ``keras_shapes``, the same readers the
checks use, so the record and the findings never disagree about a model.

Everything here only reads the model. Unbuilt models (a Sequential without an ``Input``,
a subclassed model before its first call) are described with whatever is known already:
layer classes and settings, but no shapes or parameter counts.
"""

from __future__ import annotations

import hashlib
import inspect
import types
from typing import Any

from kepler_jupyter.adapters.json_safe import to_json_safe
from kepler_jupyter.models.keras_layers import activation_function_name
from kepler_jupyter.models.keras_shapes import count_weights, shape_list

#: layer attributes worth recording when present (architecture checks read them)
_LAYER_ATTRIBUTES = (
    "units",
    "filters",
    "kernel_size",
    "strides",
    "rate",
    "use_bias",
    "return_sequences",
)


def describe_model(model: Any) -> dict[str, Any]:
    """The record's ``model`` field for a Keras model.

    Returns
    -------
    dict
        ``class``, ``module``, ``config`` (``get_config()`` as plain JSON, or
        ``{"layers": [...]}`` when that fails), ``layers`` (one dict per layer: ``name``,
        ``class``, ``output_shape``, ``n_params``, ``activation``, ``units`` / ``filters`` /
        ``kernel_size`` / ``rate`` when present, ``kernel_initializer``, ``trainable``),
        ``n_params``, ``n_trainable_params`` (None while unbuilt), ``built``, ``compiled``,
        ``subclassed`` and ``code_fingerprint`` (hash of the byte code of user-defined model
        and layer classes, so editing ``call`` changes the architecture fingerprint).
    """
    description: dict[str, Any] = {
        "class": type(model).__name__,
        "module": type(model).__module__,
        "config": None,
        "layers": [],
        "n_params": None,
        "n_trainable_params": None,
        "built": bool(getattr(model, "built", False)),
        "compiled": bool(getattr(model, "compiled", False)),
        "subclassed": _is_subclassed(model),
        "code_fingerprint": None,
    }
    layers = _safe(lambda: list(model.layers), [])
    description["layers"] = [_describe_layer(layer) for layer in layers]
    description["config"] = _model_config(model, layers)
    if description["built"]:
        description["n_params"] = _safe(lambda: int(model.count_params()), None)
        description["n_trainable_params"] = _safe(
            lambda: count_weights(model.trainable_weights), None
        )
    description["code_fingerprint"] = _safe(lambda: _code_fingerprint(model, layers), None)
    return description


def _model_config(model: Any, layers: list[Any]) -> Any:
    try:
        config = model.get_config()
    except Exception:
        config = None
    if isinstance(config, dict) and (config.get("layers") or not layers):
        return to_json_safe(config)
    # subclassed models: get_config holds at most the constructor arguments, so the layer
    # list is what tells two architectures apart
    fallback = {"layers": [_layer_config(layer) for layer in layers]}
    if isinstance(config, dict):
        fallback["init_config"] = to_json_safe(config)
    return fallback


def _layer_config(layer: Any) -> dict[str, Any]:
    config = _safe(layer.get_config, None)
    return {
        "class_name": type(layer).__name__,
        "name": getattr(layer, "name", None),
        "config": to_json_safe(config) if isinstance(config, dict) else None,
    }


def _describe_layer(layer: Any) -> dict[str, Any]:
    built = bool(getattr(layer, "built", False))
    entry: dict[str, Any] = {
        "name": getattr(layer, "name", None),
        "class": type(layer).__name__,
        "output_shape": _output_shape(layer),
        "n_params": _safe(lambda: int(layer.count_params()), None) if built else None,
        "activation": activation_function_name(getattr(layer, "activation", None)),
        "trainable": bool(getattr(layer, "trainable", True)),
    }
    for attribute in _LAYER_ATTRIBUTES:
        value = getattr(layer, attribute, None)
        if value is not None and not callable(value):
            entry[attribute] = to_json_safe(value)
    initializer = getattr(layer, "kernel_initializer", None)
    if initializer is not None:
        entry["kernel_initializer"] = type(initializer).__name__
    return entry


def _output_shape(layer: Any) -> Any:
    # ``layer.output`` exists only for layers wired into a functional graph (Sequential and
    # functional models once built); reading it never builds anything
    try:
        output = layer.output
    except Exception:
        return None
    try:
        if isinstance(output, (list, tuple)):
            return [shape_list(item.shape) for item in output]
        return shape_list(output.shape)
    except Exception:
        return None


def _is_subclassed(model: Any) -> bool:
    return type(model).__name__ not in ("Sequential", "Functional", "Model") or not type(
        model
    ).__module__.startswith("keras")


def _code_fingerprint(model: Any, layers: list[Any]) -> str | None:
    """Hash of the byte code of user-defined classes among the model and its layers.

    Keras' own classes are covered by the package version; a user's class defined in a
    notebook can change between runs under the same name and arguments.
    """
    classes = {type(model), *(type(layer) for layer in layers)}
    user_classes = sorted(
        (cls for cls in classes if not (cls.__module__ or "").startswith(("keras", "tensorflow"))),
        key=lambda cls: cls.__qualname__,
    )
    if not user_classes:
        return None
    digest = hashlib.blake2b(digest_size=10)
    for cls in user_classes:
        for klass in cls.__mro__:
            if (klass.__module__ or "").startswith(("keras", "tensorflow", "builtins")):
                break
            digest.update(klass.__qualname__.encode())
            for name, member in sorted(vars(klass).items()):
                function = inspect.unwrap(member) if callable(member) else member
                code = getattr(function, "__code__", None)
                if code is not None:
                    digest.update(name.encode())
                    _hash_code(code, digest)
    return digest.hexdigest()


def _hash_code(code: types.CodeType, digest: Any) -> None:
    digest.update(code.co_code)
    digest.update(repr(code.co_names).encode())
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            _hash_code(constant, digest)
        elif isinstance(constant, frozenset):  # set order varies with hash randomisation
            digest.update(repr(sorted(map(repr, constant))).encode())
        else:
            digest.update(repr(constant).encode())


def _safe(function: Any, default: Any) -> Any:
    try:
        return function()
    except Exception:
        return default
