"""Pre-fit checks of a Keras model's output head against its loss and labels (K404–K411).

They compare three things read without running the model: the last activation and output width
(``models.keras_graph.output_head``), the compiled loss (``loss_info``) and the labels
(``keras_shapes.label_summary``). A check stays silent when any of the three is unknown (custom
loss, several outputs, labels in a ``tf.data`` pipeline): guessing would give false alarms.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from kepler_jupyter.checks.base import Finding
from kepler_jupyter.checks.keras_check import KerasCheck
from kepler_jupyter.checks.measure.model_analysis import ModelAnalysis
from kepler_jupyter.models import keras_compile as kc
from kepler_jupyter.models import keras_graph as kg
from kepler_jupyter.models import keras_layers as kl

__all__ = [
    "CrossEntropyWithoutProbabilities",
    "FromLogitsOnProbabilities",
    "LabelRangeOutsideOutput",
    "LabelsIncompatibleWithLoss",
    "OutputWidthMismatch",
    "SigmoidWithCategoricalLoss",
    "SoftmaxOnSingleUnit",
    "SoftmaxWithBinaryLoss",
]


def _describe(head: kg.OutputHead, loss: kc.LossInfo) -> dict[str, Any]:
    return {"output_layer": head.compute_layer.name, "activation": head.activation,
            "units": head.units, "loss": loss.name, "from_logits": loss.from_logits}


class CrossEntropyWithoutProbabilities(KerasCheck):
    code = "K404"
    title = "Cross-entropy on outputs that are not probabilities"
    severity = "error"
    why = ("With from_logits=False a cross-entropy loss reads the outputs as probabilities and "
           "clips them into (0, 1); a linear (or ReLU, tanh) output is not one, so the loss and "
           "its gradients are wrong and training stalls or produces NaN.")
    fix = ("Give the last layer activation='softmax' (several classes) or 'sigmoid' (binary), "
           "or keep it linear and compile with the loss object and from_logits=True, e.g. "
           "keras.losses.SparseCategoricalCrossentropy(from_logits=True).")

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        head, loss = analysis.head, analysis.loss
        if head is None or loss is None or loss.kind not in kc.CROSS_ENTROPY_KINDS:
            return
        if not loss.from_logits and head.activation not in kl.PROBABILITY_OUTPUTS:
            yield self.finding(
                f"The output layer '{head.activation_layer.name}' has activation "
                f"'{head.activation}' but the loss {loss.name} expects probabilities "
                "(from_logits=False).", _describe(head, loss))


class FromLogitsOnProbabilities(KerasCheck):
    code = "K405"
    title = "from_logits=True on softmax / sigmoid outputs"
    why = ("from_logits=True tells the loss to apply softmax / sigmoid itself; applied to outputs "
           "that already went through one, the squashing happens twice, the loss can never reach "
           "0 and gradients are weakened.")
    fix = "Remove the last activation (make it linear), or compile with from_logits=False."

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        head, loss = analysis.head, analysis.loss
        if head is None or loss is None or loss.kind not in kc.CROSS_ENTROPY_KINDS:
            return
        if loss.from_logits and head.activation in kl.PROBABILITY_OUTPUTS:
            yield self.finding(
                f"The output layer '{head.activation_layer.name}' applies {head.activation} and "
                f"the loss {loss.name} is told from_logits=True.", _describe(head, loss))


class SoftmaxWithBinaryLoss(KerasCheck):
    code = "K406"
    title = "Softmax output with a binary cross-entropy"
    why = ("Binary cross-entropy scores every output unit as an independent yes / no; softmax "
           "makes the units compete (they sum to 1), so multi-label targets cannot be reached "
           "and single-label ones want categorical cross-entropy.")
    fix = ("One label per sample: keep softmax and use categorical (one-hot labels) or sparse "
           "categorical (integer labels) cross-entropy. Several labels per sample: use sigmoid.")

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        head, loss = analysis.head, analysis.loss
        if head is None or loss is None or loss.kind != "binary_ce":
            return
        if head.activation == "softmax" and (head.units or 0) > 1:
            yield self.finding(f"The output layer applies softmax over {head.units} units and "
                               f"the loss is {loss.name}.", _describe(head, loss))


class SigmoidWithCategoricalLoss(KerasCheck):
    code = "K407"
    title = "Sigmoid output with a categorical cross-entropy"
    why = ("Categorical cross-entropy expects a probability distribution over the classes; "
           "independent sigmoid units do not sum to 1, so the loss rewards raising every unit.")
    fix = "Use activation='softmax' on the last layer (or binary cross-entropy for multi-label)."

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        head, loss = analysis.head, analysis.loss
        if head is None or loss is None or loss.kind not in ("categorical_ce", "sparse_ce"):
            return
        if head.activation in ("sigmoid", "hard_sigmoid") and (head.units or 0) > 1:
            yield self.finding(f"The output layer applies sigmoid over {head.units} units and "
                               f"the loss is {loss.name}.", _describe(head, loss))


class SoftmaxOnSingleUnit(KerasCheck):
    code = "K408"
    title = "Softmax on a single output unit"
    severity = "error"
    why = "Softmax over one unit always outputs 1.0, whatever the input: nothing can be learned."
    fix = ("For a binary task use Dense(1, activation='sigmoid') with binary cross-entropy, or "
           "Dense(2, activation='softmax') with sparse categorical cross-entropy.")

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        head = analysis.head
        if head is not None and head.activation == "softmax" and head.units == 1:
            yield self.finding(f"The output layer '{head.compute_layer.name}' has 1 unit and "
                               "applies softmax.", {"output_layer": head.compute_layer.name})


class OutputWidthMismatch(KerasCheck):
    code = "K409"
    title = "Output width does not match the labels"
    severity = "error"
    on_validation = True  # the validation labels meet the same loss
    why = ("The last layer needs one unit per class (or per label column); otherwise some labels "
           "are out of range, or Keras broadcasts labels against outputs and trains on nonsense "
           "without an error.")
    fix = "Set the last layer's units to the number of classes (or label columns)."

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        head, loss, labels = analysis.head, analysis.loss, analysis.labels
        if head is None or loss is None or labels is None or head.units is None:
            return
        units, problem = head.units, None
        if loss.kind == "sparse_ce":
            needed = int(labels.maximum) + 1
            if labels.kind == "integer" and units < needed:
                problem = (f"labels go up to {int(labels.maximum)} ({needed} classes) but the "
                           f"output has {units} unit{'s' if units != 1 else ''}")
        elif len(labels.shape) > 2 or analysis.labels_per_position:
            return  # sequence / image labels: widths are not comparable this simply
        elif loss.kind == "categorical_ce" and units == 1:
            problem = ("categorical cross-entropy over a single output unit is always 0; the "
                       "model cannot learn")
        elif loss.kind == "categorical_ce" and labels.width > 1 and labels.width != units:
            problem = f"labels have {labels.width} columns but the output has {units} units"
        elif loss.kind in ("binary_ce", "regression") and labels.width != units:
            # integer labels above 1 with a binary loss are K410's business, not a width issue
            if labels.width > 1 or loss.kind == "regression" or labels.maximum <= 1:
                problem = (f"labels have {labels.width} column{'s' if labels.width != 1 else ''}"
                           f" but the output has {units} units")
        if problem:
            yield self.finding(f"Output layer '{head.compute_layer.name}': {problem}.",
                               {**_describe(head, loss), "label_shape": list(labels.shape),
                                "label_max": labels.maximum})


class LabelsIncompatibleWithLoss(KerasCheck):
    code = "K410"
    title = "Labels do not fit the loss"
    severity = "error"
    on_validation = True  # the validation labels meet the same loss
    why = ("Each cross-entropy reads labels one way: sparse categorical wants integer class ids, "
           "categorical wants one-hot rows, binary wants values in [0, 1]. Other labels raise a "
           "shape error mid-fit or, worse, broadcast silently and train on nonsense.")

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        loss, labels, head = analysis.loss, analysis.labels, analysis.head
        if loss is None or labels is None or loss.kind not in kc.CROSS_ENTROPY_KINDS:
            return
        evidence = {"loss": loss.name, "label_kind": labels.kind, "label_shape": list(labels.shape),
                    "label_min": labels.minimum, "label_max": labels.maximum}
        rows = labels.kind in ("onehot", "multilabel", "probabilities")
        if loss.kind == "sparse_ce" and rows and not analysis.labels_per_position:
            yield self.finding(
                f"The labels are {labels.kind} rows of width {labels.width} but {loss.name} "
                "expects integer class ids.", evidence,
                fix="Use categorical_crossentropy for one-hot labels, or pass "
                    "y.argmax(axis=1) with sparse_categorical_crossentropy.")
        elif loss.kind == "sparse_ce" and labels.kind == "continuous":
            yield self.finding(
                f"The labels are not class ids (min {labels.minimum:g}, max {labels.maximum:g})"
                f" but {loss.name} expects integers from 0 to n_classes - 1.", evidence,
                fix="Encode the classes as integers 0 … n-1 (sklearn LabelEncoder).")
        elif (loss.kind == "categorical_ce" and labels.kind == "integer"
              and (labels.width == 1 or analysis.labels_per_position)
              and head is not None and (head.units or 0) > 1):
            yield self.finding(
                f"The labels are integer class ids (shape {labels.shape}) but {loss.name} "
                "expects one-hot rows.", evidence,
                fix="Use sparse_categorical_crossentropy, or one-hot encode the labels with "
                    "keras.utils.to_categorical(y).")
        elif loss.kind == "binary_ce" and (labels.minimum < 0 or labels.maximum > 1):
            classes = (f" and have {labels.n_distinct} classes" if labels.kind == "integer"
                       and (labels.n_distinct or 0) > 2 else "")
            yield self.finding(
                f"The labels range from {labels.minimum:g} to {labels.maximum:g}{classes}, but "
                f"{loss.name} needs labels in [0, 1].", evidence,
                fix="Binary labels must be 0 / 1. For several classes use softmax with "
                    "sparse_categorical_crossentropy.")


class LabelRangeOutsideOutput(KerasCheck):
    code = "K411"
    title = "Labels outside the output activation's range"
    severity = "error"
    on_validation = True  # the validation labels meet the same loss
    why = ("A bounded output activation can never produce targets outside its range (sigmoid "
           "[0, 1], tanh [-1, 1], ReLU ≥ 0): the loss cannot reach its minimum and gradients "
           "saturate at the bound.")
    fix = ("Scale the targets into the activation's range (e.g. MinMaxScaler), or use a linear "
           "output for unbounded regression targets.")

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        head, loss, labels = analysis.head, analysis.loss, analysis.labels
        if head is None or loss is None or labels is None or loss.kind != "regression":
            return
        bounds = kl.ACTIVATION_RANGES.get(head.activation)
        if bounds is None:
            return
        low, high = bounds
        tolerance = 1e-6 * max(1.0, abs(labels.minimum), abs(labels.maximum))
        if labels.minimum < low - tolerance or labels.maximum > high + tolerance:
            shown = f"[{low:g}, {high:g}]" if math.isfinite(high) else f"≥ {low:g}"
            yield self.finding(
                f"The labels range from {labels.minimum:g} to {labels.maximum:g}, but the output "
                f"layer's {head.activation} only produces values in {shown}.",
                {**_describe(head, loss), "label_min": labels.minimum, "label_max": labels.maximum})
