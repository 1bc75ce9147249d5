"""What a Keras layer is: its kind, the activation it applies, its width, its role.

The one place kepler reads Keras layers, for the record (``keras_model``) and for the checks.
Everything here works on unbuilt models too (a ``Sequential`` without an ``Input`` before its
first fit) because it reads layer attributes and configs only. Nothing here creates layers,
weights or initialisers: creating them draws from Python's global ``random`` state in Keras 3,
which would change the user's own (seeded) initialisation. Layer classes are recognised by
the names in their MRO, so this module never imports Keras itself.
"""

from __future__ import annotations

import math
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
#: output ranges of bounded activations, for labels that must lie inside them
ACTIVATION_RANGES = {
    "sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0),
    "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0), "hard_tanh": (-1.0, 1.0),
    "relu": (0.0, math.inf), "softplus": (0.0, math.inf), "exponential": (0.0, math.inf),
    "relu6": (0.0, 6.0), "elu": (-1.0, math.inf), "selu": (-1.7581, math.inf),
}
#: layers that act only while training: they lower the training score Keras reports (measured
#: with them on) but not the validation score (measured with them off)
TRAINING_ONLY_LAYERS = frozenset({
    "GaussianNoise", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
    "RandomCrop", "RandomContrast", "RandomBrightness", "ActivityRegularization",
}) | DROPOUT_LAYERS
#: layers that scale or encode the raw inputs themselves
INPUT_SCALING_LAYERS = frozenset({
    "Rescaling", "Normalization", "LayerNormalization", "BatchNormalization", "Embedding",
    "TextVectorization", "StringLookup", "IntegerLookup", "Hashing", "CategoryEncoding",
    "Discretization",
})
#: layers that may come before the scaling one without changing the values' scale
SCALE_PRESERVING_LAYERS = frozenset({
    "InputLayer", "Resizing", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
    "RandomCrop", "RandomContrast", "Reshape", "Flatten", "Permute", "Cropping2D",
    "ZeroPadding2D", "Masking",
})

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


def activation_function_name(activation: Any) -> str | None:
    """The name of an activation as a layer holds it (a function, a string or a callable
    object); ``None`` when the layer holds none. The record's ``layers[].activation``."""
    if activation is None:
        return None
    if isinstance(activation, str):
        return activation
    name = getattr(activation, "__name__", None)
    return name if name else type(activation).__name__


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
        name = activation_function_name(getattr(layer, "activation", None)) or "linear"
        return {"swish": "silu"}.get(name, name)
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


def flat_layers(model: Any, depth: int = 0) -> list[Any]:
    """The model's layers with nested Sequential / functional models opened (4 levels deep)."""
    out: list[Any] = []
    for layer in getattr(model, "layers", []) or []:
        if depth < 4 and getattr(layer, "layers", None):
            out.extend(flat_layers(layer, depth + 1))
        else:
            out.append(layer)
    return out


def normalises_inputs(model: Any) -> bool:
    """Whether a Keras model scales its own inputs (Rescaling, Normalization, a first
    BatchNorm, an embedding or a lookup) before anything that depends on their scale."""
    for layer in flat_layers(model):
        name = type(layer).__name__
        if name in INPUT_SCALING_LAYERS:
            return True
        if name not in SCALE_PRESERVING_LAYERS:
            return False
    return False


def training_only_regularisation(model: Any) -> list[str]:
    """Names of the layers that regularise only in training: dropout, noise, augmentation and
    weight penalties (``kernel_regularizer`` adds its penalty to the training loss only)."""
    names = []
    for layer in flat_layers(model):
        if mro_names(layer) & TRAINING_ONLY_LAYERS or any(
                getattr(layer, attr, None) is not None
                for attr in ("kernel_regularizer", "bias_regularizer", "activity_regularizer")):
            names.append(str(getattr(layer, "name", type(layer).__name__)))
    return names
