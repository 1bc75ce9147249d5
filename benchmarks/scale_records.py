"""Realistic journal records, written quickly: the journals of the scale sweep.

Keras records have a Sequential MLP configuration with its layers, 50-epoch curves of four
metrics, the environment, the cell source and a few findings (about 8 KB per line);
scikit-learn records a pipeline or estimator with its parameters (about 3 KB). Values vary per
record (names, learning rates, widths, data, metrics, statuses, tags) so the index, the
similarity search and listings work on realistic spreads. Lines are encoded exactly as the
journal writes them and appended in bulk, which takes seconds for 100,000 records instead of
the minutes 100,000 locked, fsynced ``add`` calls would.
"""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kepler_jupyter.journal.lines import HEAD_MEMBER_MAX_CHARS, encode_line
from kepler_jupyter.journal.record import to_stored

_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
_ENV = {"python": "3.11.9", "platform": "Linux-6.1-x86_64", "cpu": "2 cores",
        "gpus": [], "git": {"commit": "3f9c2a1d0b7e", "dirty": False}, "seeds": {"python": 0},
        "packages": {"keras": "3.6.0", "tensorflow": "2.18.0", "numpy": "2.1.3",
                     "scikit-learn": "1.5.2", "pandas": "2.2.3"}}


def _curve(start: float, end: float, epochs: int, rng: random.Random) -> list[float]:
    return [round(end + (start - end) * math.exp(-4 * i / epochs) + rng.gauss(0, 0.005), 5)
            for i in range(epochs)]


def _digest(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def keras_record(index: int, rng: random.Random) -> dict[str, Any]:
    """A Keras MLP experiment with 50-epoch curves."""
    widths = [rng.choice([32, 64, 128, 256, 512]) for _ in range(rng.randint(1, 4))]
    activation = rng.choice(["relu", "gelu", "tanh"])
    layers, inputs = [], 64
    for number, units in enumerate(widths):
        layers.append({"name": f"dense_{number}", "class": "Dense", "output_shape": [None, units],
                       "n_params": inputs * units + units, "activation": activation,
                       "units": units})
        inputs = units
        if rng.random() < 0.4:
            layers.append({"name": f"dropout_{number}", "class": "Dropout",
                           "output_shape": [None, units], "n_params": 0, "activation": None,
                           "units": None})
    layers.append({"name": "head", "class": "Dense", "output_shape": [None, 10],
                   "n_params": inputs * 10 + 10, "activation": "softmax", "units": 10})
    n_params = sum(layer["n_params"] for layer in layers)
    learning_rate = rng.choice([1e-2, 3e-3, 1e-3, 3e-4, 1e-4])
    config = {"name": "sequential", "trainable": True,
              "layers": [{"class_name": layer["class"], "config": {
                  "name": layer["name"], "units": layer["units"], "activation": layer["activation"],
                  "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform"}}}
                  for layer in layers]}
    final = rng.uniform(0.6, 0.99)
    history = {"loss": _curve(2.3, 1 - final, 50, rng), "accuracy": _curve(0.1, final, 50, rng),
               "val_loss": _curve(2.3, 1.1 - final, 50, rng),
               "val_accuracy": _curve(0.1, final - 0.02, 50, rng)}
    data = rng.choice(["digits", "mnist-small", "fashion-small"])
    return {
        "id": f"k{index:09d}", "project": "sweep", "name": f"mlp {widths} lr={learning_rate:g}",
        "status": rng.choices(["completed", "failed", "stopped", "interrupted"], [90, 4, 4, 2])[0],
        "framework": "keras", "duration_s": round(rng.uniform(5, 600), 2),
        "model": {"class": "Sequential", "module": "keras.src.models.sequential", "config": config,
                  "layers": layers, "n_params": n_params, "n_trainable_params": n_params},
        "params": {"epochs": 50, "batch_size": rng.choice([32, 64, 128]), "validation_split": 0.2,
                   "has_validation_data": False, "shuffle": True, "optimizer": "adam",
                   "learning_rate": learning_rate,
                   "optimizer_config": {"name": "adam", "beta_1": 0.9, "beta_2": 0.999},
                   "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"],
                   "estimator_params": None, "fit_kwargs": {"verbose": 0}},
        "data": {"n_samples": 1437, "n_features": 64, "input_shape": [64], "dtype": "float32",
                 "y_dtype": "int64", "n_classes": 10,
                 "label_distribution": {str(c): 0.1 for c in range(10)},
                 "fingerprints": {"X": f"{data}-X", "y": f"{data}-y", "validation": None}},
        "history": history, "metrics": {key: values[-1] for key, values in history.items()},
        "findings": [{"code": "K103", "title": "batch size not a power of 2", "severity": "info",
                      "stage": "settings", "message": "Batch size 100 is not a power of 2.",
                      "why": "Hardware prefers powers of 2.", "fix": "Use 64 or 128.",
                      "evidence": {"batch_size": 100}}] * rng.randint(0, 3),
        "env": _ENV, "source": {"cell": "model.fit(X_train, y_train, epochs=50, "
                                        "validation_split=0.2, batch_size=64)\n" * 3,
                                "notebook": "experiments.ipynb"},
        "notes": {"hypothesis": rng.choice(["wider helps", "dropout fixes overfitting", None]),
                  "conclusion": None},
        "tags": rng.sample(["baseline", "sweep", "wide", "deep", "regularised"], rng.randint(0, 2)),
        "fingerprint": {"experiment": _digest(rng), "model": _digest(rng), "data": f"{data}",
                        "settings": _digest(rng)},
        "epochs_done": 50,
    }


def sklearn_record(index: int, rng: random.Random) -> dict[str, Any]:
    """A scikit-learn classifier experiment."""
    estimator = rng.choice(["LogisticRegression", "RandomForestClassifier", "SVC"])
    parameters = {"LogisticRegression": {"C": rng.choice([0.01, 0.1, 1.0, 10.0]), "max_iter": 200,
                                         "penalty": "l2", "solver": "lbfgs"},
                  "RandomForestClassifier": {"n_estimators": rng.choice([50, 100, 300]),
                                             "max_depth": rng.choice([None, 8, 16]),
                                             "criterion": "gini"},
                  "SVC": {"C": rng.choice([0.1, 1.0, 10.0]), "kernel": rng.choice(["rbf", "linear"]),
                          "gamma": "scale"}}[estimator]
    score = rng.uniform(0.7, 0.99)
    data = rng.choice(["iris", "digits", "wine"])
    return {
        "id": f"s{index:09d}", "project": "sweep", "name": f"{estimator} {parameters}",
        "status": rng.choices(["completed", "failed"], [95, 5])[0], "framework": "sklearn",
        "duration_s": round(rng.uniform(0.01, 30), 3),
        "model": {"class": estimator, "module": "sklearn", "config": parameters, "layers": [],
                  "n_params": None, "n_trainable_params": None},
        "params": {"epochs": None, "batch_size": None, "estimator_params": parameters,
                   "fit_kwargs": {}},
        "data": {"n_samples": 150, "n_features": 4, "input_shape": [4], "dtype": "float64",
                 "y_dtype": "int64", "n_classes": 3,
                 "label_distribution": {"0": 0.33, "1": 0.33, "2": 0.34},
                 "fingerprints": {"X": f"{data}-X", "y": f"{data}-y", "validation": None}},
        "history": {}, "metrics": {"train_score": min(score + 0.02, 1.0), "val_score": score},
        "findings": [], "env": _ENV,
        "source": {"cell": f"clf = {estimator}(**params)\nclf.fit(X_train, y_train)\n",
                   "notebook": "baselines.ipynb"},
        "notes": {"hypothesis": None, "conclusion": None},
        "tags": rng.sample(["baseline", "sweep", "tabular"], rng.randint(0, 2)),
        "fingerprint": {"experiment": _digest(rng), "model": _digest(rng), "data": f"{data}",
                        "settings": _digest(rng)},
    }


_TEMPLATES = 240  # distinct architectures, curves and parameter sets


def _split(record: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The record's small fields, and its large ones as they end its journal line."""
    large = {key for key, value in record.items()
             if len(json.dumps(key) + ": " + json.dumps(value, ensure_ascii=False)) > HEAD_MEMBER_MAX_CHARS}
    large.discard("id")
    line = encode_line({"id": record["id"], **{key: record[key] for key in large}})
    tail = line[line.find(b",\t"):-2] if large else b""
    return {key: value for key, value in record.items() if key not in large}, tail


def write_journal(project: Path, count: int, seed: int = 0) -> Path:
    """Write ``count`` records (2 Keras for 1 scikit-learn) to ``project``'s journal.

    The large fields (model configuration, curves, environment, source) come from a pool of
    templates, encoded once; each record gets its own id, name, times, status, metrics, tags
    and fingerprints, so every line is a distinct, valid record.
    """
    rng = random.Random(seed)
    templates = []
    for index in range(_TEMPLATES):
        make = sklearn_record if index % 3 == 2 else keras_record
        templates.append(_split(to_stored(make(index, rng))))
    kepler_dir = project / ".kepler"
    kepler_dir.mkdir(parents=True, exist_ok=True)
    path = kepler_dir / "journal.jsonl"
    with open(path, "wb") as handle:
        for index in range(count):
            head, tail = templates[index % _TEMPLATES] if index % 3 != 2 else \
                templates[(index % _TEMPLATES) // 3 * 3 + 2]
            created = (_START + timedelta(seconds=61 * index)).isoformat()
            record = dict(head)
            prefix = record["id"][0]
            record.update({
                "id": f"{prefix}{index:09d}", "created": created, "started": created,
                "ended": created, "name": f"{head['name']} #{index}",
                "status": rng.choices(["completed", "failed", "stopped"], [92, 5, 3])[0],
                "tags": rng.sample(["baseline", "sweep", "wide", "deep"], rng.randint(0, 2)),
                "fingerprint": {**head["fingerprint"], "experiment": _digest(rng),
                                "settings": _digest(rng)},
            })
            line = encode_line(record)
            handle.write(line[:-2] + tail + b"}\n")
    return path
