"""Symptom → cause: what a training-time finding most probably comes from.

A training symptom ("loss not decreasing", "gradients vanish", "initial loss far from chance")
says what is wrong, not why. Most causes are visible before training, so when a K5xx finding
fires, ``diagnose`` ranks the causes that the pre-fit facts support — the way DeepDiagnosis maps
symptoms to root causes — and puts the top ones, each with its evidence and a concrete fix, into
the finding. A bare symptom is left only when no cause is plausible, and the finding says so.

Two kinds of evidence count: the pre-fit findings of the same fit (K3xx data, K4xx loss and
output, K1xx settings, K2xx initialisation) and a few facts read again here, so that a cause is
named even when its pre-fit check was ignored or stayed under its warning threshold (learning
rate vs optimizer and target scale, output range vs targets, saturating hidden stacks).
Everything here is best effort: a fact that cannot be read is simply absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from kepler_jupyter.checks.base import Finding
from kepler_jupyter.checks.settings import DEFAULT_RANGE, LEARNING_RATE_RANGES
from kepler_jupyter.models.keras_layers import ACTIVATION_RANGES, SATURATING

if TYPE_CHECKING:
    from kepler_jupyter.run.context import FitContext

#: rows read from the training data to judge input and target scale (enough for max / std)
SAMPLE_ROWS = 2000
@dataclass
class Facts:
    """What kepler knows before training that can explain a training symptom."""

    prefit: dict[str, Finding] = field(default_factory=dict)
    optimizer: str | None = None
    learning_rate: float | None = None
    loss_kind: str | None = None  # see models.keras_compile.LossInfo.kind
    head: str | None = None  # the output activation
    saturating_hidden: list[str] = field(default_factory=list)  # names of hidden layers
    normalises_inputs: bool = False
    input_absmax: float | None = None
    target_min: float | None = None
    target_max: float | None = None
    target_std: float | None = None
    target_is_integer: bool = False
    batch_size: int | None = None


@dataclass
class Cause:
    name: str
    evidence: str
    fix: str
    codes: list[str] = field(default_factory=list)  # the pre-fit findings it rests on


def _found(facts: Facts, *codes: str) -> list[Finding]:
    return [facts.prefit[code] for code in codes if code in facts.prefit]


def _from_findings(facts: Facts, name: str, codes: tuple[str, ...], fix: str) -> Cause | None:
    found = _found(facts, *codes)
    if not found:
        return None
    return Cause(name, "; ".join(f"{f.code} {f.message}" for f in found),
                 found[0].fix or fix, [f.code for f in found])


def _lr_side(facts: Facts) -> tuple[str, float, float] | None:
    if facts.learning_rate is None or not facts.optimizer:
        return None
    low, high = LEARNING_RATE_RANGES.get(facts.optimizer, DEFAULT_RANGE)
    if facts.learning_rate > high:
        return "above", low, high
    if facts.learning_rate < low:
        return "below", low, high
    return None


def _lr_off(facts: Facts, wanted: str) -> Cause | None:
    """The learning rate outside its optimizer's usual range on the ``wanted`` side."""
    side, rate = _lr_side(facts), facts.learning_rate
    if side is None or side[0] != wanted or rate is None:  # a side implies a rate
        return None
    high = wanted == "above"
    fix = (f"lower it to {rate / 10:g} or less (÷10), or add clipnorm=1.0" if high
           else f"raise it to {rate * 10:g} (×10) or more")
    return Cause(f"learning rate too {'high' if high else 'low'}",
                 f"{facts.optimizer} learning rate {rate:g} is {wanted} the usual "
                 f"{side[1]:g}–{side[2]:g}", fix, [f.code for f in _found(facts, "K101")])


def _lr_high(facts: Facts) -> Cause | None:
    return _lr_off(facts, "above")


def _lr_low(facts: Facts) -> Cause | None:
    return _lr_off(facts, "below")


def _target_scale(facts: Facts) -> Cause | None:
    """A learning rate fine for the optimizer can still be far too large for the loss: with a
    squared error the gradients grow with the targets' scale. K107's finding, when it fired, is
    the evidence; otherwise the targets' spread read here."""
    found = _from_findings(facts, "targets on a large scale for the learning rate", ("K107",),
                           "standardise the targets (TransformedTargetRegressor)")
    if found is not None:
        return found
    if facts.loss_kind != "regression" or facts.target_std is None or facts.target_std < 100:
        return None
    rate = f" with learning rate {facts.learning_rate:g}" if facts.learning_rate else ""
    return Cause("targets on a large scale for the learning rate",
                 f"the regression targets have std {facts.target_std:.3g}{rate}: the loss and "
                 "its gradients scale with them",
                 "standardise the targets (y - mean) / std and invert it on predictions "
                 "(sklearn's TransformedTargetRegressor does both), or lower the learning rate")


def _unscaled_inputs(facts: Facts) -> Cause | None:
    cause = _from_findings(facts, "unscaled inputs", ("K306", "K307", "K317"),
                           "scale the inputs (÷255 or a Rescaling / Normalization layer)")
    if cause is not None:
        return cause
    if facts.normalises_inputs or facts.input_absmax is None or facts.input_absmax <= 20:
        return None
    return Cause("unscaled inputs", f"inputs reach |x| = {facts.input_absmax:.4g} and the model "
                 "has no Rescaling / Normalization layer in front",
                 "standardise the inputs, or add keras.layers.Normalization (adapted on the "
                 "training data) or Rescaling(1/255) as the first layer")


def _loss_output(facts: Facts) -> Cause | None:
    cause = _from_findings(facts, "loss does not match the output or labels",
                           ("K404", "K405", "K406", "K407", "K408", "K409", "K410", "K411", "K512"),
                           "pick the loss that matches the output activation and label format")
    if cause is not None:
        return cause
    classes = facts.target_is_integer and facts.target_min is not None and facts.target_min >= 0
    if facts.loss_kind == "regression" and facts.head in ("softmax", "sigmoid") and classes:
        return Cause("regression loss on class labels",
                     f"a squared / absolute error on a {facts.head} output for integer class "
                     "labels: its gradient through the saturating output is tiny",
                     "use sparse_categorical_crossentropy (integer labels) or "
                     "binary_crossentropy (0/1 labels)")
    crossentropy = facts.loss_kind in ("binary_ce", "categorical_ce", "sparse_ce")
    if crossentropy and not facts.target_is_integer and facts.target_max is not None \
            and facts.target_max > 1:
        return Cause("cross-entropy on continuous targets",
                     f"a cross-entropy loss on continuous targets up to {facts.target_max:.4g}",
                     "use a regression loss (mse / mae / huber) with a linear output")
    return None


def _output_range(facts: Facts) -> Cause | None:
    found = _from_findings(facts, "targets outside the output's range", ("K411",),
                           "use a linear output or rescale the targets")
    if found is not None:
        return found
    if facts.loss_kind != "regression" or facts.head not in ACTIVATION_RANGES \
            or facts.target_min is None or facts.target_max is None:
        return None
    low, high = ACTIVATION_RANGES[facts.head]
    if facts.target_min >= low - 1e-6 and facts.target_max <= high + 1e-6:
        return None
    return Cause("output cannot reach the targets",
                 f"a {facts.head} output gives {low:g}…{high:g} but the targets span "
                 f"{facts.target_min:.4g}…{facts.target_max:.4g}",
                 "use a linear output layer for regression, or scale the targets into the "
                 "output's range")


def _saturating_stack(facts: Facts) -> Cause | None:
    if len(facts.saturating_hidden) >= 2 and facts.head in SATURATING | {"softmax"}:
        return Cause("saturating hidden stack in front of a saturating head",
                     f"{len(facts.saturating_hidden)} sigmoid / tanh hidden layers "
                     f"({', '.join(facts.saturating_hidden[:4])}) feed a {facts.head} output: "
                     "each multiplies the gradient by at most 0.25–1",
                     "use relu (or gelu) hidden layers with he_normal initialisation, or add "
                     "BatchNormalization between them", [f.code for f in _found(facts, "K401")])
    return _from_findings(facts, "saturating hidden stack", ("K401",),
                          "use relu hidden layers with he_normal initialisation")


def _bad_init(facts: Facts) -> Cause | None:
    return _from_findings(facts, "initialisation", ("K201", "K202"),
                          "use the default glorot_uniform / he_normal initialisers")


def _bad_data(facts: Facts) -> Cause | None:
    return _from_findings(facts, "NaN or infinite values in the data", ("K301", "K302"),
                          "drop or impute the NaN / inf rows before training")


def _small_batch(facts: Facts) -> Cause | None:
    cause = _from_findings(facts, "very small batches", ("K102",), "use batches of 32–256")
    if cause is None and facts.batch_size is not None and facts.batch_size <= 8:
        cause = Cause("very small batches", f"batch_size={facts.batch_size} gives noisy updates",
                      "use batches of 32–256, or lower the learning rate with small batches")
    return cause


def _data_order(facts: Facts) -> Cause | None:
    return _from_findings(facts, "ordered data", ("K106", "K310", "K314"),
                          "shuffle the training data")


def _leakage(facts: Facts) -> Cause | None:
    return _from_findings(facts, "the answer leaks into the inputs", ("K316", "K305"),
                          "remove the leaked feature or the overlapping samples")


Probe = Callable[[Facts], "Cause | None"]
#: for each symptom, the causes worth considering and how strongly each explains it
SYMPTOM_CAUSES: dict[str, list[tuple[Probe, float]]] = {
    "K501": [(_bad_data, 1.0), (_lr_high, 0.8), (_target_scale, 0.75), (_unscaled_inputs, 0.6),
             (_bad_init, 0.5), (_loss_output, 0.4)],
    "K502": [(_lr_high, 1.0), (_target_scale, 0.9), (_unscaled_inputs, 0.7), (_bad_init, 0.5),
             (_small_batch, 0.3)],
    "K503": [(_loss_output, 1.0), (_output_range, 0.9), (_saturating_stack, 0.8), (_lr_low, 0.8),
             (_bad_init, 0.6), (_unscaled_inputs, 0.5), (_lr_high, 0.4), (_data_order, 0.3)],
    "K504": [(_unscaled_inputs, 1.0), (_leakage, 0.9), (_bad_init, 0.8), (_loss_output, 0.7),
             (_output_range, 0.5)],
    "K505": [(_saturating_stack, 1.0), (_bad_init, 0.7), (_unscaled_inputs, 0.4), (_lr_low, 0.3)],
    "K506": [(_lr_high, 1.0), (_unscaled_inputs, 0.8), (_target_scale, 0.8), (_bad_init, 0.6)],
    "K507": [(_lr_high, 0.9), (_unscaled_inputs, 0.7), (_bad_init, 0.6)],
    "K508": [(_unscaled_inputs, 1.0), (_bad_init, 0.8), (_saturating_stack, 0.6)],
    "K509": [(_lr_low, 1.0), (_bad_init, 0.6), (_loss_output, 0.4)],
    "K510": [(_lr_high, 1.0), (_small_batch, 0.7), (_data_order, 0.5), (_target_scale, 0.5)],
    "K512": [(_loss_output, 1.0), (_output_range, 0.5)],
}
MAX_CAUSES = 2


def rank_causes(code: str, facts: Facts) -> list[tuple[float, Cause]]:
    """The causes the facts support for symptom ``code``, most probable first."""
    ranked: list[tuple[float, Cause]] = []
    seen: set[str] = set()
    for probe, weight in SYMPTOM_CAUSES.get(code, []):
        try:
            cause = probe(facts)
        except Exception:  # a fact of an unexpected type: that cause is simply not named
            cause = None
        if cause is None or cause.name in seen:
            continue
        seen.add(cause.name)
        # a cause that a pre-fit check also raised rests on two readings: rank it first
        ranked.append((weight + (0.25 if cause.codes else 0.0), cause))
    ranked.sort(key=lambda item: -item[0])
    return ranked


def diagnose(finding: Finding, facts: Facts) -> Finding:
    """The finding with its probable causes named (message, fix and ``evidence['causes']``);
    symptoms outside ``SYMPTOM_CAUSES`` come back unchanged."""
    if finding.code not in SYMPTOM_CAUSES:
        return finding
    ranked = rank_causes(finding.code, facts)[:MAX_CAUSES]
    evidence = dict(finding.evidence)
    evidence["causes"] = [{"cause": c.name, "evidence": c.evidence, "fix": c.fix,
                           "findings": c.codes} for _, c in ranked]
    if not ranked:
        message = (f"{finding.message} No cause stands out in what kepler read before training "
                   "(learning rate, loss and output, inputs and targets, initialisation, "
                   "activations, batch size, data order): the symptom alone is reported.")
        return replace(finding, message=message, evidence=evidence)
    top = ranked[0][1]
    message = f"{finding.message} Probable cause: {top.name} ({_clip(top.evidence)})."
    if len(ranked) > 1:
        message += f" Also possible: {ranked[1][1].name} ({_clip(ranked[1][1].evidence)})."
    fix = top.fix.strip().rstrip(".")
    return replace(finding, message=message, fix=f"{fix[:1].upper()}{fix[1:]}.", evidence=evidence)


def _clip(text: str, limit: int = 200) -> str:
    """Evidence as a short clause inside the message (the full text is in the evidence)."""
    text = text.strip().rstrip(".")
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# -- reading the facts ----------------------------------------------------------------------


def _numeric_sample(values: Any) -> np.ndarray | None:
    """At most ``SAMPLE_ROWS`` rows of an array-like as float64, or None (streams, dicts,
    strings: what cannot be read cheaply is left alone)."""
    if values is None or isinstance(values, (dict, list, tuple, str)):
        return None
    to_numpy = getattr(values, "to_numpy", None)
    if callable(to_numpy) and hasattr(values, "select_dtypes"):  # a DataFrame: numbers only
        values = values.select_dtypes("number")
    if not hasattr(values, "shape") or not hasattr(values, "__getitem__"):
        return None
    try:
        array = np.asarray(values[:SAMPLE_ROWS])
        if array.dtype.kind not in "biuf" or array.size == 0:
            return None
        return array.astype("float64", copy=False)
    except Exception:
        return None


def _training_arrays(ctx: FitContext) -> tuple[np.ndarray | None, np.ndarray | None]:
    x, y = _numeric_sample(ctx.data.X), _numeric_sample(ctx.data.y)
    if x is None and y is None:
        for sample in (ctx.data.samples or {}).values():
            batches = getattr(sample, "batches", None) or []
            if batches:
                first = batches[0]
                return _numeric_sample(first[0]), _numeric_sample(first[1])
    return x, y


def keras_facts(ctx: FitContext, model: Any) -> Facts:
    """Read the facts of one Keras fit (pre-fit findings, optimizer, loss, head, data scale)."""
    from kepler_jupyter.models import keras_compile as kc
    from kepler_jupyter.models import keras_graph as kg
    from kepler_jupyter.models import keras_layers as kl

    facts = Facts(prefit={f.code: f for f in ctx.findings if f.stage != "training"})
    params = (ctx.record or {}).get("params") or {}
    facts.optimizer = params.get("optimizer") if isinstance(params.get("optimizer"), str) else None
    rate = params.get("learning_rate")
    facts.learning_rate = float(rate) if isinstance(rate, (int, float)) and rate > 0 else None
    batch = params.get("batch_size")
    facts.batch_size = batch if isinstance(batch, int) else None
    loss = kc.compiled_loss_info(model)
    facts.loss_kind = loss.kind if loss is not None else None
    head = kg.output_head(model)
    facts.head = head.activation if head is not None else None
    head_layer = head.activation_layer if head is not None else None
    facts.saturating_hidden = [layer.name for layer in kl.flat_layers(model)
                               if layer is not head_layer and layer is not getattr(
                                   head, "compute_layer", None)
                               and kl.activation_name(layer) in SATURATING]
    facts.normalises_inputs = kl.normalises_inputs(model)
    x, y = _training_arrays(ctx)
    if x is not None and np.isfinite(x).any():
        facts.input_absmax = float(np.nanmax(np.abs(x[np.isfinite(x)])))
    if y is not None:
        finite = y[np.isfinite(y)]
        if finite.size:
            facts.target_min, facts.target_max = float(finite.min()), float(finite.max())
            facts.target_std = float(finite.std())
            facts.target_is_integer = bool(np.all(finite == np.round(finite)))
    return facts
