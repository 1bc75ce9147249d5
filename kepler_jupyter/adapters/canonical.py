"""Canonical forms of model descriptions and training settings, the input of their fingerprints.

Knows the shapes of Keras configs (layer names, graph references, dtype policies) and of
scikit-learn parameters, and which settings cannot change a trained model, so that
``kepler_jupyter.fingerprint`` can hash what matters and nothing else. The rules are listed
in that module's docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: parameters that never change what a model learns
NOISE_PARAMS = frozenset(
    {"verbose", "n_jobs", "pre_dispatch", "memory", "copy", "copy_X", "verbose_feature_names_out"}
)
#: seeds: part of the settings, not of the architecture
SEED_KEYS = frozenset({"seed", "random_state"})
_DERIVED_KEYS = frozenset({"registered_name", "build_config", "build_input_shape"})
_NAME_REFERENCE_KEYS = frozenset(
    {"keras_history", "input_layers", "output_layers", "inbound_nodes"}
)
#: callbacks that only observe, log or save: they cannot change the trained weights
LOGGING_CALLBACKS = frozenset(
    {
        "History",
        "ProgbarLogger",
        "TensorBoard",
        "CSVLogger",
        "ModelCheckpoint",
        "BackupAndRestore",
        "RemoteMonitor",
        "TerminateOnNaN",
        "TqdmCallback",
        "WandbCallback",
        "WandbMetricsLogger",
        "WandbModelCheckpoint",
        "MLflowCallback",
        "KeplerEpochRecorder",
    }
)
_LOGGING_MODULES = (
    "kepler_jupyter",
    "wandb",
    "mlflow",
    "tqdm",
    "neptune",
    "comet_ml",
    "clearml",
    "aim",
)
_SETTINGS_NOT_AFFECTING = frozenset(
    {"metrics", "callbacks", "verbose", "validation_freq", "validation_batch_size"}
)


def canonical_architecture(description: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a ``describe_model`` result that defines the architecture, names removed."""
    names: dict[str, str] = {}
    config = description.get("config")
    _number_layer_names(config, names)
    module = str(description.get("module") or "")
    # the layer summary is left out: it repeats the config and changes once a model is fitted
    # (shapes, sizes, fitted sub-estimators), which would hide a repeated run on the same object
    return {
        "class": description.get("class"),
        "package": module.split(".")[0],
        "config": _canonical(config, names),
        "code": description.get("code_fingerprint"),
    }


def canonical_settings(params: Mapping[str, Any]) -> dict[str, Any]:
    """The training settings that can change the result (see the module docstring)."""
    settings: dict[str, Any] = {}
    for key, value in params.items():
        if key in _SETTINGS_NOT_AFFECTING:
            continue
        if key == "callback_settings":
            value = [entry for entry in value or [] if not _is_logging_callback(entry)]
        elif key == "optimizer_config" and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k != "name"}  # a label, not a setting
        elif key == "estimator_params" and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k.rsplit("__", 1)[-1] not in NOISE_PARAMS}
        elif key == "fit_kwargs" and isinstance(value, Mapping):
            # a fit argument passed as None is the same as one not passed; the adapter drops
            # those (and arguments at their default) already, this keeps any other path honest
            value = {k: v for k, v in value.items()
                     if v is not None and k.rsplit("__", 1)[-1] not in NOISE_PARAMS}
        settings[key] = value
    return settings


def _is_logging_callback(entry: Any) -> bool:
    if not isinstance(entry, Mapping):
        return False
    module = str(entry.get("module") or "")
    return entry.get("class") in LOGGING_CALLBACKS or module.startswith(_LOGGING_MODULES)


def _number_layer_names(config: Any, names: dict[str, str]) -> None:
    """Give every layer (nested models included) a positional name, in config order."""
    if isinstance(config, Mapping):
        layers = config.get("layers")
        if isinstance(layers, list):
            for layer in layers:
                if isinstance(layer, Mapping):
                    inner = layer.get("config")
                    name = layer.get("name") or (
                        inner.get("name") if isinstance(inner, Mapping) else None
                    )
                    if isinstance(name, str) and name not in names:
                        names[name] = f"layer{len(names)}"
        for value in config.values():
            _number_layer_names(value, names)
    elif isinstance(config, list):
        for value in config:
            _number_layer_names(value, names)


def _canonical(value: Any, names: dict[str, str], in_references: bool = False) -> Any:
    if isinstance(value, Mapping):
        class_name = value.get("class_name")
        inner = value.get("config")
        if (
            isinstance(class_name, str)
            and class_name.endswith("DTypePolicy")
            and isinstance(inner, Mapping)
        ):
            return inner.get("name")  # only the dtype itself matters
        result = {}
        for key, item in value.items():
            if key in _DERIVED_KEYS or key in SEED_KEYS or key in NOISE_PARAMS:
                continue
            if key == "name":
                if isinstance(item, str) and item in names:
                    result[key] = names[item]
                continue  # model, metric and other labels: not architecture
            result[key] = _canonical(item, names, in_references or key in _NAME_REFERENCE_KEYS)
        return result
    if isinstance(value, list):
        return [_canonical(item, names, in_references) for item in value]
    if in_references and isinstance(value, str):
        return names.get(value, value)
    return value
