"""What every Keras model check reads: one analysis of the model, loss and labels per subject.

``analyse`` reads the model's graph, output head, compiled loss and labels once and keeps the
result in the subject's cache, so the dozen model checks walk the layers a few times in total.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kepler_jupyter.checks.base import CheckSubject
from kepler_jupyter.checks.measure.keras_labels import LabelSummary, label_summary
from kepler_jupyter.models import keras_compile as kc
from kepler_jupyter.models import keras_graph as kg
from kepler_jupyter.models import keras_layers as kl
from kepler_jupyter.models import keras_shapes as ks

_ANALYSIS_KEY = "keras_model_analysis"


@dataclass
class ModelAnalysis:
    """What every model check needs, computed once per subject and shared through its cache."""

    model: Any
    graphs: list[kg.LayerGraph]
    head: kg.OutputHead | None
    loss: kc.LossInfo | None
    labels: LabelSummary | None
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
    graphs = [g for g in map(kg.layer_graph, kg.nested_models(model)) if g is not None]
    shape = getattr(subject.X, "shape", None)
    n_samples = int(shape[0]) if shape is not None and len(shape) > 0 else None
    input_shapes = ks.infer_input_shapes(model, subject.X)
    analysis = ModelAnalysis(
        model=model,
        graphs=graphs,
        head=kg.output_head(model),
        loss=kc.compiled_loss_info(model),
        labels=_all_labels(subject),
        n_samples=n_samples,
        input_shapes=input_shapes,
        output_rank=ks.output_rank(model, input_shapes),
    )
    subject.cache[_ANALYSIS_KEY] = analysis
    return analysis


def _all_labels(subject: CheckSubject) -> LabelSummary | None:
    """The training labels' summary, its range widened by the validation labels (a class that
    only appears in validation still needs an output unit)."""
    labels = label_summary(subject.y)
    validation = subject.validation[1] if subject.validation else None
    other = label_summary(validation) if labels is not None else None
    if labels is not None and other is not None and other.kind == labels.kind and other.width == labels.width:
        labels.minimum = min(labels.minimum, other.minimum)
        labels.maximum = max(labels.maximum, other.maximum)
    return labels


def compute_layers(analysis: ModelAnalysis) -> Iterator[tuple[kg.LayerGraph, Any]]:
    for graph in analysis.graphs:
        for layer in graph.layers:
            if kl.layer_kind(layer) == "compute":
                yield graph, layer


def is_head(analysis: ModelAnalysis, layer: Any) -> bool:
    return analysis.head is not None and analysis.head.compute_layer is layer
