"""Facts about the model and the fit that data checks need: weighting, wrapped estimators,
and whether a Keras model scales its own inputs. Read through attributes only (no imports of
Keras or scikit-learn).
"""

from __future__ import annotations

from typing import Any

from kepler_jupyter.checks.base import CheckSubject


def fit_is_weighted(subject: CheckSubject) -> bool:
    """Whether the fit weights samples or classes (the answer to class imbalance)."""
    if subject.sample_weight is not None or subject.fit_kwargs.get("sample_weight") is not None:
        return True
    if subject.fit_kwargs.get("class_weight"):
        return True
    params = final_estimator_params(subject.model) if subject.framework == "sklearn" else {}
    return params.get("class_weight") not in (None, {})


def final_estimator_params(model: Any) -> dict[str, Any]:
    """The ``get_params(deep=False)`` of a pipeline's or search's final estimator."""
    estimator = final_estimator(model)
    try:
        return dict(estimator.get_params(deep=False))
    except Exception:
        return {}


def final_estimator(model: Any) -> Any:
    """The estimator that does the learning inside pipelines, searches and wrappers."""
    for _ in range(10):  # bounded: wrappers nest a few levels at most
        if getattr(model, "steps", None):
            model = model.steps[-1][1]
        elif getattr(model, "regressor", None) is not None:  # TransformedTargetRegressor
            model = model.regressor
        elif getattr(model, "estimator", None) is not None and hasattr(model, "get_params"):
            model = model.estimator  # searches, OneVsRest, calibration, bagging…
        else:
            return model
    return model


def keras_normalises_inputs(model: Any) -> bool:
    """Whether a Keras model scales its own inputs (Rescaling, Normalization, a first BatchNorm)."""
    layers = _flat_layers(model)
    for layer in layers:
        name = type(layer).__name__
        if name in ("Rescaling", "Normalization", "LayerNormalization", "BatchNormalization",
                    "Embedding", "TextVectorization", "StringLookup", "IntegerLookup",
                    "Hashing", "CategoryEncoding", "Discretization"):
            return True
        if name not in ("InputLayer", "Resizing", "RandomFlip", "RandomRotation", "RandomZoom",
                        "RandomTranslation", "RandomCrop", "RandomContrast", "Reshape", "Flatten",
                        "Permute", "Cropping2D", "ZeroPadding2D", "Masking"):
            return False
    return False


def _flat_layers(model: Any, depth: int = 0) -> list[Any]:
    out: list[Any] = []
    for layer in getattr(model, "layers", []) or []:
        if depth < 4 and getattr(layer, "layers", None):  # nested Sequential / Functional
            out.extend(_flat_layers(layer, depth + 1))
        else:
            out.append(layer)
    return out


def nan_handler(model: Any) -> str | None:
    """The step of a scikit-learn set-up that deals with NaN inputs (an imputer, or an estimator
    such as HistGradientBoosting that supports missing values), or ``None``.

    Steps are walked in order: an imputer or a NaN-aware final estimator handles them; a step
    that merely lets NaN through (a scaler) passes the question on; any other step fails.
    """
    from kepler_jupyter.checks.sklearn import pipeline_steps

    steps = pipeline_steps(model)
    for position, step in enumerate(steps):
        name = type(step).__name__
        if "Imputer" in name or _branches_impute(step):
            return name
        if not _allows_nan(step):
            return None
        if position == len(steps) - 1:
            return name
    return None


def _branches_impute(step: Any) -> bool:
    """A ColumnTransformer / FeatureUnion whose every branch imputes or drops its columns."""
    branches = [entry[1] for entry in getattr(step, "transformers", None) or
                getattr(step, "transformer_list", None) or [] if isinstance(entry, tuple)]
    if not branches:
        return False

    def imputes(branch: Any) -> bool:
        if isinstance(branch, str):
            return branch == "drop"
        inner = [s for _, s in getattr(branch, "steps", None) or []] or [branch]
        return any("Imputer" in type(s).__name__ for s in inner)

    return all(imputes(branch) for branch in branches)


def _allows_nan(step: Any) -> bool:
    try:
        from sklearn.utils import get_tags

        return bool(get_tags(step).input_tags.allow_nan)
    except Exception:  # older scikit-learn or a non-estimator step
        return False
