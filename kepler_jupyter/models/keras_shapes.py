"""Shapes and sizes of a Keras model without building anything: layer input shapes, fan-in,
parameter counts.

An unbuilt ``Sequential`` (no ``Input`` before its first fit) has no weights yet. Building it,
even on a copy, would create initialisers that draw from Python's global ``random`` state and so
change the user's seeded initialisation; instead the shapes are inferred with each layer's
``compute_output_shape`` and the parameter counts from the layers' configs.
"""

from __future__ import annotations

import math
from typing import Any

from kepler_jupyter.models.keras_layers import mro_names


def trainable_parameters(model: Any, input_shapes: dict[int, tuple]) -> int | None:
    """Trainable parameters of a built model, or a lower bound for an unbuilt Sequential
    from the layer configs and the input shape (layers of unknown kinds count as 0)."""
    try:
        if getattr(model, "built", False):
            return count_weights(model.trainable_weights)
    except (ValueError, TypeError, AttributeError):
        return None
    total = 0
    for layer in getattr(model, "layers", []):
        shape = input_shapes.get(id(layer))
        if shape is not None and getattr(layer, "trainable", True):
            total += layer_parameters(layer, shape)
    return total or None


def count_weights(weights: list[Any]) -> int:
    """The number of values in a list of weight variables."""
    return int(sum(math.prod(int(d) for d in weight.shape) for weight in weights))


def shape_list(shape: Any) -> list[int | None]:
    """A tensor shape as a JSON list (unknown dimensions as ``None``)."""
    return [None if dim is None else int(dim) for dim in tuple(shape)]


def layer_parameters(layer: Any, input_shape: tuple) -> int:
    names, width = mro_names(layer), input_shape[-1]
    if not isinstance(width, int):
        return 0
    bias = int(bool(getattr(layer, "use_bias", True)))
    if "Dense" in names:
        return (width + bias) * layer.units
    if names & {"BaseConv", "BaseConvTranspose"}:
        groups = getattr(layer, "groups", 1) or 1
        return (math.prod(layer.kernel_size) * width // groups + bias) * layer.filters
    if "Embedding" in names:
        return layer.input_dim * layer.output_dim
    gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}
    for name, count in gates.items():
        if name in names:
            return count * ((width + layer.units + 1) * layer.units)
    if names & {"BatchNormalization", "LayerNormalization"}:
        return 2 * width
    return 0


def fan_in(layer: Any, input_shape: tuple | None) -> int | None:
    """Inputs feeding one unit of a Dense or Conv layer (not depthwise: its fan-in differs)."""
    names = mro_names(layer)
    kernel = getattr(layer, "kernel", None)
    if "BaseDepthwiseConv" in names or "BaseSeparableConv" in names:
        return None
    if kernel is not None:
        return math.prod(int(d) for d in kernel.shape[:-1])
    if input_shape is None or not isinstance(input_shape[-1], int):
        return None
    if "Dense" in names:
        return input_shape[-1]
    if "BaseConv" in names:
        return math.prod(layer.kernel_size) * input_shape[-1] // (getattr(layer, "groups", 1) or 1)
    return None


def infer_input_shapes(model: Any, X: Any) -> dict[int, tuple]:
    """Input shape of each layer of an unbuilt Sequential, inferred from ``X`` with the layers'
    ``compute_output_shape`` (which creates no weights); empty for other models."""
    if getattr(model, "built", False) or "Sequential" not in mro_names(model):
        return {}
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) < 2:
        return {}
    current: tuple = (None, *(int(d) for d in shape[1:]))
    shapes = {}
    for layer in model.layers:
        shapes[id(layer)] = current
        try:
            current = tuple(layer.compute_output_shape(current))
        except Exception:  # noqa: BLE001 - a layer that cannot say ends the inference
            break
    return shapes


def output_rank(model: Any, input_shapes: dict[int, tuple]) -> int | None:
    """Rank of the single output, batch axis included (2 for ``(n, classes)``, 3 for a
    sequence of predictions); ``None`` when unknown or when the model has several outputs."""
    outputs = getattr(model, "outputs", None) if getattr(model, "built", False) else None
    if outputs:
        return len(outputs[0].shape) if len(outputs) == 1 else None
    layers = getattr(model, "layers", None) or []
    shape = input_shapes.get(id(layers[-1])) if layers else None
    if shape is None:
        return None
    try:
        return len(layers[-1].compute_output_shape(shape))
    except Exception:  # a layer that cannot say leaves the rank unknown
        return None
