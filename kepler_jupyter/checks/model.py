"""Pre-fit checks of a Keras model: initialisation (K2xx) and activations, outputs, losses (K4xx).

The checks read the model's layers, configs and compiled loss and the labels it will be fitted
on; they never build, call or change the model (see ``kepler_jupyter.models``). Each check yields
at most one finding that lists every layer concerned, so findings stay short and dedupe by code.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from kepler_jupyter.checks.base import CheckSubject, Finding
from kepler_jupyter.checks.keras_check import KerasCheck
from kepler_jupyter.checks.measure.model_analysis import ModelAnalysis, compute_layers, is_head

# The output / loss / label checks (K404–K411) live in their own module; importing them here
# makes ``checks.model`` the one place the registry collects every K2xx / K4xx check from.
from kepler_jupyter.checks.model_outputs import (
    CrossEntropyWithoutProbabilities,
    FromLogitsOnProbabilities,
    LabelRangeOutsideOutput,
    LabelsIncompatibleWithLoss,
    OutputWidthMismatch,
    SigmoidWithCategoricalLoss,
    SoftmaxOnSingleUnit,
    SoftmaxWithBinaryLoss,
)
from kepler_jupyter.models import keras_graph as kg
from kepler_jupyter.models import keras_layers as kl
from kepler_jupyter.models import keras_shapes as ks


def _through(graph: kg.LayerGraph, layer: Any, passable: tuple[str, ...]) -> Iterator[Any]:
    """The layers reached from ``layer`` by walking forward through ``passable`` kinds only."""
    stack, seen = list(graph.succs(layer)), set()
    while stack:
        nxt = stack.pop()
        if id(nxt) in seen:
            continue
        seen.add(id(nxt))
        if kl.layer_kind(nxt) in passable:
            stack.extend(graph.succs(nxt))
        else:
            yield nxt


def effective_activation(graph: kg.LayerGraph, layer: Any) -> str:
    """A compute layer's own activation, or the one applied by an activation layer right after
    it (``Dense -> [BatchNorm] -> Activation("tanh")``)."""
    own = kl.activation_name(layer) or "linear"
    if own != "linear":
        return own
    following = list(_through(graph, layer, ("transparent", "batchnorm")))
    if len(following) == 1 and kl.layer_kind(following[0]) == "activation":
        return kl.activation_name(following[0]) or "linear"
    return "linear"


class ModelNotCompiled(KerasCheck):
    code = "K400"
    title = "Model is not compiled"
    severity = "error"
    why = "Keras cannot fit a model before compile() has given it a loss and an optimizer."
    fix = "Call model.compile(optimizer=..., loss=..., metrics=[...]) before model.fit(...)."

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if not getattr(subject.model, "compiled", True):
            yield self.finding(f"Model '{getattr(subject.model, 'name', '?')}' has not been "
                               "compiled.")


class ConstantKernelInit(KerasCheck):
    code = "K201"
    title = "Constant or zero kernel initialisation"
    why = ("Units that start with identical weights compute the same thing and receive the same "
           "updates, so a hidden layer behaves like a single unit; zero weights before a ReLU "
           "give zero gradients and never move.")
    fix = ("Use a random initialiser (the default 'glorot_uniform', or 'he_normal' before ReLU) "
           "for the kernels of hidden layers.")
    CONSTANT = ("Zeros", "Ones", "Constant")

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        flagged = {}
        for _, layer in compute_layers(analysis):
            initialiser = type(getattr(layer, "kernel_initializer", None)).__name__
            if initialiser in self.CONSTANT and not is_head(analysis, layer):
                flagged[layer.name] = initialiser
        if flagged:
            listed = ", ".join(f"'{name}' ({init})" for name, init in flagged.items())
            yield self.finding(f"Hidden layer kernels start constant: {listed}.",
                               {"layers": flagged})


class InitialWeightScale(KerasCheck):
    code = "K202"
    title = "Initial weights far too large or too small"
    why = ("A kernel drawn with a fixed standard deviation ignores the layer's fan-in: signals "
           "grow (or shrink) by std·sqrt(fan_in) per layer and explode (or vanish) with depth.")
    fix = ("Use a fan-in-scaled initialiser ('he_normal' before ReLU, 'glorot_uniform' "
           "otherwise) instead of a fixed RandomNormal / RandomUniform scale.")
    defaults = {"max_gain": 10.0, "min_gain": 0.01}

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        flagged = {}
        for _, layer in compute_layers(analysis):
            std = _initialiser_std(getattr(layer, "kernel_initializer", None))
            fan_in = ks.fan_in(layer, analysis.input_shapes.get(id(layer)))
            if std is None or fan_in is None:
                continue
            gain = std * math.sqrt(fan_in)
            too_small = gain < self.options["min_gain"] and not is_head(analysis, layer)
            if gain > self.options["max_gain"] or too_small:
                flagged[layer.name] = {"std": std, "fan_in": fan_in, "gain": round(gain, 4)}
        if flagged:
            listed = ", ".join(f"'{n}' (std {v['std']:g}, fan-in {v['fan_in']}, "
                               f"std·sqrt(fan_in) = {v['gain']:g})" for n, v in flagged.items())
            yield self.finding(f"Kernel initial scale is far from 1/sqrt(fan_in): {listed}; "
                               "about 1 to 1.4 keeps signals stable.", {"layers": flagged})


def _initialiser_std(initialiser: Any) -> float | None:
    name = type(initialiser).__name__
    if name in ("RandomNormal", "TruncatedNormal"):
        return float(initialiser.stddev) * (0.88 if name == "TruncatedNormal" else 1.0)
    if name == "RandomUniform":
        return (float(initialiser.maxval) - float(initialiser.minval)) / math.sqrt(12)
    return None


class SaturatingHiddenStack(KerasCheck):
    code = "K401"
    title = "Sigmoid / tanh in a deep hidden stack"
    why = ("Sigmoid and tanh saturate: their gradient is at most 0.25 (sigmoid) or 1 and near 0 "
           "for large inputs, so gradients shrink layer after layer and early layers stop "
           "learning (vanishing gradients).")
    fix = ("Use 'relu' (or 'gelu', 'silu') in hidden layers, add BatchNormalization, or keep "
           "sigmoid / tanh for the output and gates only.")
    # a saturating head (sigmoid / tanh / softmax) multiplies the gradient once more, so two
    # saturating hidden layers in front of it already starve the first layer
    defaults = {"min_layers": 3, "min_layers_before_saturating_head": 2}

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        longest: list[str] = []
        feeding_head: list[str] = []
        head = analysis.head
        saturating_head = head is not None and head.activation in kl.SATURATING | {"softmax"}
        for graph in analysis.graphs:
            runs: dict[int, list[str]] = {}
            for layer in graph.layers:
                if kl.layer_kind(layer) != "compute" or is_head(analysis, layer):
                    continue
                if effective_activation(graph, layer) not in kl.SATURATING:
                    continue
                before = [runs.get(id(p), []) for p in _compute_before(graph, layer)]
                runs[id(layer)] = max(before, key=len, default=[]) + [layer.name]
                longest = max(longest, runs[id(layer)], key=len)
            if saturating_head and head is not None and head.compute_layer in graph.layers:
                into_head = [runs.get(id(p), []) for p in _compute_before(graph, head.compute_layer)]
                feeding_head = max([feeding_head, *into_head], key=len)
        if len(longest) >= self.options["min_layers"]:
            yield self.finding(f"{len(longest)} consecutive hidden layers saturate: "
                               f"{', '.join(longest)}.", {"layers": longest})
        elif head is not None and len(feeding_head) >= self.options["min_layers_before_saturating_head"]:
            yield self.finding(
                f"{len(feeding_head)} saturating hidden layers ({', '.join(feeding_head)}) feed a "
                f"{head.activation} output, which saturates too: the first layer's gradient is "
                "multiplied down at every one of them.",
                {"layers": feeding_head, "head": head.activation})


def _compute_before(graph: kg.LayerGraph, layer: Any) -> Iterator[Any]:
    """The compute layers feeding ``layer`` through activation and shape-only layers."""
    stack, seen = list(graph.preds(layer)), set()
    while stack:
        prev = stack.pop()
        if id(prev) in seen:
            continue
        seen.add(id(prev))
        kind = kl.layer_kind(prev)
        if kind == "compute":
            yield prev
        elif kind in ("transparent", "activation"):
            stack.extend(graph.preds(prev))


class MissingNonLinearity(KerasCheck):
    code = "K402"
    title = "Consecutive layers with no non-linearity between them"
    why = ("Two linear layers in a row compose into one linear map: the extra layer adds "
           "parameters and compute but no expressive power.")
    fix = ("Give the first layer an activation (activation='relu'), or remove one of the two "
           "layers.")

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        pairs = []
        for graph, layer in compute_layers(analysis):
            if effective_activation(graph, layer) != "linear":
                continue
            for nxt in _through(graph, layer, ("transparent",)):
                if kl.layer_kind(nxt) == "compute":
                    pairs.append([layer.name, nxt.name])
        if pairs:
            listed = ", ".join(f"'{a}' → '{b}'" for a, b in pairs)
            yield self.finding(f"Linear layer feeds another linear layer directly: {listed}.",
                               {"pairs": pairs})


class DoubleActivation(KerasCheck):
    code = "K403"
    title = "Two activations in a row"
    why = ("An activation layer right after a layer that already applies a non-linear "
           "activation squashes twice (e.g. relu then softmax), which distorts the outputs and "
           "their gradients.")
    fix = ("Keep one: give the layer activation=None (linear) when a separate Activation / "
           "Softmax layer follows it.")

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        pairs = []
        for graph in analysis.graphs:
            for layer in graph.layers:
                if kl.layer_kind(layer) not in ("compute", "activation") or not kl.is_nonlinear(layer):
                    continue
                for nxt in _through(graph, layer, ("transparent",)):
                    if kl.layer_kind(nxt) == "activation" and kl.is_nonlinear(nxt):
                        pairs.append([f"{layer.name} ({kl.activation_name(layer)})",
                                      f"{nxt.name} ({kl.activation_name(nxt)})"])
        if pairs:
            listed = ", ".join(f"{a} → {b}" for a, b in pairs)
            yield self.finding(f"Activation applied twice: {listed}.", {"pairs": pairs})


class HighDropout(KerasCheck):
    code = "K412"
    title = "Dropout rate above 0.5"
    why = ("Dropping more than half of the units throws away most of the signal each step; the "
           "network learns slowly and tends to underfit.")
    fix = "Use rates of 0.1–0.3 (0.5 at most, in large fully connected layers)."
    defaults = {"max_rate": 0.5}

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        flagged = {}
        for graph in analysis.graphs:
            for layer in graph.layers:
                for attribute in ("rate", "dropout", "recurrent_dropout"):
                    value = getattr(layer, attribute, None)
                    if isinstance(value, (int, float)) and value > self.options["max_rate"]:
                        if attribute == "rate" and not kl.is_dropout(layer):
                            continue
                        flagged[f"{layer.name}.{attribute}"] = float(value)
        if flagged:
            listed = ", ".join(f"{k} = {v:g}" for k, v in flagged.items())
            yield self.finding(f"High dropout: {listed}.", {"rates": flagged})


class DropoutBeforeBatchNorm(KerasCheck):
    code = "K413"
    title = "Dropout directly before BatchNormalization"
    why = ("Dropout changes the variance of its outputs between training and inference, so the "
           "statistics BatchNormalization learns in training do not hold at inference "
           "(variance shift) and accuracy drops.")
    fix = "Put BatchNormalization before Dropout, or drop the Dropout layer in that block."

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        pairs = []
        for graph in analysis.graphs:
            for layer in graph.layers:
                if not kl.is_dropout(layer):
                    continue
                for nxt in _through(graph, layer, ("transparent",)):
                    if kl.layer_kind(nxt) == "batchnorm":
                        pairs.append([layer.name, nxt.name])
        if pairs:
            listed = ", ".join(f"'{a}' → '{b}'" for a, b in pairs)
            yield self.finding(f"Dropout feeds BatchNormalization: {listed}.", {"pairs": pairs})


class ManyParameters(KerasCheck):
    code = "K414"
    title = "Far more parameters than training samples"
    severity = "info"
    why = ("A model with many more trainable parameters than training samples can memorise the "
           "training set; it needs strong regularisation, augmentation or pre-trained weights.")
    fix = ("Consider a smaller model, freezing a pre-trained base, data augmentation, dropout "
           "or weight decay, and watch the validation loss.")
    defaults = {"max_ratio": 100.0}
    works_on_sample = False  # a stream's sample is not the number of training samples

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding]:
        n_params = ks.trainable_parameters(analysis.model, analysis.input_shapes)
        if not n_params or not analysis.n_samples:
            return
        ratio = n_params / analysis.n_samples
        if ratio > self.options["max_ratio"]:
            yield self.finding(
                f"{n_params:,} trainable parameters for {analysis.n_samples:,} training samples "
                f"({ratio:,.0f} per sample).",
                {"trainable_parameters": n_params, "n_samples": analysis.n_samples,
                 "ratio": round(ratio, 1)})




#: every K2xx / K4xx check, for the registry (the output checks come from ``model_outputs``)
CHECKS = [
    ModelNotCompiled, ConstantKernelInit, InitialWeightScale, SaturatingHiddenStack,
    MissingNonLinearity, DoubleActivation, CrossEntropyWithoutProbabilities,
    FromLogitsOnProbabilities, SoftmaxWithBinaryLoss, SigmoidWithCategoricalLoss,
    SoftmaxOnSingleUnit, OutputWidthMismatch, LabelsIncompatibleWithLoss,
    LabelRangeOutsideOutput, HighDropout, DropoutBeforeBatchNorm, ManyParameters,
]
