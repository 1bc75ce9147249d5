"""Don't repeat yourself: find the same experiment in the journal and say what changed since the
nearest earlier one.

Two fits are the same experiment when their model, data and settings fingerprints all match
(``record["fingerprint"]["experiment"]``). Only experiments that ran to the end count as done
(``completed``, or ``stopped`` by a check on purpose); failed, interrupted, blocked and still
running ones are re-run without an alert.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from kepler_jupyter.goal import Goal, default_goal
from kepler_jupyter.record_filters import experiment_label, flatten, get_path

DONE_STATUSES = ("completed", "stopped")
#: settings that describe the run, not the experiment (or repeat other fields)
_IGNORED_SETTINGS = {"fit_kwargs.verbose", "fit_kwargs.callbacks", "verbose", "metrics"}
_LAYER_FIELDS = ("class", "units", "activation", "output_shape", "n_params")
_DATA_FIELDS = ("n_samples", "n_features", "input_shape", "dtype", "y_dtype", "n_classes",
                "label_distribution", "validation.n_samples", "validation.label_distribution")
_FINGERPRINT_PARTS = ("model", "data", "settings")


def _experiment_key(fingerprint: dict[str, Any] | str | None) -> str | None:
    if isinstance(fingerprint, dict):
        return fingerprint.get("experiment")
    return fingerprint


def find_same_experiment(journal: Any, fingerprint: dict[str, Any] | str,
                         exclude_id: str | None = None) -> dict[str, Any] | None:
    """The most recent done experiment with the same experiment fingerprint.

    Parameters
    ----------
    journal : Journal or list of dict
        Where to look.
    fingerprint : dict or str
        The new fit's ``fingerprint`` (its ``experiment`` key is compared) or that key itself.
    exclude_id : str, optional
        The new fit's own id, when it is already in the journal.

    Returns
    -------
    dict or None
        The latest ``completed`` or ``stopped`` record with that fingerprint, else ``None``.
    """
    key = _experiment_key(fingerprint)
    if not key:
        return None
    records = journal.experiments() if hasattr(journal, "experiments") else list(journal)
    for record in reversed(records):
        if (record.get("id") != exclude_id and record.get("status") in DONE_STATUSES
                and get_path(record, "fingerprint.experiment") == key):
            return record
    return None


def _earlier_records(records: list[dict[str, Any]], record: dict[str, Any]) -> list[dict[str, Any]]:
    own_id = record.get("id")
    ids = [other.get("id") for other in records]
    if own_id in ids:
        return records[: ids.index(own_id)]
    created = record.get("created")
    if created:
        return [other for other in records if (other.get("created") or "") <= created]
    return list(records)


def nearest_earlier(journal: Any, record: dict[str, Any]) -> dict[str, Any] | None:
    """The earlier experiment most like ``record``: same data first, then by similarity.

    Only experiments that trained count (not ``running`` or ``blocked`` ones); ``record``
    itself and anything journaled after it are left out.
    """
    from kepler_jupyter.similarity import similar_experiments

    records = journal.experiments() if hasattr(journal, "experiments") else list(journal)
    found = similar_experiments(_earlier_records(records, record), record, k=1)
    return found[0].record if found else None


def _differences(before: dict[str, Any], after: dict[str, Any],
                 ignored: frozenset[str] | set[str] = frozenset()) -> list[dict[str, Any]]:
    changes = []
    for name in sorted(set(before) | set(after)):
        if name in ignored:
            continue
        if before.get(name) != after.get(name):
            changes.append({"name": name, "before": before.get(name), "after": after.get(name)})
    return changes


def _is_noise(setting: str) -> bool:
    """Settings that differ without meaning anything: Keras' auto-numbered object names
    (``adam`` → ``adam_1``) and the optimizer's copy of the learning rate shown on its own."""
    return setting.endswith(".name") or setting == "optimizer_config.learning_rate"


def _layer_signature(layer: dict[str, Any]) -> tuple[Any, ...]:
    # Names are left out on purpose: Keras numbers them (dense_3) differently in every session.
    return tuple(str(layer.get(field)) for field in _LAYER_FIELDS)


def _layer_text(layer: dict[str, Any]) -> str:
    details = [str(layer[key]) for key in ("units", "activation") if layer.get(key) is not None]
    return f"{layer.get('class', '?')}({', '.join(details)})" if details else str(layer.get("class", "?"))


def diff_layers(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, list]:
    """Layer-by-layer differences between two architectures, aligned by position and kind.

    Returns
    -------
    dict
        ``added`` and ``removed``: ``{"index", "layer"}`` entries; ``changed``: ``{"index",
        "layer", "fields": {field: [before, after]}}`` for layers of the same place whose
        class, width, activation, output shape or parameter count differ.
    """
    matcher = difflib.SequenceMatcher(a=[_layer_signature(layer) for layer in before],
                                      b=[_layer_signature(layer) for layer in after],
                                      autojunk=False)
    added, removed, changed = [], [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(paired):
            old, new = before[i1 + offset], after[j1 + offset]
            fields = {field: [old.get(field), new.get(field)] for field in _LAYER_FIELDS
                      if old.get(field) != new.get(field)}
            changed.append({"index": j1 + offset, "layer": _layer_text(new), "fields": fields})
        for index in range(i1 + paired, i2):
            removed.append({"index": index, "layer": _layer_text(before[index])})
        for index in range(j1 + paired, j2):
            added.append({"index": index, "layer": _layer_text(after[index])})
    return {"added": added, "removed": removed, "changed": changed}


def _metric_change(record: dict[str, Any], earlier: dict[str, Any],
                   goal: Goal | None) -> dict[str, Any] | None:
    goal = goal or default_goal([record, earlier])
    if goal is None:
        return None
    before, after = goal.value(earlier), goal.value(record)
    change: dict[str, Any] = {"metric": goal.metric, "mode": goal.mode, "before": before,
                              "after": after, "delta": None, "better": None}
    if before is not None and after is not None:
        change["delta"] = after - before
        change["better"] = goal.is_better(after, before)
    if goal.target is not None:
        change["target"] = goal.target
        change["distance"] = goal.distance(record)
    return change


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "—" if value is None else str(value)


def _summary_text(changes: dict[str, Any]) -> str:
    if not changes["differs"]:
        return f"Same experiment as {changes['earlier_label']}."
    parts = []
    if changes["model_class"]:
        parts.append("model {} → {}".format(*changes["model_class"]))
    layers = changes["architecture"]
    layer_parts = [f"+{len(layers['added'])} layers" if layers["added"] else "",
                   f"−{len(layers['removed'])} layers" if layers["removed"] else "",
                   f"{len(layers['changed'])} layers changed" if layers["changed"] else ""]
    if any(layer_parts):
        parts.append("architecture: " + ", ".join(part for part in layer_parts if part))
    parts.extend(f"{item['name']} {_fmt(item['before'])} → {_fmt(item['after'])}"
                 for item in changes["settings"][:6])
    if "data" in changes["differs"]:
        stats = ", ".join(item["name"] for item in changes["data"][:4])
        parts.append(f"data changed ({stats})" if stats else "data content changed")
    metric = changes["metric"]
    if metric and metric["delta"] is not None:
        parts.append(f"{metric['metric']} {_fmt(metric['before'])} → {_fmt(metric['after'])} "
                     f"({metric['delta']:+.4g}, {'better' if metric['better'] else 'not better'})")
    return f"vs {changes['earlier_label']}: " + "; ".join(parts)


def describe_changes(record: dict[str, Any], earlier: dict[str, Any],
                     goal: Goal | None = None) -> dict[str, Any]:
    """What changed between an earlier experiment and ``record``.

    Parameters
    ----------
    record, earlier : dict
        The new experiment and the one to compare it with (``nearest_earlier``).
    goal : Goal, optional
        The project goal, for the change in the project's metric; without one the first of
        ``goal.DEFAULT_METRICS`` both share is used.

    Returns
    -------
    dict
        ``earlier_id``, ``earlier_label``, ``differs`` (which of model / data / settings
        fingerprints differ), ``model_class`` ([before, after] or None), ``settings`` and
        ``data`` (lists of ``{"name", "before", "after"}``), ``architecture`` (see
        ``diff_layers``, plus ``n_params`` [before, after]), ``metric`` (before, after, delta,
        better, distance to the target) and ``summary``: the compact plain-JSON form the
        pipeline stores in the record as ``changes`` (``summary["text"]`` is one line).
    """
    differs = [part for part in _FINGERPRINT_PARTS
               if get_path(record, f"fingerprint.{part}") != get_path(earlier, f"fingerprint.{part}")]
    before_class, after_class = get_path(earlier, "model.class"), get_path(record, "model.class")
    settings = [item for item in _differences(flatten(earlier.get("params") or {}),
                                              flatten(record.get("params") or {}), _IGNORED_SETTINGS)
                if not _is_noise(item["name"])]
    architecture: dict[str, Any] = diff_layers(get_path(earlier, "model.layers") or [],
                                               get_path(record, "model.layers") or [])
    architecture["n_params"] = [get_path(earlier, "model.n_params"), get_path(record, "model.n_params")]
    data_before = {name: get_path(earlier, f"data.{name}") for name in _DATA_FIELDS}
    data_after = {name: get_path(record, f"data.{name}") for name in _DATA_FIELDS}
    data = _differences(data_before, data_after)
    for part in ("X", "y", "validation"):
        old, new = get_path(earlier, f"data.fingerprints.{part}"), get_path(record, f"data.fingerprints.{part}")
        if old != new:
            data.append({"name": f"{part} content", "before": old, "after": new})
    changes: dict[str, Any] = {
        "earlier_id": earlier.get("id"),
        "earlier_label": experiment_label(earlier),
        "differs": differs,
        "model_class": [before_class, after_class] if before_class != after_class else None,
        "settings": settings,
        "architecture": architecture,
        "data": data,
        "metric": _metric_change(record, earlier, goal),
    }
    changes["summary"] = {
        "earlier": earlier.get("id"),
        "differs": differs,
        "settings": {item["name"]: [item["before"], item["after"]] for item in settings},
        "layers": {kind: len(architecture[kind]) for kind in ("added", "removed", "changed")},
        "data": [item["name"] for item in data],
        "metric": changes["metric"],
        "text": _summary_text(changes),
    }
    return changes


@dataclass
class AfterFit:
    """What kepler shows after a fit: the nearest earlier experiment, what changed since, the
    most similar earlier experiments and how far the result is from the project goal."""

    record: dict[str, Any]
    goal: Goal | None
    earlier: dict[str, Any] | None = None
    changes: dict[str, Any] | None = None
    similar: list[Any] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any] | None:
        """The plain-JSON ``changes`` field of the record (``None`` for a first experiment)."""
        return None if self.changes is None else self.changes["summary"]

    @property
    def progress(self) -> str | None:
        """How far the result is from the goal, in one sentence."""
        return None if self.goal is None else self.goal.progress(self.record)


def after_fit_report(journal: Any, record: dict[str, Any], goal: Goal | None = None,
                     k: int = 3) -> AfterFit:
    """Everything shown after a fit, computed from the journal in one pass.

    Parameters
    ----------
    journal : Journal or list of dict
        The project's experiments (``record`` may or may not be among them yet).
    record : dict
        The finished experiment.
    goal : Goal, optional
        The project goal (``goal.get_goal``); without one a default metric is used for the
        change in the metric, and no distance to a target is given.
    k : int
        How many similar earlier experiments to list.
    """
    from kepler_jupyter.similarity import similar_experiments, transfer_hint

    records = journal.experiments() if hasattr(journal, "experiments") else list(journal)
    earlier_records = _earlier_records(records, record)
    similar = similar_experiments(earlier_records, record, k=max(k, 1))
    report = AfterFit(record, goal, similar=similar[:k])
    if similar:
        report.earlier = similar[0].record
        report.changes = describe_changes(record, report.earlier, goal)
    report.hints = [hint for hint in map(transfer_hint, report.similar) if hint]
    return report
