"""Turn full journal records into what the routes send: light list rows and comparison tables.

Records come normalised from the journal (``journal.record.normalize``): every field has its
declared type or is absent, and a damaged record says why in its ``damaged`` list.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from kepler_jupyter.history.repeats import is_noise_setting
from kepler_jupyter.journal.record import SUMMARY_SETTINGS
from kepler_jupyter.journal.record import summary as record_summary
from kepler_jupyter.server.bounded import ROW_TAG_LIMIT, cut_text
from kepler_jupyter.server.metric import metric_value

_MAX_SCALAR_TEXT = 200


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    # A list row is polled every few seconds: user text is cut (the detail route has it whole).
    return cut_text(value) if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def scalar(value: Any) -> str | int | float | bool | None:
    """A JSON scalar for a table cell: containers become short JSON text, NaN becomes null."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= _MAX_SCALAR_TEXT else text[: _MAX_SCALAR_TEXT - 1] + "…"


def list_row(record: Mapping[str, Any], metric_name: str | None) -> dict[str, Any]:
    """The schema's ``ExperimentSummary`` for one (normalised) record: its stored summary
    (``journal.record.summary``) plus the fields a row shows."""
    summary = record_summary(record)
    settings = _mapping(summary.get("settings"))
    row = {
        "id": str(record.get("id", "")),
        "name": _text(record.get("name")),
        "created": _text(record.get("created")),
        "status": _text(record.get("status")) or "unknown",
        "framework": _text(record.get("framework")),
        "model_class": _text(summary.get("model_class")),
        "n_params": _int(summary.get("n_params")),
        "settings": {key: scalar(settings[key]) for key in SUMMARY_SETTINGS if key in settings},
        "metric_value": metric_value(record, metric_name),
        "n_errors": _int(summary.get("n_errors")) or 0,
        "n_warnings": _int(summary.get("n_warnings")) or 0,
        "tags": [cut_text(tag) for tag in record.get("tags") or []][:ROW_TAG_LIMIT],
        "duration_s": _finite(record.get("duration_s")),
        "hypothesis": _text(_mapping(record.get("notes")).get("hypothesis")),
    }
    if record.get("archived") is True:
        row["archived"] = True
    damaged = record.get("damaged")
    if damaged:
        row["damaged"] = [cut_text(reason) for reason in damaged]
    return row


def search_text(summary: Mapping[str, Any]) -> str:
    """Lower-cased text a ``?q=`` search matches against (computed once per cached summary)."""
    settings = summary["settings"]
    pieces = [
        summary["id"],
        summary["name"],
        summary["status"],
        summary["framework"],
        summary["model_class"],
        summary["hypothesis"],
        settings.get("optimizer"),
        settings.get("loss"),
        *summary["tags"],
    ]
    return "\n".join(str(piece) for piece in pieces if piece).lower()


def _flatten(prefix: str, value: Any, into: dict[str, Any]) -> None:
    if isinstance(value, Mapping) and value:
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, into)
    else:
        into[prefix] = scalar(value)


def comparable_settings(record: Mapping[str, Any]) -> dict[str, Any]:
    """The flattened settings two experiments are compared on, as ``dotted.key -> scalar``."""
    model = _mapping(record.get("model"))
    data = _mapping(record.get("data"))
    settings: dict[str, Any] = {
        "framework": scalar(record.get("framework")),
        "model.class": scalar(model.get("class")),
        "model.n_params": scalar(model.get("n_params")),
        "model.n_layers": len(model["layers"]) if isinstance(model.get("layers"), list) else None,
    }
    for key, value in _mapping(record.get("params")).items():
        _flatten(f"params.{key}", value, settings)
    # Keras's per-session names (adam → adam_1) and the optimizer config's copy of the
    # learning rate differ without meaning: left out, as the notebook's comparison does.
    for key in [key for key in settings if key.startswith("params.")]:
        if is_noise_setting(key.removeprefix("params.")):
            del settings[key]
    for key in ("n_samples", "n_features", "input_shape", "n_classes", "dtype"):
        settings[f"data.{key}"] = scalar(data.get(key))
    fingerprint = _mapping(record.get("fingerprint"))
    for key in ("data", "model", "settings"):
        value = fingerprint.get(key)
        # A short prefix is enough to see "same data?" at a glance.
        settings[f"fingerprint.{key}"] = value[:12] if isinstance(value, str) else None
    return settings


def compare_rows(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One ``SettingRow`` per key any record has, in first-seen order, flagged when values differ.

    A setting that a run lacks because its framework has no such setting (a Keras optimizer
    for a scikit-learn estimator) is *not applicable* there: it is marked in
    ``not_applicable`` and does not make the row differ. A setting missing in a run whose
    framework does have it elsewhere (one Keras run set it, another did not) still differs.
    """
    flattened = [comparable_settings(record) for record in records]
    frameworks = [_framework(record) for record in records]
    keys: dict[str, None] = {}
    for settings in flattened:
        keys.update(dict.fromkeys(settings))
    rows = []
    for key in keys:
        values = [settings.get(key) for settings in flattened]
        if all(value is None for value in values):
            continue
        having = {framework for framework, value in zip(frameworks, values, strict=True) if value is not None}
        not_applicable = [value is None and framework not in having
                          for framework, value in zip(frameworks, values, strict=True)]
        canonical = {json.dumps(value, sort_keys=True)
                     for value, skipped in zip(values, not_applicable, strict=True) if not skipped}
        rows.append({"key": key, "values": values, "differs": len(canonical) > 1,
                     "not_applicable": not_applicable})
    return rows


def _framework(record: Mapping[str, Any]) -> str | None:
    framework = record.get("framework")
    return framework if isinstance(framework, str) else None
