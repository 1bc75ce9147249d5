"""Shapes and sizes without building anything: layer input shapes, fan-in, parameters, labels.

An unbuilt ``Sequential`` (no ``Input`` before its first fit) has no weights yet. Building it,
even on a copy, would create initialisers that draw from Python's global ``random`` state and so
change the user's seeded initialisation; instead the shapes are inferred with each layer's
``compute_output_shape`` and the parameter counts from the layers' configs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kepler_jupyter.checks.keras_introspection import mro_names


def trainable_parameters(model: Any, input_shapes: dict[int, tuple]) -> int | None:
    """Trainable parameters of a built model, or a lower bound for an unbuilt Sequential
    from the layer configs and the input shape (layers of unknown kinds count as 0)."""
    try:
        if getattr(model, "built", False):
            return int(sum(math.prod(int(d) for d in w.shape) for w in model.trainable_weights))
    except (ValueError, TypeError, AttributeError):
        return None
    total = 0
    for layer in getattr(model, "layers", []):
        shape = input_shapes.get(id(layer))
        if shape is not None and getattr(layer, "trainable", True):
            total += layer_parameters(layer, shape)
    return total or None


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


@dataclass
class LabelSummary:
    """How the labels look to a Keras loss. ``kind`` is ``integer`` (class ids, one per sample
    or one per position of a sequence / image), ``onehot``,
    ``multilabel`` (several 0/1 columns), ``probabilities`` (soft targets) or ``continuous``."""

    shape: tuple[int, ...]
    kind: str
    minimum: float
    maximum: float
    #: the last axis' width (1 for 1-D labels)
    width: int
    #: for integer labels, the number of distinct values seen; otherwise ``None``
    n_distinct: int | None = None


def label_summary(y: Any, sample_rows: int = 20_000) -> LabelSummary | None:
    """Summarise array-like labels; ``None`` for datasets, generators, dicts and text labels.

    Minimum and maximum are exact; the shape of each row (one-hot or not, integer-valued or
    not) is judged on up to ``sample_rows`` rows spread over the whole array.
    """
    import numpy as np

    if y is None or isinstance(y, (dict, str, bytes)):
        return None
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    if not isinstance(y, (np.ndarray, list, tuple)):
        return None
    labels = np.asarray(y)
    if labels.size == 0 or labels.dtype.kind not in "biuf":
        return None
    if labels.ndim == 0:
        return None
    minimum, maximum = float(np.nanmin(labels)), float(np.nanmax(labels))
    if not (np.isfinite(minimum) and np.isfinite(maximum)):
        return None  # NaN / inf labels are the data checks' business
    step = max(1, len(labels) // sample_rows)
    rows = labels[::step]
    width = labels.shape[-1] if labels.ndim > 1 else 1
    integral = labels.dtype.kind in "biu" or bool(np.all(rows == np.round(rows)))
    if width == 1 or labels.ndim == 1:
        kind = "integer" if integral and minimum >= 0 else "continuous"
    elif integral and minimum >= 0 and maximum <= 1:
        kind = "onehot" if bool(np.all(rows.sum(axis=-1) == 1)) else "multilabel"
    elif minimum >= 0 and maximum <= 1 and bool(np.allclose(rows.sum(axis=-1), 1, atol=1e-3)):
        kind = "probabilities"
    elif integral and minimum >= 0:
        kind = "integer"  # class ids per position, e.g. one tag per time step
    else:
        kind = "continuous"
    n_distinct = None
    if kind == "integer":
        n_distinct = int(np.unique(rows).size) if step > 1 else int(np.unique(labels).size)
    return LabelSummary(tuple(labels.shape), kind, minimum, maximum, width, n_distinct)
