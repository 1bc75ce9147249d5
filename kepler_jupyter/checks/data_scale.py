"""K306 / K307 / K313: inputs a neural network sees unscaled (raw pixels, features on wild
scales) or not as floats.

Neural networks train well when every input feature is of order one. These checks look at a
row sample and stay silent on data that is standardised, scaled to [0, 1] or [-1, 1], one-hot
or binary, and on models that scale their own inputs (a Rescaling or Normalization layer).
scikit-learn's scale-sensitive estimators have their own check (K320, ``sklearn.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.measure.column_stats import ColumnStats, column_stats
from kepler_jupyter.checks.measure.data_stats import is_dataframe, split_inputs
from kepler_jupyter.models.keras_layers import normalises_inputs as keras_normalises_inputs


def looks_like_raw_pixels(subject: CheckSubject, name: str) -> bool:
    """Whether input ``name`` holds 8-bit pixel values (0–255) that were never scaled."""
    for stats in column_stats(subject):
        if stats.name == name:
            return _raw_pixels(stats)
    return False


def _raw_pixels(stats: ColumnStats) -> bool:
    if stats.n_features == 0 or stats.non_numeric:
        return False
    low, high = float(np.nanmin(stats.minimum)), float(np.nanmax(stats.maximum))
    if not (low >= 0 and 2 < high <= 255):
        return False
    image_shaped = stats.ndim >= 3 or stats.dtype == "uint8"
    # flattened images: many columns of whole numbers sharing the 0–255 range
    flattened = stats.n_features >= 64 and bool(stats.integral.all()) and high > 100
    return image_shaped or flattened


class RawPixelValues(Check):
    code = "K306"
    title = "Inputs look like raw 0–255 pixel values"
    severity = "warning"
    stage = "data"
    frameworks = ("keras",)
    on_validation = True
    why = ("Pixel values up to 255 make the first layer's pre-activations hundreds of times "
           "larger than the initialisation expects: activations saturate, gradients explode or "
           "the optimiser needs a tiny learning rate, and training is slow or fails.")
    fix = ("Scale to [0, 1] before the fit (`X = X.astype('float32') / 255`) or put "
           "`keras.layers.Rescaling(1/255)` first in the model.")

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if keras_normalises_inputs(subject.model):
            return
        for stats in column_stats(subject):
            if _raw_pixels(stats):
                yield self.finding(
                    f"input {stats.name} ({stats.dtype}, {stats.ndim}-D) ranges from "
                    f"{np.nanmin(stats.minimum):g} to {np.nanmax(stats.maximum):g} on a sample of "
                    f"{len(stats.sample_rows):,} samples: unscaled pixel values.",
                    evidence={"input": stats.name, "min": float(np.nanmin(stats.minimum)),
                              "max": float(np.nanmax(stats.maximum)), "dtype": stats.dtype},
                )


class UnscaledFeatures(Check):
    code = "K307"
    title = "Input features are not normalised"
    severity = "warning"
    stage = "data"
    frameworks = ("keras",)
    why = ("Features with large values or with scales thousands of times apart make the loss "
           "surface badly conditioned: one learning rate is too big for some weights and too "
           "small for others, so training is slow, unstable or stuck.")
    fix = ("Standardise the features (fit `StandardScaler` on the training data, or put a "
           "`keras.layers.Normalization()` layer first and call its `adapt(X_train)`).")
    defaults = {"max_magnitude": 50.0, "max_scale_ratio": 100.0}
    on_validation = True

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if keras_normalises_inputs(subject.model):
            return
        for stats in column_stats(subject):
            if _raw_pixels(stats):
                continue  # K306 says it better
            informative = np.flatnonzero(stats.informative)
            if len(informative) == 0:
                continue
            magnitude = np.maximum(np.abs(stats.mean), stats.std)[informative]
            spread = stats.std[informative]
            largest, smallest = int(np.argmax(magnitude)), int(np.argmin(spread))
            ratio = float(spread.max() / spread.min()) if spread.min() > 0 else float("inf")
            too_big = magnitude[largest] > self.options["max_magnitude"]
            too_apart = len(informative) > 1 and ratio > self.options["max_scale_ratio"]
            if not (too_big or too_apart):
                continue
            big = stats.columns[informative[largest]]
            small = stats.columns[informative[smallest]]
            what = "feature" if stats.ndim == 2 else "channel"
            parts = []
            if too_big:
                parts.append(f"{what} {big} has mean {stats.mean[informative[largest]]:.4g} and "
                             f"standard deviation {stats.std[informative[largest]]:.4g}")
            if too_apart:
                widest = stats.columns[informative[int(np.argmax(spread))]]
                parts.append(f"standard deviations range from {spread.min():.3g} ({what} {small}) "
                             f"to {spread.max():.3g} ({what} {widest}), a ratio of {ratio:,.0f}")
            yield self.finding(
                f"input {stats.name}: " + "; ".join(parts) + f" (sample of {len(stats.sample_rows):,} rows).",
                evidence={"input": stats.name, "largest_magnitude": float(magnitude[largest]),
                          "largest_feature": big, "scale_ratio": ratio,
                          "smallest_scale_feature": small},
            )


class NonFloatInputs(Check):
    code = "K313"
    title = "Inputs are not floating point"
    severity = "warning"
    stage = "data"
    frameworks = ("keras",)
    on_validation = True
    why = ("Keras layers compute in floats: integer inputs are cast silently, which hides "
           "unscaled values (counts, ids, raw codes), and strings or objects cannot be cast at all.")
    fix = ("Convert and scale explicitly (`X.astype('float32') / scale`, a Normalization layer), "
           "encode categories (one-hot, an Embedding layer with `keras.Input(dtype='int32')`), "
           "or vectorise text with a TextVectorization layer.")

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if keras_normalises_inputs(subject.model) or _keras_expects_integers(subject.model):
            return
        for name, array in split_inputs(subject).train:
            kinds = _dtype_kinds(array)
            if "O" in kinds or "U" in kinds or "S" in kinds:
                yield self.finding(
                    f"input {name} holds {_describe_dtypes(array)}: Keras cannot turn these into "
                    "numbers.", evidence={"input": name, "dtypes": _describe_dtypes(array)},
                    severity="error")
            elif kinds & set("iu") and not looks_like_raw_pixels(subject, name):
                yield self.finding(
                    f"input {name} is {_describe_dtypes(array)}; Keras will cast it to float32.",
                    evidence={"input": name, "dtypes": _describe_dtypes(array)})
            elif kinds == {"b"}:
                yield self.finding(
                    f"input {name} is boolean; Keras will cast it to 0.0 / 1.0.",
                    evidence={"input": name, "dtypes": "bool"}, severity="info")


def _dtype_kinds(array: Any) -> set[str]:
    if is_dataframe(array):
        return {"O" if str(d) in ("category", "str", "string") else d.kind for d in array.dtypes}
    return {np.asarray(array[:1]).dtype.kind}


def _describe_dtypes(array: Any) -> str:
    if is_dataframe(array):
        return "columns of dtypes " + ", ".join(sorted({str(d) for d in array.dtypes}))
    return f"of dtype {np.asarray(array[:1]).dtype}"


def _keras_expects_integers(model: Any) -> bool:
    for tensor in getattr(model, "inputs", None) or []:
        if "int" in str(getattr(tensor, "dtype", "")) or "string" in str(getattr(tensor, "dtype", "")):
            return True
    return False


CHECKS = [RawPixelValues, UnscaledFeatures, NonFloatInputs]
