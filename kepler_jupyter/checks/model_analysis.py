"""What every Keras model check shares: one analysis of the model, loss and labels per subject.

``analyse`` reads the model's graph, output head, compiled loss and labels once and keeps the
result in the subject's cache, so the dozen model checks walk the layers a few times in total.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kepler_jupyter.checks import keras_introspection as ki
from kepler_jupyter.checks import keras_shapes as ks
from kepler_jupyter.checks.base import Check, CheckSubject, Finding

_ANALYSIS_KEY = "keras_model_analysis"
#: output ranges of bounded activations, for labels that must lie inside them
ACTIVATION_RANGES = {
    "sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0),
    "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0), "hard_tanh": (-1.0, 1.0),
    "relu": (0.0, math.inf), "softplus": (0.0, math.inf), "exponential": (0.0, math.inf),
    "relu6": (0.0, 6.0), "elu": (-1.0, math.inf), "selu": (-1.7581, math.inf),
}


@dataclass
class ModelAnalysis:
    """What every model check needs, computed once per subject and shared through its cache."""

    model: Any
    graphs: list[ki.LayerGraph]
    head: ki.OutputHead | None
    loss: ki.LossInfo | None
    labels: ks.LabelSummary | None
    n_samples: int | None
    #: input shape of each layer (by id) of an unbuilt Sequential, inferred from X
    input_shapes: dict[int, tuple]
    #: rank of the single output with the batch axis (2 for Dense heads), when known
    output_rank: int | None = None

    @property
    def labels_per_position(self) -> bool:
        """Labels with fewer axes than the output hold one class id per position (sequence
        tagging, segmentation) rather than one row per sample."""
        return (self.labels is not None and self.output_rank is not None
                and 2 <= len(self.labels.shape) < self.output_rank)


def analyse(subject: CheckSubject) -> ModelAnalysis:
    cached = subject.cache.get(_ANALYSIS_KEY)
    if cached is not None and cached.model is subject.model:
        return cached
    model = subject.model
    graphs = [g for g in map(ki.layer_graph, ki.nested_models(model)) if g is not None]
    shape = getattr(subject.X, "shape", None)
    n_samples = int(shape[0]) if shape is not None and len(shape) > 0 else None
    input_shapes = ks.infer_input_shapes(model, subject.X)
    analysis = ModelAnalysis(
        model=model,
        graphs=graphs,
        head=ki.output_head(model),
        loss=ki.compiled_loss_info(model),
        labels=_all_labels(subject),
        n_samples=n_samples,
        input_shapes=input_shapes,
        output_rank=ks.output_rank(model, input_shapes),
    )
    subject.cache[_ANALYSIS_KEY] = analysis
    return analysis


def _all_labels(subject: CheckSubject) -> ks.LabelSummary | None:
    """The training labels' summary, its range widened by the validation labels (a class that
    only appears in validation still needs an output unit)."""
    labels = ks.label_summary(subject.y)
    validation = subject.validation[1] if subject.validation else None
    other = ks.label_summary(validation) if labels is not None else None
    if other is not None and other.kind == labels.kind and other.width == labels.width:
        labels.minimum = min(labels.minimum, other.minimum)
        labels.maximum = max(labels.maximum, other.maximum)
    return labels


def compute_layers(analysis: ModelAnalysis) -> Iterator[tuple[ki.LayerGraph, Any]]:
    for graph in analysis.graphs:
        for layer in graph.layers:
            if ki.layer_kind(layer) == "compute":
                yield graph, layer


def is_head(analysis: ModelAnalysis, layer: Any) -> bool:
    return analysis.head is not None and analysis.head.compute_layer is layer


class KerasCheck(Check):
    """A pre-fit check of a Keras model."""

    stage = "model"
    frameworks = ("keras",)

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if not getattr(subject.model, "layers", None):
            return iter(())  # not a Keras model kepler can read layer by layer
        return self.inspect(analyse(subject)) or iter(())

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding] | None:
        return None


