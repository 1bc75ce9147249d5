"""A small journal of known experiments, written through the real ``Journal`` API.

Shared by the route tests and the browser test (which puts this folder on ``sys.path``). One
experiment is named like an HTML injection, to prove every view shows user text as text.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_TAG = "<script>alert(2)</script>"


def _history(losses: list[float], accuracies: list[float]) -> dict[str, list[float]]:
    return {
        "loss": losses,
        "val_loss": [round(value * 1.1, 4) for value in losses],
        "accuracy": accuracies,
        "val_accuracy": [round(value * 0.97, 4) for value in accuracies],
    }


def _finding(code: str, severity: str, stage: str, title: str, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "severity": severity,
        "stage": stage,
        "message": message,
        "why": f"Why {code} matters: {title.lower()} wastes training time.",
        "fix": f"How to fix {code}: see docs/checks.md#{code.lower()}.",
        "evidence": {"value": 1},
    }


def make_record(exp_id: str, name: str, created: str, *, status: str = "completed",
                framework: str = "keras", model_class: str = "Sequential", n_params: int = 1000,
                batch_size: int = 32, learning_rate: float = 0.001, units: int = 16,
                history: dict[str, list[float]] | None = None,
                findings: list[dict[str, Any]] | None = None, tags: list[str] | None = None,
                hypothesis: str | None = None, cell: str = "model.fit(X, y)") -> dict[str, Any]:
    """A format-1 record (docs/architecture.md) with realistic nested fields."""
    history = history or {}
    metrics = {key: values[-1] for key, values in history.items() if values}
    return {
        "format": 1,
        "id": exp_id,
        "project": "sample",
        "name": name,
        "status": status,
        "created": created,
        "started": created,
        "ended": created,
        "duration_s": 1.5,
        "framework": framework,
        "model": {
            "class": model_class,
            "module": "keras.src.models.sequential" if framework == "keras" else "sklearn",
            "config": {"units": units},
            "layers": [
                {"name": "dense", "class": "Dense", "output_shape": [None, units],
                 "n_params": n_params - units - 1, "activation": "relu", "units": units},
                {"name": "dense_1", "class": "Dense", "output_shape": [None, 1],
                 "n_params": units + 1, "activation": "sigmoid", "units": 1},
            ] if framework == "keras" else [],
            "n_params": n_params,
            "n_trainable_params": n_params,
        },
        "params": {
            "epochs": len(history.get("loss", [])) or None,
            "batch_size": batch_size,
            "validation_split": 0.2,
            "shuffle": True,
            "optimizer": "Adam" if framework == "keras" else None,
            "learning_rate": learning_rate,
            "loss": "binary_crossentropy" if framework == "keras" else None,
            "optimizer_config": {"beta_1": 0.9},
        },
        "data": {"n_samples": 200, "n_features": 4, "input_shape": [4], "dtype": "float32",
                 "n_classes": 2, "label_distribution": {"0": 100, "1": 100},
                 "fingerprints": {"X": "aa11", "y": "bb22", "validation": None}},
        "history": history,
        "metrics": metrics,
        "findings": findings or [],
        "env": {"python": "3.11", "packages": {"keras": "3.15.1"}, "platform": "linux",
                "cpu": "x86_64", "gpus": [], "git": {"commit": None, "dirty": None}, "seeds": {}},
        "source": {"cell": cell, "notebook": "quickstart.ipynb"},
        "notes": {"hypothesis": hypothesis, "conclusion": None},
        "tags": tags or [],
        "fingerprint": {"experiment": f"e-{exp_id}", "model": f"m-{units}",
                        "data": "d-same", "settings": f"s-{batch_size}-{learning_rate}"},
    }


def sample_records() -> list[dict[str, Any]]:
    """Five experiments, oldest first, covering every status the list shows."""
    return [
        make_record(
            "b4se1ine01", "baseline mlp", "2025-01-01T10:00:00+00:00",
            n_params=97, batch_size=32, units=16,
            history=_history([0.69, 0.55, 0.41], [0.55, 0.71, 0.82]),
            findings=[_finding("K104", "warning", "settings", "Batch size not a power of two",
                               "batch_size=30 is not a power of two")],
            tags=["baseline"], hypothesis="a small MLP learns the XOR-like boundary"),
        make_record(
            "w1der00002", "wider hidden layer", "2025-01-02T10:00:00+00:00",
            n_params=385, batch_size=64, units=64,
            history=_history([0.69, 0.40, 0.22, 0.15], [0.60, 0.84, 0.92, 0.95]),
            tags=["baseline", "wide"], hypothesis="wider hidden layer fixes underfitting"),
        make_record(
            "x55name003", XSS_NAME, "2025-01-03T10:00:00+00:00",
            framework="sklearn", model_class="LogisticRegression", n_params=5,
            history={}, tags=[XSS_TAG], hypothesis="<b>bold?</b> & <i>notes</i>",
            cell="clf.fit(X, y)  # <script>alert(3)</script>"),
        make_record(
            "d1verged04", "diverged run", "2025-01-04T10:00:00+00:00",
            status="failed", n_params=385, batch_size=64, learning_rate=5.0, units=64,
            history={"loss": [0.69, 3.2, None]},
            findings=[_finding("K501", "error", "training", "NaN loss",
                               "loss became NaN at epoch 3"),
                      _finding("K105", "warning", "settings", "Learning rate out of range",
                               "learning_rate=5.0 is far above Adam's usual range")],
            tags=["lr-sweep"]),
        make_record(
            "b1ocked005", "blocked by leakage", "2025-01-05T10:00:00+00:00",
            status="blocked", framework="sklearn", model_class="RandomForestClassifier",
            n_params=None, history={},  # type: ignore[arg-type]
            findings=[_finding("K303", "error", "data", "Train/validation overlap",
                               "12 validation rows also appear in the training data")]),
    ]


def write_sample_journal(project_dir: Path) -> list[dict[str, Any]]:
    """Write :func:`sample_records` into ``project_dir/.kepler`` and return them."""
    from kepler_jupyter.journal import Journal

    journal = Journal(project_dir)
    records = sample_records()
    for record in records:
        journal.add(copy.deepcopy(record))
    return records
