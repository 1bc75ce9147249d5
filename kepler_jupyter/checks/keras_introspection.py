"""Read a Keras model's structure without changing it: layer kinds, activations, graph, loss.

Everything here works on unbuilt models too (a ``Sequential`` without an ``Input`` before its
first fit) because it reads layer attributes and configs only. Nothing here creates layers,
weights or initialisers: creating them draws from Python's global ``random`` state in Keras 3,
which would change the user's own (seeded) initialisation. Layer classes are recognised by
the names in their MRO, so this module never imports Keras itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: layers that compute ``activation(x @ W + b)`` (or a convolution) and own a kernel
COMPUTE_BASES = frozenset(
    {"Dense", "EinsumDense", "BaseConv", "BaseSeparableConv", "BaseDepthwiseConv",
     "BaseConvTranspose"}
)
ACTIVATION_LAYERS = frozenset({"Activation", "Softmax", "ReLU", "LeakyReLU", "PReLU", "ELU"})
DROPOUT_LAYERS = frozenset(
    {"Dropout", "AlphaDropout", "GaussianDropout", "BaseSpatialDropout"}
)
#: layers that are linear in their input and carry no activation: a linear compute layer seen
#: through them still meets the next compute layer without a non-linearity in between
TRANSPARENT_LAYERS = frozenset(
    {"Flatten", "Reshape", "Permute", "RepeatVector", "GaussianNoise", "ActivityRegularization",
     "Identity", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
     "Cropping3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
     "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"}
) | DROPOUT_LAYERS
RECURRENT_BASES = frozenset({"RNN", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "ConvLSTM"})
SATURATING = frozenset({"sigmoid", "tanh", "hard_sigmoid", "hard_tanh", "softsign"})
PROBABILITY_OUTPUTS = frozenset({"softmax", "sigmoid", "hard_sigmoid"})

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


def mro_names(obj: Any) -> set[str]:
    """Names of the classes ``obj`` is an instance of (so user subclasses still match)."""
    return {cls.__name__ for cls in type(obj).__mro__}


def layer_kind(layer: Any) -> str:
    """One of ``input``, ``model``, ``compute``, ``activation``, ``batchnorm``,
    ``transparent``, ``recurrent`` or ``other``."""
    names = mro_names(layer)
    if "InputLayer" in names:
        return "input"
    if "Model" in names:
        return "model"
    if names & COMPUTE_BASES:
        return "compute"
    if names & ACTIVATION_LAYERS:
        return "activation"
    if "BatchNormalization" in names:
        return "batchnorm"
    if names & TRANSPARENT_LAYERS:
        return "transparent"
    if names & RECURRENT_BASES:
        return "recurrent"
    return "other"


def is_dropout(layer: Any) -> bool:
    return bool(mro_names(layer) & DROPOUT_LAYERS)


def _function_name(function: Any) -> str:
    if function is None:
        return "linear"
    name = getattr(function, "__name__", None) or type(function).__name__
    return {"swish": "silu"}.get(name, name)


def activation_name(layer: Any) -> str | None:
    """The activation a layer applies, as a Keras name (``linear`` for none); ``None`` when the
    layer applies no element-wise activation of its own (pooling, recurrent, custom layers)."""
    names = mro_names(layer)
    if "Softmax" in names:
        return "softmax"
    if "ReLU" in names:
        if float(getattr(layer, "negative_slope", 0.0) or 0.0) > 0:
            return "leaky_relu"
        return "relu6" if getattr(layer, "max_value", None) == 6 else "relu"
    for class_name, name in (("LeakyReLU", "leaky_relu"), ("PReLU", "prelu"), ("ELU", "elu")):
        if class_name in names:
            return name
    if names & COMPUTE_BASES or "Activation" in names:
        return _function_name(getattr(layer, "activation", None))
    return None


def is_nonlinear(layer: Any) -> bool:
    """Whether the layer applies a non-linear activation of its own."""
    name = activation_name(layer)
    return name is not None and name != "linear"


def output_units(layer: Any) -> int | None:
    """Width of a compute layer's output: ``units`` or ``filters`` from its config."""
    for attribute in ("units", "filters"):
        value = getattr(layer, attribute, None)
        if isinstance(value, int):
            return value
    return None


@dataclass
class LayerGraph:
    """The layers of one model with their producers and consumers, in topological order."""

    layers: list[Any]
    predecessors: dict[int, list[Any]] = field(default_factory=dict)
    successors: dict[int, list[Any]] = field(default_factory=dict)
    #: layers whose outputs are the model's outputs
    output_layers: list[Any] = field(default_factory=list)

    def preds(self, layer: Any) -> list[Any]:
        return self.predecessors.get(id(layer), [])

    def succs(self, layer: Any) -> list[Any]:
        return self.successors.get(id(layer), [])

    def is_output(self, layer: Any) -> bool:
        return any(layer is out for out in self.output_layers)


def layer_graph(model: Any) -> LayerGraph | None:
    """The graph of a Sequential or functional model; ``None`` for subclassed models, whose
    call order cannot be read without running them."""
    names = mro_names(model)
    layers = [layer for layer in getattr(model, "layers", []) if layer_kind(layer) != "input"]
    graph = LayerGraph(layers=layers)
    if "Sequential" in names:
        for before, after in zip(layers, layers[1:], strict=False):
            graph.successors[id(before)] = [after]
            graph.predecessors[id(after)] = [before]
        graph.output_layers = layers[-1:]
        return graph
    if "Functional" not in names:
        return None
    in_model = {id(layer) for layer in layers}
    node_keys = getattr(model, "_nodes", set())
    for layer in layers:
        for index, node in enumerate(getattr(layer, "_inbound_nodes", [])):
            if f"{id(layer)}_ib-{index}" not in node_keys:
                continue  # a call of a shared layer in some other model's graph
            for parent in getattr(node, "parent_nodes", []):
                producer = parent.operation
                if id(producer) in in_model:
                    graph.predecessors.setdefault(id(layer), []).append(producer)
                    graph.successors.setdefault(id(producer), []).append(layer)
    for tensor in getattr(model, "outputs", None) or []:
        history = getattr(tensor, "_keras_history", None)
        if history is not None:
            graph.output_layers.append(history.operation)
    return graph


def nested_models(model: Any) -> list[Any]:
    """``model`` and every model used as a layer inside it, depth first."""
    found = [model]
    for layer in getattr(model, "layers", []):
        if layer_kind(layer) == "model":
            found.extend(nested_models(layer))
    return found


@dataclass
class OutputHead:
    """The layer that produces the model's single output and the activation applied last."""

    compute_layer: Any  # the last Dense / Conv layer (its units are the output width)
    activation: str  # the activation applied last, e.g. "softmax", "linear"
    activation_layer: Any  # the layer that applies it (may be compute_layer)
    units: int | None


def output_head(model: Any) -> OutputHead | None:
    """Walk back from the single output through shape-only layers to the last activation and
    the last compute layer; ``None`` when the model has several outputs or the path is opaque."""
    graph = layer_graph(model)
    if graph is None or len(graph.output_layers) != 1:
        return None
    layer = graph.output_layers[0]
    activation: str | None = None
    activation_layer = None
    while layer is not None:
        kind = layer_kind(layer)
        if kind == "model":
            return output_head(layer)
        if kind in ("activation", "compute") and activation is None:
            activation, activation_layer = activation_name(layer), layer
            if activation == "linear" and kind == "activation":
                activation = None  # Activation("linear") leaves the decision to what precedes
        if kind == "compute":
            return OutputHead(layer, activation or "linear", activation_layer or layer,
                              output_units(layer))
        if kind not in ("activation", "transparent", "batchnorm"):
            return None
        predecessors = graph.preds(layer)
        layer = predecessors[0] if len(predecessors) == 1 else None
    return None


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
