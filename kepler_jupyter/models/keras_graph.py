"""How a Keras model's layers are wired: producers and consumers, nested models, the output head.

Read from the model's own graph (Sequential order, functional nodes); subclassed models,
whose call order cannot be read without running them, have no graph.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from kepler_jupyter.models.keras_layers import activation_name, layer_kind, mro_names, output_units


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
    node_keys: Collection[str] = getattr(model, "_nodes", set())
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


