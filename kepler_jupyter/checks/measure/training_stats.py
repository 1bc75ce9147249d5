"""Statistics the training monitor measures on a schedule: gradients, activations, weight changes.

``Probe`` keeps one small batch of training data (at most 64 samples, copied once) and, when
asked, runs the model on it in inference mode under ``tf.GradientTape``: kernel-gradient norms
of the first and last layers, the fraction of dead units in each ReLU layer and of saturated
units in each sigmoid / tanh layer. ``WeightTracker`` measures how far kernels moved between two
calls from a strided sample of each kernel. Neither runs on every batch: the monitor calls them
at epoch ends, within a time budget.

Inference mode matters: it keeps BatchNormalization's moving statistics and Dropout's random
state untouched, so probing never changes what the user's fit computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from kepler_jupyter.models import keras_compile as kc
from kepler_jupyter.models import keras_graph as kg
from kepler_jupyter.models import keras_layers as kl

#: outputs beyond these mean a pre-activation outside [-5, 5] (sigmoid(5), tanh(5))
SATURATION_OUTPUT = {"sigmoid": (1 / (1 + math.exp(5)), 1 / (1 + math.exp(-5))),
                     "tanh": (-math.tanh(5), math.tanh(5))}
MAX_MONITORED_LAYERS = 32
#: probe inputs are capped at about this many values (64 MNIST rows, 6 ImageNet images) …
MAX_PROBE_VALUES = 1_000_000
#: … and the activations read back at about this many (32 MB of float32)
MAX_ACTIVATION_VALUES = 8_000_000


@dataclass
class ProbeStats:
    """One measurement on the probe batch."""

    first_layer: str | None = None
    last_layer: str | None = None
    first_grad_norm: float | None = None
    last_grad_norm: float | None = None
    nonfinite_gradients: list[str] = field(default_factory=list)
    #: first / last layer name -> gradient norm divided by the kernel's norm
    relative_gradients: dict[str, float] = field(default_factory=dict)
    #: ReLU layer name -> fraction of its units (channels) that output 0 for every probe sample
    dead_fraction: dict[str, float] = field(default_factory=dict)
    #: sigmoid / tanh layer name -> fraction of outputs whose pre-activation is beyond ±5
    saturated_fraction: dict[str, float] = field(default_factory=dict)

    @property
    def grad_ratio(self) -> float | None:
        if self.first_grad_norm is None or not self.last_grad_norm:
            return None
        return self.first_grad_norm / self.last_grad_norm


def select_probe(X: Any, y: Any, size: int = 64) -> tuple[Any, Any] | None:
    """Copy ``size`` samples spread over the whole training set (so label-sorted data still
    gives a mixed batch); ``None`` for data kepler cannot index without side effects
    (datasets, generators, dicts of inputs)."""
    import numpy as np

    def as_array(value: Any) -> Any:
        if hasattr(value, "to_numpy"):
            value = value.to_numpy()
        return value if isinstance(value, np.ndarray) else None

    features, labels = as_array(X), as_array(y)
    if features is None or labels is None or len(features) == 0 or len(features) != len(labels):
        return None
    row_values = max(1, math.prod(features.shape[1:]))
    size = max(1, min(size, len(features), MAX_PROBE_VALUES // row_values))
    index = np.linspace(0, len(features) - 1, size).astype(int)
    return features[index], labels[index]


def _monitored_layers(model: Any) -> tuple[list[Any], list[Any]]:
    """Top-level ReLU layers and sigmoid / tanh layers whose outputs the probe reads (the
    output layer excluded: a confident sigmoid output is saturated by design)."""
    graph = kg.layer_graph(model)
    if graph is None:
        return [], []
    relu, saturating = [], []
    for layer in graph.layers:
        if graph.is_output(layer) or kl.layer_kind(layer) not in ("compute", "activation"):
            continue
        name = kl.activation_name(layer)
        if name == "relu":
            relu.append(layer)
        elif name in SATURATION_OUTPUT:
            saturating.append(layer)

    def spread(found: list[Any]) -> list[Any]:
        step = max(1, math.ceil(len(found) / MAX_MONITORED_LAYERS))
        return found[::step]

    return spread(relu), spread(saturating)


def _kernel_variables(model: Any) -> list[tuple[str, Any]]:
    """(layer name, kernel variable) of every trainable layer with a kernel, in graph order."""
    found = []
    for layer in getattr(model, "layers", []):
        if kl.layer_kind(layer) == "model":
            found.extend(_kernel_variables(layer))
            continue
        for variable in getattr(layer, "trainable_weights", []):
            if "kernel" in variable.name and "recurrent" not in variable.name:
                found.append((layer.name, variable))
                break
    return found


def probe_supported(model: Any) -> bool:
    """Whether ``Probe`` can measure ``model``: one compiled loss and one output (multi-output
    models, dict losses and custom training steps without a loss are left alone)."""
    loss = getattr(model, "loss", None)
    outputs = getattr(model, "outputs", None)
    return (loss is not None and not isinstance(loss, (dict, list, tuple))
            and (outputs is None or len(outputs) == 1))


def _has_batch_norm(model: Any) -> bool:
    """Whether ``model`` (nested models included) holds a BatchNormalization layer."""
    pending, seen = list(getattr(model, "layers", []) or []), 0
    while pending and seen < 10_000:  # bounded walk
        layer, seen = pending.pop(), seen + 1
        if "BatchNormalization" in type(layer).__name__:
            return True
        pending.extend(getattr(layer, "layers", []) or [])
    return False


class Probe:
    """Gradient and activation statistics of ``model`` on one stored batch."""

    def __init__(self, model: Any, batch: tuple[Any, Any]) -> None:
        import keras

        self.model = model
        self.x, self.y = batch
        loss = model.loss
        self.loss_fn = keras.losses.get(loss) if isinstance(loss, str) else loss
        self.kernels = _kernel_variables(model)
        self.relu_layers, self.saturating_layers = _monitored_layers(model)
        self._fit_activation_budget()
        monitored = self.relu_layers + self.saturating_layers
        inputs, outputs = getattr(model, "inputs", None), getattr(model, "outputs", None)
        self.extractor = None
        if monitored and inputs and outputs and len(outputs) == 1:
            # A second functional view over the same layers: no new weights, same variables.
            self.extractor = keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                                         [layer.output for layer in monitored] + outputs)
        info = kc.loss_info(loss)
        self.sparse_labels = info is not None and info.kind == "sparse_ce"
        # Early in training BatchNormalization's moving statistics are still near their
        # initial values, so an inference-mode pass is not what the optimiser sees: a
        # from-scratch MobileNetV2 then shows gradients of ~1e-11 at its first layer. Probe such
        # models in training mode (batch statistics), restoring the state that pass updates.
        self.training_mode = _has_batch_norm(model)

    def _fit_activation_budget(self) -> None:
        """Keep the activations read back within ``MAX_ACTIVATION_VALUES``: drop probe rows
        down to 4, then the largest monitored layers (image models have huge early maps)."""

        def per_sample(layer: Any) -> int:
            shape = getattr(getattr(layer, "output", None), "shape", None) or ()
            dims = [int(d) for d in shape[1:] if d is not None]
            return math.prod(dims) if len(dims) == len(shape) - 1 else MAX_ACTIVATION_VALUES

        layers = self.relu_layers + self.saturating_layers
        while layers and sum(map(per_sample, layers)) * 4 > MAX_ACTIVATION_VALUES:
            layers.remove(max(layers, key=per_sample))
        self.relu_layers = [layer for layer in self.relu_layers if layer in layers]
        self.saturating_layers = [layer for layer in self.saturating_layers if layer in layers]
        total = sum(map(per_sample, layers))
        if total:
            rows = max(4, MAX_ACTIVATION_VALUES // total)
            self.x, self.y = self.x[:rows], self.y[:rows]

    def _labels_like(self, prediction: Any) -> Any:
        """Labels shaped as Keras' compiled loss would shape them (it adds the trailing unit
        axis of ``(n,)`` labels against ``(n, 1)`` outputs, except for sparse losses)."""
        labels = self.y
        if not self.sparse_labels:
            labels = labels.astype("float32")
            if labels.ndim == len(prediction.shape) - 1:
                labels = labels[..., None]
        return labels

    def measure(self, gradients: bool = True) -> ProbeStats:
        import numpy as np
        import tensorflow as tf

        variables = [variable for _, variable in self.kernels]
        state = ([variable.numpy() for variable in self.model.non_trainable_variables]
                 if self.training_mode else [])
        try:
            with tf.GradientTape() as tape:
                if self.extractor is not None:
                    *activations, prediction = self.extractor(self.x, training=self.training_mode)
                else:
                    activations, prediction = [], self.model(self.x, training=self.training_mode)
                loss = tf.reduce_mean(self.loss_fn(self._labels_like(prediction), prediction))
        finally:
            for variable, value in zip(self.model.non_trainable_variables, state, strict=False):
                variable.assign(value)  # the probe never moves the model's running statistics
        stats = ProbeStats()
        if gradients and variables:
            grads = tape.gradient(loss, variables)
            norms = [float(tf.norm(g)) if g is not None else 0.0 for g in grads]
            names = [name for name, _ in self.kernels]
            stats.nonfinite_gradients = [n for n, v in zip(names, norms, strict=True)
                                         if not math.isfinite(v)]
            stats.first_layer, stats.last_layer = names[0], names[-1]
            stats.first_grad_norm, stats.last_grad_norm = norms[0], norms[-1]
            for index in {0, len(variables) - 1}:
                weight_norm = float(tf.norm(variables[index]))
                if weight_norm > 0 and math.isfinite(norms[index]):
                    stats.relative_gradients[names[index]] = norms[index] / weight_norm
        monitored = self.relu_layers + self.saturating_layers if self.extractor else []
        for layer, output in zip(monitored, activations, strict=True):
            values = np.asarray(output)
            name = kl.activation_name(layer)
            if name == "relu":
                per_unit = np.abs(values).reshape(-1, values.shape[-1]).max(axis=0)
                stats.dead_fraction[layer.name] = float(np.mean(per_unit == 0))
            elif name is not None:  # _monitored_layers chose it for its saturating activation
                low, high = SATURATION_OUTPUT[name]
                stats.saturated_fraction[layer.name] = float(
                    np.mean((values <= low) | (values >= high)))
        return stats


class WeightTracker:
    """Relative change of each trainable kernel since the previous call, from a strided sample
    of at most ``sample`` values per kernel (reading a 100-million-value kernel whole each
    epoch would cost more than the check is worth)."""

    def __init__(self, model: Any, sample: int = 4096) -> None:
        self.kernels = _kernel_variables(model)
        self.sample = sample
        self.previous: dict[str, Any] | None = None

    def _read(self) -> dict[str, Any]:
        import keras
        import numpy as np

        values = {}
        for name, variable in self.kernels:
            size = math.prod(int(d) for d in variable.shape)
            flat = keras.ops.reshape(variable, (-1,))
            step = max(1, size // self.sample)
            values[name] = np.array(keras.ops.convert_to_numpy(flat[::step]), dtype="float64")
        return values

    def relative_changes(self) -> dict[str, float] | None:
        """Layer name -> ‖W_now − W_before‖ / ‖W_before‖; ``None`` on the first call."""
        import numpy as np

        current = self._read()
        previous, self.previous = self.previous, current
        if previous is None:
            return None
        changes = {}
        for name, now in current.items():
            before = previous.get(name)
            if before is not None and before.shape == now.shape:
                scale = float(np.linalg.norm(before)) or 1.0
                changes[name] = float(np.linalg.norm(now - before)) / scale
        return changes
