"""Realistic journal records for the don't-repeat-yourself tests.

The records follow the journal's format 1 (docs/architecture.md) the way the adapters fill it;
their fingerprints are hashes of the same parts the real fingerprint module hashes, so two
records built from equal parts are the same experiment.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any

_ids = count(1)
_clock = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _fingerprint(model: dict, params: dict, data: dict) -> dict[str, str]:
    architecture = [{k: v for k, v in layer.items() if k != "name"} for layer in model.get("layers", [])]
    parts = {
        "model": _digest({"class": model.get("class"), "layers": architecture,
                          "config": model.get("config")}),
        "data": _digest(data.get("fingerprints")),
        "settings": _digest(params),
    }
    parts["experiment"] = _digest(parts)
    return parts


def _curve(start: float, end: float, epochs: int) -> list[float]:
    """A smooth learning curve from ``start`` that ends exactly at ``end``."""
    floor = math.exp(-3)
    return [round(end + (start - end) * (math.exp(-3 * i / max(epochs - 1, 1)) - floor) / (1 - floor), 4)
            for i in range(epochs)]


def dense_layer(units: int, activation: str, inputs: int, index: int) -> dict[str, Any]:
    return {"name": f"dense_{index}", "class": "Dense", "output_shape": [None, units],
            "n_params": inputs * units + units, "activation": activation, "units": units}


def keras_record(*, hidden: tuple[int, ...] = (64,), activation: str = "relu",
                 learning_rate: float = 1e-3, batch_size: int = 32, epochs: int = 5,
                 optimizer: str = "adam", dropout: float | None = None, data: str = "mnist-small",
                 n_samples: int = 800, status: str = "completed", final_accuracy: float = 0.9,
                 name: str | None = None, tags: tuple[str, ...] = (), hypothesis: str | None = None,
                 conclusion: str | None = None, artifacts: dict | None = None,
                 n_classes: int = 10, n_features: int = 20) -> dict[str, Any]:
    """A Keras MLP experiment as the pipeline journals it."""
    global _clock
    layers, inputs, index = [], n_features, next(_ids) * 10
    for units in hidden:
        layers.append(dense_layer(units, activation, inputs, index))
        inputs, index = units, index + 1
        if dropout:
            layers.append({"name": f"dropout_{index}", "class": "Dropout", "output_shape": [None, units],
                           "n_params": 0, "activation": None, "units": None})
    layers.append(dense_layer(n_classes, "softmax", inputs, index))
    model = {"class": "Sequential", "module": "keras.src.models.sequential", "config": {},
             "layers": layers, "n_params": sum(layer["n_params"] for layer in layers),
             "n_trainable_params": sum(layer["n_params"] for layer in layers)}
    params = {"epochs": epochs, "batch_size": batch_size, "validation_split": 0.2,
              "has_validation_data": False, "shuffle": True, "optimizer": optimizer,
              "learning_rate": learning_rate, "optimizer_config": {"beta_1": 0.9},
              "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"],
              "estimator_params": None, "fit_kwargs": {}}
    data_part = {"n_samples": n_samples, "n_features": n_features, "input_shape": [n_features],
                 "dtype": "float32", "y_dtype": "int64", "n_classes": n_classes,
                 "label_distribution": {str(c): round(1 / n_classes, 3) for c in range(n_classes)},
                 "validation": None,
                 "fingerprints": {"X": _digest([data, "X"]), "y": _digest([data, "y"]), "validation": None}}
    history = {"loss": _curve(2.3, 0.4, epochs), "accuracy": _curve(0.2, final_accuracy - 0.02, epochs),
               "val_loss": _curve(2.2, 0.5, epochs), "val_accuracy": _curve(0.2, final_accuracy, epochs)}
    _clock += timedelta(minutes=5)
    record_id = f"{next(_ids):04d}{_digest([hidden, learning_rate, data, _clock.isoformat()])[:8]}"
    record = {
        "format": 1, "id": record_id, "project": "demo", "name": name or f"mlp {hidden}",
        "status": status, "created": _clock.isoformat(), "started": _clock.isoformat(),
        "ended": (_clock + timedelta(seconds=12)).isoformat(), "duration_s": 12.3,
        "framework": "keras", "model": model, "params": params, "data": data_part,
        "history": history if status != "blocked" else {},
        "metrics": {key: values[-1] for key, values in history.items()} if status != "blocked" else {},
        "findings": [], "env": {"python": "3.11"}, "source": {"cell": "model.fit(X, y)", "notebook": None},
        "notes": {"hypothesis": hypothesis, "conclusion": conclusion}, "tags": list(tags),
        "fingerprint": _fingerprint(model, params, data_part), "error": None, "stop_reason": None,
    }
    if artifacts:
        record["artifacts"] = artifacts
    return record


def sklearn_record(*, estimator: str = "LogisticRegression", estimator_params: dict | None = None,
                   data: str = "iris", status: str = "completed", score: float = 0.9,
                   name: str | None = None, tags: tuple[str, ...] = ()) -> dict[str, Any]:
    """A scikit-learn experiment as the pipeline journals it."""
    global _clock
    estimator_params = estimator_params if estimator_params is not None else {"C": 1.0, "penalty": "l2", "max_iter": 100}
    model = {"class": estimator, "module": "sklearn.linear_model", "config": estimator_params,
             "layers": [], "n_params": None, "n_trainable_params": None}
    params = {"epochs": None, "batch_size": None, "estimator_params": estimator_params, "fit_kwargs": {}}
    data_part = {"n_samples": 150, "n_features": 4, "input_shape": [4], "dtype": "float64",
                 "y_dtype": "int64", "n_classes": 3, "label_distribution": {"0": 0.33, "1": 0.33, "2": 0.34},
                 "fingerprints": {"X": _digest([data, "X"]), "y": _digest([data, "y"]), "validation": None}}
    _clock += timedelta(minutes=1)
    record_id = f"{next(_ids):04d}{_digest([estimator, estimator_params, data, _clock.isoformat()])[:8]}"
    return {
        "format": 1, "id": record_id, "project": "demo", "name": name or estimator, "status": status,
        "created": _clock.isoformat(), "started": _clock.isoformat(), "ended": _clock.isoformat(),
        "duration_s": 0.05, "framework": "sklearn", "model": model, "params": params, "data": data_part,
        "history": {}, "metrics": {"train_score": min(score + 0.03, 1.0), "val_score": score},
        "findings": [], "env": {}, "source": {}, "notes": {"hypothesis": None, "conclusion": None},
        "tags": list(tags), "fingerprint": _fingerprint(model, params, data_part), "error": None,
        "stop_reason": None,
    }
