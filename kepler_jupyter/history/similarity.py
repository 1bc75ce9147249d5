"""Similar models: a numeric vector per experiment and a nearest-neighbour search over the journal.

Each record becomes a sparse set of features:

* numbers (``n:``): depth, log widths, log number of parameters, log learning rate, log batch
  size, log epochs, and every numeric estimator parameter (on a signed log scale, since
  ``C=0.01`` and ``C=1`` differ as much as ``1`` and ``100``). Each has a fixed natural unit
  (4 layers, a decade of learning rate, a factor 4 of width…); a difference counts in those
  units, at most 1, and 1 when only one of the two models has the number at all;
* categories and counts (``c:``), compared as they are: framework and model class (weighted so
  that a different kind of model is further than any change of settings: a forest is not a
  network), optimizer, loss, layer types and activations (``log1p`` of their counts), pipeline
  steps and categorical estimator parameters.

The distance is Euclidean over those columns and the score ``exp(-distance / 3)``: 1 for the
same model and settings, about 0.7 for a change of one decade of learning rate and a wider
layer, under 0.15 for another kind of model. Fixed units make scores comparable between
searches and journals of any size. Results put experiments on the **same data** first, then
sort by score. Everything after the per-record feature extraction (cached by id and
fingerprint) is vectorised with numpy, so a search over 10,000 experiments takes well under a
second (``benchmarks/similarity_benchmark.py``).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kepler_jupyter.artifacts import model_artifact
from kepler_jupyter.journal.record import experiment_label, get_path

#: statuses of experiments worth showing as similar: they trained (or tried to)
DEFAULT_STATUSES = ("completed", "stopped", "failed", "interrupted")
#: estimator parameters that say how to compute, not what to learn
_IGNORED_ESTIMATOR_PARAMS = {"random_state", "verbose", "n_jobs", "warm_start", "copy_X",
                             "memory", "copy", "verbose_feature_names_out", "seed"}
_CLASS_WEIGHT = 3.0
_FRAMEWORK_WEIGHT = 3.0
#: units of the numeric features (see the module docstring); the first matching prefix wins
_UNITS = (("n:depth", 4.0), ("n:width", 2.0), ("n:log_params", 1.0), ("n:learning_rate", 1.0),
          ("n:batch_size", 2.0), ("n:epochs", 2.0), ("n:p:", 1.0))
#: a similarity score is exp(-distance / SCORE_SCALE): 1 for equal runs
SCORE_SCALE = 3.0
_CACHE_SIZE = 50_000
_feature_cache: OrderedDict[tuple[str, str], dict[str, float]] = OrderedDict()


@dataclass
class Similar:
    """One earlier experiment similar to the one searched for."""

    record: dict[str, Any]
    #: 1 for the same model and settings, towards 0 for very different ones
    score: float
    #: trained on exactly the same data (same data fingerprint)
    same_data: bool

    def __repr__(self) -> str:
        where = "same data" if self.same_data else "other data"
        return f"Similar({experiment_label(self.record)}, score={self.score:.3f}, {where})"


def _signed_log(value: float) -> float:
    # log-like over many decades, defined at 0 and for negatives (1e-4 → 0.3, 1 → 4, 100 → 6)
    return math.copysign(math.log10(1.0 + abs(value) * 1e4), value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _layer_features(layers: list[dict[str, Any]], features: dict[str, float]) -> None:
    type_counts: dict[str, int] = {}
    activation_counts: dict[str, int] = {}
    widths: list[float] = []
    for layer in layers:
        if not isinstance(layer, dict):
            continue
        layer_class = str(layer.get("class") or "?")
        type_counts[layer_class] = type_counts.get(layer_class, 0) + 1
        activation = layer.get("activation")
        if activation:
            activation_counts[str(activation)] = activation_counts.get(str(activation), 0) + 1
        units = _number(layer.get("units"))
        if units is None:
            shape = layer.get("output_shape")
            if isinstance(shape, list) and shape and _number(shape[-1]) is not None:
                units = _number(shape[-1])
        if units is not None and units > 0:
            widths.append(math.log2(units))
    features["n:depth"] = float(len(layers))
    for name, count in type_counts.items():
        features[f"c:layer={name}"] = math.log1p(count)
    for name, count in activation_counts.items():
        features[f"c:activation={name}"] = math.log1p(count)
    if widths:
        features["n:width_mean"] = sum(widths) / len(widths)  # np.mean: 10 us per record
        features["n:width_max"] = max(widths)
        features["n:width_min"] = min(widths)


def _estimator_features(params: dict[str, Any], features: dict[str, float]) -> None:
    for name, value in params.items():
        if name in _IGNORED_ESTIMATOR_PARAMS or name.split("__")[-1] in _IGNORED_ESTIMATOR_PARAMS:
            continue
        number = _number(value)
        if number is not None:
            features[f"n:p:{name}"] = _signed_log(number)
        elif isinstance(value, (str, bool)) or value is None:
            features[f"c:p:{name}={value}"] = 1.0
        elif isinstance(value, dict) and "class" in value:
            # a nested estimator or a pipeline step, as the adapter describes it
            features[f"c:step={value['class']}"] = 1.0


def record_features(record: dict[str, Any]) -> dict[str, float]:
    """The sparse feature set of one record (``n:`` numbers, ``c:`` categories and counts)."""
    features: dict[str, float] = {}
    framework = record.get("framework")
    if framework:
        features[f"c:framework={framework}"] = _FRAMEWORK_WEIGHT
    model_class = get_path(record, "model.class")
    if model_class:
        features[f"c:class={model_class}"] = _CLASS_WEIGHT
    layers = get_path(record, "model.layers")
    if isinstance(layers, list) and layers:
        _layer_features(layers, features)
    n_params = _number(get_path(record, "model.n_params"))
    if n_params is not None and n_params >= 0:
        features["n:log_params"] = math.log10(1.0 + n_params)
    params = record.get("params") or {}
    for name, scale in (("learning_rate", math.log10), ("batch_size", math.log2),
                        ("epochs", math.log2)):
        value = _number(params.get(name))
        if value is not None and value > 0:
            features[f"n:{name}"] = scale(value)
    for name in ("optimizer", "loss"):
        value = params.get(name)
        if isinstance(value, dict):  # a serialised Keras object: {"class": ..., "config": ...}
            value = value.get("name") or value.get("class") or value.get("class_name")
        if value:
            features[f"c:{name}={str(value).lower()}"] = 1.0
    estimator_params = params.get("estimator_params")
    if isinstance(estimator_params, dict):
        _estimator_features(estimator_params, features)
    # Names come from the record's text; one with a lone surrogate (a hand-edited or foreign
    # journal) cannot be stored in the index, and says nothing about the model anyway.
    return {name: value for name, value in features.items() if _encodable(name)}


def _encodable(name: str) -> bool:
    if name.isascii():  # a flag of the string: no encoding needed
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _cached_features(record: dict[str, Any]) -> dict[str, float]:
    key = (str(record.get("id")), str(get_path(record, "fingerprint.experiment")))
    if record.get("id") is None or key[1] == "None":
        return record_features(record)
    cached = _feature_cache.get(key)
    if cached is None:
        cached = _feature_cache[key] = record_features(record)
        if len(_feature_cache) > _CACHE_SIZE:
            _feature_cache.popitem(last=False)
    return cached


def feature_unit(name: str) -> float:
    """The difference in a numeric feature that counts as "entirely different" (distance 1)."""
    for prefix, unit in _UNITS:
        if name.startswith(prefix):
            return unit
    return 1.0


def feature_matrix(records: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The records as rows of a dense matrix, which entries are present, and the column names.

    Numeric columns are divided by their unit (``_UNITS``); category and count columns are
    kept as they are.
    """
    columns: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, record in enumerate(records):
        for name, value in _cached_features(record).items():
            col = columns.setdefault(name, len(columns))
            rows.append(row)
            cols.append(col)
            values.append(value)
    names = list(columns)
    matrix = np.zeros((len(records), len(names)), dtype=np.float64)
    present = np.zeros_like(matrix, dtype=bool)
    matrix[rows, cols] = values
    present[rows, cols] = True
    units = np.array([feature_unit(name) if name.startswith("n:") else 1.0 for name in names])
    return matrix / units, present, names


def _same_data(record: dict[str, Any], other: dict[str, Any]) -> bool:
    mine = get_path(record, "fingerprint.data")
    return mine is not None and mine == get_path(other, "fingerprint.data")


def similarity_scores(record: dict[str, Any], candidates: list[dict[str, Any]]) -> np.ndarray:
    """The similarity score of each candidate to ``record`` (1 = same model and settings)."""
    if not candidates:
        return np.zeros(0)
    matrix, present, names = feature_matrix([record, *candidates])
    numeric = np.array([name.startswith("n:") for name in names], dtype=bool)
    gaps = np.abs(matrix[1:] - matrix[0])
    # A number only one of the two models has (a learning rate, a max_depth) is as different
    # as it gets; each number adds at most 1, so no pile of settings outweighs the model kind.
    one_sided = present[1:] != present[0]
    gaps[:, numeric] = np.where(one_sided[:, numeric], 1.0, np.minimum(gaps[:, numeric], 1.0))
    distances = np.sqrt((gaps ** 2).sum(axis=1))
    return np.exp(-distances / SCORE_SCALE)


def similar_experiments(journal_or_records: Any, record: dict[str, Any], k: int = 5,
                        statuses: Iterable[str] | None = DEFAULT_STATUSES,
                        among: set[str] | None = None) -> list[Similar]:
    """The ``k`` experiments most similar to ``record``, same data first.

    Parameters
    ----------
    journal_or_records : Journal or list of dict
        Where to search.
    record : dict
        The experiment (a journal record, or one being built) to find neighbours of; it is
        never its own neighbour.
    k : int
        How many to return.
    statuses : iterable of str or None
        Only experiments with these statuses (default: those that trained); ``None`` for all.
    among : set of str, optional
        Only the experiments with these ids.

    Returns
    -------
    list of Similar
        Experiments on the same data first, then by decreasing score.
    """
    if hasattr(journal_or_records, "indexed"):
        reads = journal_or_records.indexed()
        if reads is not None:  # the index's stored vectors: no record is read but the k found
            from kepler_jupyter.history.similar_index import similar_in_index

            return similar_in_index(reads, record, k=k, statuses=statuses, among=among)
    records = journal_or_records.experiments() if hasattr(journal_or_records, "experiments") \
        else list(journal_or_records)
    if among is not None:
        records = [other for other in records if other.get("id") in among]
    allowed = None if statuses is None else set(statuses)
    own_id = record.get("id")
    candidates = [other for other in records
                  if (own_id is None or other.get("id") != own_id)
                  and (allowed is None or other.get("status") in allowed)]
    if not candidates or k <= 0:
        return []
    scores = similarity_scores(record, candidates)
    same_data = np.array([_same_data(record, other) for other in candidates], dtype=bool)
    # lexsort sorts by the last key first: same data, then score (both descending).
    order = np.lexsort((-scores, ~same_data))[:k]
    return [Similar(candidates[i], float(scores[i]), bool(same_data[i])) for i in order]


def transfer_hint(similar: Similar) -> str | None:
    """A pointer to saved weights of a similar model trained on other data, if there are any."""
    if similar.same_data:
        return None
    path = model_artifact(similar.record)
    if not path:
        return None
    what = "weights" if similar.record.get("framework") == "keras" else "fitted model"
    return (f"A similar model, {experiment_label(similar.record)} (similarity "
            f"{similar.score:.2f}), was trained on different data and its {what} are saved at "
            f"{path}: consider starting from them (transfer learning) instead of from scratch.")
