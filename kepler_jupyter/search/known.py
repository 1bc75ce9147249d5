"""The journal's finished experiments that are points of a search: what the search already knows.

An experiment counts as a point of the search when

* it finished training (``completed`` or ``stopped``);
* it was trained on the same data: the fingerprints of ``X`` and ``y`` (and of the validation
  data, when the search has some) equal the record's;
* it was made by the same search (``search.name`` in its record), or by hand from the same
  model family: its model class is the class ``build`` returns;
* every parameter of the space has a value in it — from the ``search.params`` a search stored,
  else from the estimator's parameters or the fit settings — and that value lies in the space.

Several experiments at the same point count once (the most recent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kepler_jupyter.search.space import is_distribution, plain, point_key

DONE = ("completed", "stopped")


@dataclass
class KnownPoint:
    """A point of the space the journal already holds, with the record that stands for it."""

    params: dict[str, Any]
    record: dict[str, Any]


@dataclass(frozen=True)
class DataPrints:
    """Fingerprints of the search's data, compared with each record's."""

    X: str | None
    y: str | None
    validation: tuple[str | None, ...] = ()

    @classmethod
    def of(cls, X: Any, y: Any, validation: Any = None) -> DataPrints:
        from kepler_jupyter.fingerprint import fingerprint_data

        prints: tuple[str | None, ...] = ()
        if validation is not None:
            # Keras journals validation_data as one fingerprint; scikit-learn points are
            # scored on it and journal the scored X
            prints = (fingerprint_data(list(validation)), fingerprint_data(validation[0]))
        return cls(fingerprint_data(X), fingerprint_data(y) if y is not None else None, prints)

    def match(self, record: Mapping[str, Any]) -> bool:
        data = _section(record, "data")
        prints = _section(data, "fingerprints")
        if self.X is None or prints.get("X") != self.X or prints.get("y") != self.y:
            return False
        if not self.validation:
            return True
        scored = _section(_section(data, "validation_scored"), "fingerprints")
        return prints.get("validation") == self.validation[0] or scored.get("X") == self.validation[1]


def _section(record: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """``record[name]`` when it is a mapping, else an empty one (hostile records hold anything)."""
    value = record.get(name)
    return value if isinstance(value, Mapping) else {}


def record_params(record: Mapping[str, Any], names: list[str]) -> dict[str, Any] | None:
    """The values of ``names`` in a record, or None when one is missing."""
    stored = _section(record, "search").get("params")
    params = _section(record, "params")
    places = [stored or {}, params.get("estimator_params") or {}, params, params.get("fit_kwargs") or {}]
    found: dict[str, Any] = {}
    for name in names:
        bare = name[len("fit__"):] if name.startswith("fit__") else name
        for place in places:
            if isinstance(place, Mapping) and (name in place or bare in place):
                found[name] = plain(place[name] if name in place else place[bare])
                break
        else:
            return None
    return found


def in_space(value: Any, values: Any) -> bool:
    """Whether a journaled value is one the space can produce."""
    if is_distribution(values):
        try:
            return bool(values._contains(values.to_internal_repr(value)))
        except Exception:  # a value of the wrong kind (a string for a float range)
            return False
    # True == 1 in Python, but a boolean is not the number 1 in a space
    return any(value == option and isinstance(value, bool) == isinstance(option, bool) for option in values)


def known_points(records: list[dict[str, Any]], space: Mapping[str, Any], *, search_name: str,
                 prints: DataPrints, model_class: Callable[[dict[str, Any]], str | None]) -> list[KnownPoint]:
    """The journal's finished points of this search, oldest first, one per point.

    Parameters
    ----------
    records
        The journal's experiments, oldest first.
    space
        The validated space (lists and Optuna distributions).
    search_name
        The search's name: records with ``search.name`` equal to it are its own.
    prints
        The search's data fingerprints.
    model_class
        ``model_class(params)``: the class name ``build`` returns at a point; called once,
        only if a hand-made candidate needs it.
    """
    names = list(space)
    by_key: dict[str, KnownPoint] = {}
    family: list[str | None] = []
    for record in records:
        if record.get("status") not in DONE or not prints.match(record):
            continue
        params = record_params(record, names)
        if params is None or not all(in_space(params[name], space[name]) for name in names):
            continue
        search = _section(record, "search")
        if search.get("name") != search_name:
            if not family:
                family.append(model_class(params))
            if family[0] is None or (record.get("model") or {}).get("class") != family[0]:
                continue
        key = point_key(params)
        by_key.pop(key, None)  # the latest record of a point stands for it
        by_key[key] = KnownPoint(params, record)
    return list(by_key.values())
