"""The experiment record: its one owner.

This module knows the record's fields and their types (``FIELDS``), builds new records
(``new_record``), keeps their small listing copy (``summarize`` / ``summary``), turns any value
into plain JSON (``json_safe``), makes whatever a journal line holds safe to read
(``normalize``), and reads fields (``get_path``, ``experiment_label``, ``metric_items``...).
Everything else in kepler builds, summarises and reads records through it.

A record is a versioned plain dict (``format``). Readers never trust a stored record: a shared
or hand-edited journal may hold anything, so ``Journal`` hands out only normalised records, in
which every field listed in ``FIELDS`` has its declared type or is absent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from kepler_jupyter.journal.json_safe import json_safe
from kepler_jupyter.journal.record_fields import (
    FIELDS,
    MAX_NESTING,
    FieldSpec,
    normalize,
    record_json_schema,
)

RECORD_FORMAT = 1
"""Version of the record layout; stored in every record's ``format`` field."""

STATUSES: tuple[str, ...] = (
    "running", "completed", "failed", "interrupted", "stopped", "blocked", "skipped"
)
"""Values the ``status`` field takes."""

SUMMARY_SETTINGS: tuple[str, ...] = ("optimizer", "learning_rate", "epochs", "batch_size", "loss")
"""The training settings a listing shows, in the order it shows them."""

#: keys of ``metrics`` that describe a score rather than being one
BOOKKEEPING_METRICS = frozenset(
    {"score_name", "train_score_n", "n_iter", "n_splits", "cv_fold_scores", "best_params",
     "cv_results"}
)
_MAX_SUMMARY_ESTIMATOR_PARAMS = 6

__all__ = [
    "BOOKKEEPING_METRICS", "FIELDS", "MAX_NESTING", "RECORD_FORMAT", "STATUSES",
    "SUMMARY_SETTINGS", "FieldSpec", "experiment_label", "flatten", "get_path", "json_safe",
    "metric_items", "new_record", "normalize", "notes_text", "record_json_schema",
    "score_meaning", "summarize", "summary", "to_stored",
]


# ----------------------------------------------------------------------------------- building
def new_record(
    *,
    record_id: str,
    project: str,
    name: str,
    created: str,
    framework: str,
    model: dict[str, Any],
    params: dict[str, Any],
    data: dict[str, Any],
    env: dict[str, Any],
    source: dict[str, Any],
    hypothesis: str | None,
    tags: list[str],
    kind: str | None = None,
) -> dict[str, Any]:
    """The record of a fit as far as it is known before training (status ``running``).

    Parameters
    ----------
    record_id, project, name, created
        The new id (``new_experiment_id()``), the project folder's name, the experiment's
        name and the ISO 8601 time the fit was called.
    framework, model, params, data
        ``"keras"`` or ``"sklearn"`` and the adapter's descriptions of the model, the training
        settings and the data (plain JSON already).
    env, source, hypothesis, tags
        From the run: the environment, the cell and notebook, the user's notes and tags.
    kind
        ``"cross_validation"`` (or another cross-validation kind) for runs that are not one fit.

    Returns
    -------
    dict
        Every field of ``FIELDS`` a new record has, with ``fingerprint`` and ``summary``.
    """
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "id": record_id,
        "project": project,
        "name": name,
        "status": "running",
        "created": created,
        "started": None,
        "ended": None,
        "duration_s": None,
        "framework": framework,
        "model": model,
        "params": params,
        "data": data,
        "history": {},
        "metrics": {},
        "findings": [],
        "env": env,
        "source": source,
        "notes": {"hypothesis": hypothesis, "conclusion": None},
        "tags": list(tags),
        "error": None,
        "stop_reason": None,
    }
    if kind is not None:
        record["kind"] = kind
    record["fingerprint"] = _fingerprint(record)
    record["summary"] = summarize(record)
    return record


def _fingerprint(record: Mapping[str, Any]) -> dict[str, Any]:
    from kepler_jupyter.fingerprint import (
        experiment_fingerprint,
        fingerprint_model,
        fingerprint_settings,
    )

    data_prints = _mapping(_mapping(record.get("data")).get("fingerprints"))
    return experiment_fingerprint(
        fingerprint_model(record["model"]),
        dict(data_prints),
        fingerprint_settings(record["params"]),
    )


def to_stored(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as a journal stores it: plain JSON, ``id`` first, ``format`` filled in.

    Raises
    ------
    TypeError
        If ``record`` is not a mapping.
    ValueError
        If it has no non-empty string ``id``.
    """
    if not isinstance(record, Mapping):
        raise TypeError(f"a journal record must be a dict, not {type(record).__name__}")
    safe = json_safe(record)
    if not isinstance(safe, dict):  # a mapping whose items() failed: nothing usable
        raise ValueError("the record could not be converted to JSON")
    record_id = safe.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise ValueError("a journal record needs a non-empty string 'id' (see new_experiment_id())")
    # "id" is written first so that readers can pick it out of a line without parsing the rest.
    stored = {"id": record_id, **safe}
    stored.setdefault("format", RECORD_FORMAT)
    return stored


# ----------------------------------------------------------------------------------- summary
def summarize(record: Mapping[str, Any]) -> dict[str, Any]:
    """The few facts a listing shows, computed from the big fields of ``record``.

    Stored in the record's ``summary`` field whenever the record changes, so that listing a
    large journal does not parse every model configuration. Readers use ``summary``.
    """
    model = _mapping(record.get("model"))
    params = _mapping(record.get("params"))
    findings = record.get("findings")
    findings = findings if isinstance(findings, list) else []
    severities = [f.get("severity") for f in findings if isinstance(f, Mapping)]
    layers = model.get("layers")
    result: dict[str, Any] = {
        "model_class": _text(model.get("class")),
        "n_params": _integer(model.get("n_params")),
        "n_layers": (len(layers) or None) if isinstance(layers, list) else None,
        "settings": {key: params[key] for key in SUMMARY_SETTINGS if params.get(key) is not None},
        "n_errors": severities.count("error"),
        "n_warnings": severities.count("warning"),
    }
    estimator = _mapping(params.get("estimator_params"))
    plain = {
        key: value
        for key, value in estimator.items()
        if "__" not in key and isinstance(value, (str, int, float, bool))
    }
    if plain:
        result["estimator_params"] = dict(list(plain.items())[:_MAX_SUMMARY_ESTIMATOR_PARAMS])
    return result


def summary(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record's listing summary: the stored one, or computed when the record has none.

    A record read through ``Journal`` is normalised, so a stored summary has the types
    ``FIELDS["summary"]`` declares; the missing parts of an older summary are filled in.
    """
    stored = record.get("summary")
    if not isinstance(stored, Mapping):
        return summarize(record)
    complete = ("model_class", "n_params", "n_layers", "settings", "n_errors", "n_warnings")
    if all(key in stored for key in complete):
        return dict(stored)
    return {**summarize(record), **stored}


# ----------------------------------------------------------------------------------- readers
def get_path(record: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """The value at a dotted ``path`` in ``record`` (``"params.learning_rate"``), or ``default``."""
    value: Any = record
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return default
    return value


def flatten(mapping: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as one level of dotted keys; lists and scalars are kept as values."""
    flat: dict[str, Any] = {}
    if not isinstance(mapping, Mapping):
        return {prefix: mapping} if prefix else {}
    for key, value in mapping.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, dotted))
        else:
            flat[dotted] = value
    return flat


def experiment_label(record: Mapping[str, Any]) -> str:
    """A short label for an experiment in tables and legends: its name and short id."""
    short_id = str(record.get("id", "?"))[:8]
    name = record.get("name")
    return f"{name} ({short_id})" if name and name != short_id else short_id


def notes_text(record: Mapping[str, Any]) -> str:
    """All lab-notes text of a record in one string (hypothesis, conclusion, anything else)."""
    notes = record.get("notes") or {}
    if isinstance(notes, Mapping):
        return " ".join(str(value) for value in notes.values() if value)
    return str(notes)


def is_metric(key: str, value: Any) -> bool:
    """Whether ``metrics[key]`` is a score (a finite number), not bookkeeping such as
    ``score_name``, ``train_score_n`` or ``n_iter``."""
    if key in BOOKKEEPING_METRICS or key.endswith("_n"):
        return False
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def metric_items(record: Mapping[str, Any]) -> dict[str, float]:
    """The record's final metrics that are scores, as ``name -> number``."""
    metrics = _mapping(record.get("metrics"))
    return {key: float(value) for key, value in metrics.items() if is_metric(key, value)}


def score_meaning(record: Mapping[str, Any], metric: str) -> str:
    """What a metric measures, so that only like is compared with like.

    Keras metrics mean what their name says. A scikit-learn ``train_score`` / ``val_score`` /
    ``cv_score`` is whatever the estimator's ``score`` computes (accuracy for classifiers, R²
    for regressors, a log-likelihood for PCA): its meaning is the record's ``score_name``, or
    for a generic ``score`` (or none recorded) the score of that model class.
    """
    if metric not in ("train_score", "val_score") and not metric.startswith("cv_"):
        return metric
    name = _mapping(record.get("metrics")).get("score_name")
    if isinstance(name, str) and name and name != "score":
        return f"{metric} ({name})"
    return f"{metric} (score of {_text(get_path(record, 'model.class')) or '?'})"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
