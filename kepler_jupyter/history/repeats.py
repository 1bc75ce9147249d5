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

from kepler_jupyter.history.goal import Goal, default_goal
from kepler_jupyter.journal.index_rows import index_key
from kepler_jupyter.journal.indexed import per_fit_reads
from kepler_jupyter.journal.record import experiment_label, flatten, get_path, score_meaning

DONE_STATUSES = ("completed", "stopped")
#: settings that describe the run, not the experiment (or repeat other fields)
_IGNORED_SETTINGS = {"fit_kwargs.verbose", "fit_kwargs.callbacks", "verbose", "metrics"}
_LAYER_FIELDS = ("class", "units", "filters", "kernel_size", "activation", "rate", "output_shape",
                 "n_params")
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
    reads, read_all = per_fit_reads(journal)
    if reads is not None:
        # an indexed query on the fingerprint; only the match is read from the journal
        statuses = ", ".join("?" * len(DONE_STATUSES))
        entries = reads.entries(f"WHERE fp_experiment = ? AND status IN ({statuses}) AND id != ?",
                                (key, *DONE_STATUSES, index_key(exclude_id or "")))
        for entry in reversed(entries):
            record = _read_or_none(reads, entry)
            if record is not None and get_path(record, "fingerprint.experiment") == key:
                return record
        return None
    if not read_all:
        return None
    records = journal.experiments() if hasattr(journal, "experiments") else list(journal)
    for record in reversed(records):
        if (record.get("id") != exclude_id and record.get("status") in DONE_STATUSES
                and get_path(record, "fingerprint.experiment") == key):
            return record
    return None


def _read_or_none(reads: Any, entry: tuple[str, int, int]) -> dict[str, Any] | None:
    try:
        return reads.read(entry)
    except Exception:  # moved by a compaction meanwhile: as if not found this time
        return None


def _similar_earlier(journal: Any, record: dict[str, Any], k: int) -> list[Any] | None:
    """Done experiments journaled before ``record``, most similar first, from the index's
    vectors; ``None`` when the index cannot answer (the caller reads the records)."""
    from kepler_jupyter.history.similar_index import similar_in_index

    reads, read_all = per_fit_reads(journal)
    if reads is None:
        return None if read_all else []
    return similar_in_index(reads, record, k=k, statuses=DONE_STATUSES, earlier_only=True)


def _earlier_records(records: list[dict[str, Any]], record: dict[str, Any]) -> list[dict[str, Any]]:
    """Experiments journaled before ``record`` that finished training: a failed or blocked run
    has no results worth comparing against."""
    own_id = record.get("id")
    ids = [other.get("id") for other in records]
    if own_id in ids:
        earlier = records[: ids.index(own_id)]
    elif record.get("created"):
        created = record["created"]
        earlier = [other for other in records if (other.get("created") or "") <= created]
    else:
        earlier = list(records)
    return [other for other in earlier if other.get("status") in DONE_STATUSES]


def nearest_earlier(journal: Any, record: dict[str, Any]) -> dict[str, Any] | None:
    """The earlier experiment most like ``record``: same data first, then by similarity.

    Only experiments that finished training count (completed or stopped); ``record``
    itself and anything journaled after it are left out.
    """
    from kepler_jupyter.history.similarity import similar_experiments

    found = _similar_earlier(journal, record, k=1)
    if found is None:
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


def _framework(record: dict[str, Any]) -> str | None:
    framework = record.get("framework")
    return framework if isinstance(framework, str) else None


def is_noise_setting(setting: str) -> bool:
    """Whether a flattened setting name (``optimizer_config.name``) differs without meaning.

    Keras numbers its auto-named objects per session (``adam`` → ``adam_1``), and the
    optimizer's config repeats the learning rate that ``learning_rate`` already shows. The
    "what changed" report and the comparison table both leave such settings out.
    """
    return setting.endswith(".name") or setting == "optimizer_config.learning_rate"


def _layer_signature(layer: dict[str, Any]) -> tuple[str, ...]:
    # Names are left out on purpose: Keras numbers them (dense_3) differently in every session.
    return tuple(str(layer.get(field)) for field in _LAYER_FIELDS)


def _layer_kind(layer: dict[str, Any]) -> tuple[str, ...]:
    return str(layer.get("class")), str(layer.get("activation"))


def _layer_class(layer: dict[str, Any]) -> tuple[str, ...]:
    return (str(layer.get("class")),)


#: keys to align layers on, strictest first: identical layers, then layers of the same kind
#: (class and activation: a widened Dense is still that Dense), then of the same class. A
#: layer's parameter count and output shape depend on its neighbours, so an inserted layer
#: changes them in the layer after it; only the first pass may rely on them.
_ALIGNMENT_KEYS = (_layer_signature, _layer_kind, _layer_class)


def _layer_text(layer: dict[str, Any]) -> str:
    details = [str(layer[key]) for key in ("units", "filters", "activation") if layer.get(key) is not None]
    return f"{layer.get('class', '?')}({', '.join(details)})" if details else str(layer.get("class", "?"))


def _align_layers(before: list[dict[str, Any]], after: list[dict[str, Any]], old: range, new: range,
                  level: int = 0) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pairs ``(before index, after index)`` of the same layer, and the unpaired indices of
    each side, aligning ``before[old]`` with ``after[new]`` on ``_ALIGNMENT_KEYS[level:]``."""
    if level == len(_ALIGNMENT_KEYS) or not old or not new:
        return [], list(old), list(new)
    key = _ALIGNMENT_KEYS[level]
    matcher = difflib.SequenceMatcher(a=[key(before[i]) for i in old], b=[key(after[j]) for j in new],
                                      autojunk=False)
    pairs: list[tuple[int, int]] = []
    removed: list[int] = []
    added: list[int] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(old[i1:i2], new[j1:j2], strict=True))
            continue
        # what this key could not match may still match on a looser one
        inner = _align_layers(before, after, old[i1:i2], new[j1:j2], level + 1)
        pairs.extend(inner[0])
        removed.extend(inner[1])
        added.extend(inner[2])
    return pairs, removed, added


def diff_layers(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, list]:
    """Layer-by-layer differences between two architectures, aligned by kind, then position.

    Identical layers are matched first, then layers of the same class and activation in order
    (their width, output shape or parameter count may differ), then layers of the same class;
    what is left was added or removed. A Dropout inserted after a widened first layer is
    therefore one added layer, and the layers around it are changed, not replaced.

    Returns
    -------
    dict
        ``added`` and ``removed``: ``{"index", "layer"}`` entries (index in the architecture
        the layer belongs to); ``changed``: ``{"index", "layer", "fields": {field: [before,
        after]}}`` for matched layers whose width, filters, activation, rate, output shape or
        parameter count differ (``index`` in the new architecture).
    """
    pairs, removed, added = _align_layers(before, after, range(len(before)), range(len(after)))
    changed = []
    for old, new in sorted(pairs, key=lambda pair: pair[1]):
        fields = {name: [before[old].get(name), after[new].get(name)] for name in _LAYER_FIELDS
                  if before[old].get(name) != after[new].get(name)}
        if fields:
            changed.append({"index": new, "layer": _layer_text(after[new]), "fields": fields})
    return {"added": [{"index": index, "layer": _layer_text(after[index])} for index in sorted(added)],
            "removed": [{"index": index, "layer": _layer_text(before[index])} for index in sorted(removed)],
            "changed": changed}


def _metric_change(record: dict[str, Any], earlier: dict[str, Any],
                   goal: Goal | None) -> dict[str, Any] | None:
    goal = goal or default_goal([record, earlier])
    if goal is None:
        return None
    before, after = goal.value(earlier), goal.value(record)
    change: dict[str, Any] = {"metric": goal.metric, "mode": goal.mode, "before": before,
                              "after": after, "delta": None, "better": None}
    # a score only compares with a score of the same meaning: PCA's log-likelihood is no
    # better or worse than a classifier's accuracy, though both are called train_score
    comparable = score_meaning(record, goal.metric) == score_meaning(earlier, goal.metric)
    if not comparable:
        change["comparable"] = False
    elif before is not None and after is not None:
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
    unknown = changes.get("unknown") or []
    if not changes["differs"] and not unknown:
        return f"Same experiment as {changes['earlier_label']}."
    parts = []
    if unknown:
        # a missing fingerprint (a stream kepler could not identify) proves nothing either way
        parts.append(f"{' and '.join(unknown)} not comparable (no {unknown[0]} fingerprint)")
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
        fingerprints differ), ``unknown`` (which of them one side lacks, e.g. the data of a
        stream kepler could not identify: neither the same nor different), ``model_class`` ([before, after] or None), ``settings`` and
        ``data`` (lists of ``{"name", "before", "after"}``), ``architecture`` (see
        ``diff_layers``, plus ``n_params`` [before, after]), ``metric`` (before, after, delta,
        better, distance to the target) and ``summary``: the compact plain-JSON form the
        pipeline stores in the record as ``changes`` (``summary["text"]`` is one line).
    """
    prints = {part: (get_path(earlier, f"fingerprint.{part}"), get_path(record, f"fingerprint.{part}"))
              for part in _FINGERPRINT_PARTS}
    # a part with no fingerprint on either side is unknown, never "the same"
    unknown = [part for part, (old, new) in prints.items() if not old or not new]
    differs = [part for part, (old, new) in prints.items() if old and new and old != new]
    before_class, after_class = get_path(earlier, "model.class"), get_path(record, "model.class")
    settings = [item for item in _differences(flatten(earlier.get("params") or {}),
                                              flatten(record.get("params") or {}), _IGNORED_SETTINGS)
                if not is_noise_setting(item["name"])]
    if _framework(earlier) != _framework(record):
        # a Keras optimizer has no counterpart in a scikit-learn estimator: a setting only one
        # framework has is not applicable to the other, not a change (the model class says it)
        settings = [item for item in settings
                    if item["before"] is not None and item["after"] is not None]
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
        "unknown": unknown,
        "model_class": [before_class, after_class] if before_class != after_class else None,
        "settings": settings,
        "architecture": architecture,
        "data": data,
        "metric": _metric_change(record, earlier, goal),
    }
    changes["summary"] = {
        "earlier": earlier.get("id"),
        "differs": differs,
        "unknown": unknown,
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
    #: at most one next step drawn from the journal (``history.advice``), with its evidence
    next_step: Any = None

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
    from kepler_jupyter.history.similarity import Similar, similar_experiments, transfer_hint

    similar = _similar_earlier(journal, record, k=max(k, 1))
    if similar is None:
        records = journal.experiments() if hasattr(journal, "experiments") else list(journal)
        similar = similar_experiments(_earlier_records(records, record), record, k=max(k, 1))
    cited = _cited_same_experiment(journal, record, similar)
    if cited is not None:
        # the same experiment as the re-run notice named: first in the list too
        others = [item for item in similar if item.record.get("id") != cited.get("id")]
        same = next((item for item in similar if item.record.get("id") == cited.get("id")),
                    Similar(cited, 1.0, True))
        similar = [same, *others]
    report = AfterFit(record, goal, similar=similar[:k])
    earlier = cited if cited is not None else (similar[0].record if similar else None)
    if earlier is not None:
        report.earlier = earlier
        report.changes = describe_changes(record, earlier, goal)
    report.hints = [hint for hint in map(transfer_hint, report.similar) if hint]
    report.next_step = _next_step(journal, record, goal)
    return report


def _cited_same_experiment(journal: Any, record: dict[str, Any],
                           similar: list[Any]) -> dict[str, Any] | None:
    """The earlier run ``record`` repeats, as ``find_same_experiment`` found it before the fit
    (``duplicate_of``, the run the re-run notice named). A journal holding several runs of
    the same experiment ties them on similarity, and the ranking's first would be any of them:
    the report names the one the notice named, so the cell cites one run, not two."""
    cited = record.get("duplicate_of")
    if not isinstance(cited, str) or not cited:
        return None
    for item in similar:
        if item.record.get("id") == cited:
            return dict(item.record)
    try:
        if hasattr(journal, "get") and hasattr(journal, "experiments"):
            found = journal.get(cited)
            return found if isinstance(found, dict) else None
        return next((r for r in journal if isinstance(r, dict) and r.get("id") == cited), None)
    except Exception:  # removed meanwhile: the nearest earlier experiment stands in
        return None


def _next_step(journal: Any, record: dict[str, Any], goal: Goal | None) -> Any:
    from kepler_jupyter.history.advice import same_data_records, suggest_next_step

    try:
        return suggest_next_step(same_data_records(journal, record, goal), record, goal,
                                 rank_by_importance=False)
    except Exception as error:  # advice is optional: it must never cost the user the report
        import warnings

        from kepler_jupyter.warnings import KeplerInternalWarning

        warnings.warn(f"kepler could not work out a next step: {error}", KeplerInternalWarning, stacklevel=2)
        return None
