"""What the index keeps of one record: its listing fields, fingerprints and similarity features.

Everything here is derived from the record line alone, so an index row can always be rebuilt
from the journal and never says more than the journal does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kepler_jupyter.journal.groups import base_key, cell_run
from kepler_jupyter.journal.record import SUMMARY_SETTINGS, json_safe, normalize

#: top-level fields copied whole into the index: ``experiments(fields=...)`` asking only for
#: these is answered from the index without reading the journal
LISTING_FIELDS: tuple[str, ...] = (
    "id", "name", "status", "created", "started", "ended", "duration_s", "framework", "tags",
    "metrics", "summary", "duplicate_of", "epochs_done", "archived",
)
#: key of a slim record listing the listing fields left out for their size
OMITTED_KEY = "$omitted"
#: settings a slim listing record keeps from ``params`` (what list rows and tables show)
SLIM_PARAMS: tuple[str, ...] = (*SUMMARY_SETTINGS, "estimator_params")
_SLIM_MODEL: tuple[str, ...] = ("class", "n_params")
# A listed value longer than this (a hostile journal) is left out of the index row; the
# record itself still has it and ``get`` returns it.
_MAX_FIELD_CHARS = 20_000


@dataclass(frozen=True)
class IndexRow:
    """One experiment's row in the index (see ``index.JournalIndex``)."""

    id: str
    offset: int
    length: int
    name: str | None
    status: str | None
    created: str | None
    framework: str | None
    model_class: str | None
    fp_experiment: str | None
    fp_model: str | None
    fp_data: str | None
    fp_settings: str | None
    listing: str
    features: dict[str, float]
    metric_values: dict[str, float]
    n_params: int | None
    n_errors: int
    n_warnings: int
    duration_s: float | None
    search_text: str
    archived: bool = False
    #: the run table's group before loops are known (``journal.groups.base_key``)
    group_key: str | None = None
    #: the cell run / ``watch()`` block that made the record (``journal.groups.cell_run``)
    group_cell: str | None = None
    #: the record's fields in sort form as JSON (``journal.index_fields``)
    fields: str | None = None
    #: what the record adds to the column catalogue, as JSON (``journal.index_catalogue``)
    catalogue: str = "[]"


def _text(value: Any) -> str | None:
    """A string column's value; strings SQLite cannot store (lone surrogates) are left out."""
    return value if isinstance(value, str) and storable(value) else None


def storable(text: str) -> bool:
    """Whether ``text`` can be stored in (and compared by) SQLite: valid UTF-8."""
    if text.isascii():  # a flag of the string: no encoding needed
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Ids SQLite cannot hold (lone surrogates from a damaged or hostile journal) are kept under a
# storable key: this mark, then the id's bytes in hex. Storable ids that begin with the mark
# are escaped too, so that no two ids share a key.
_ODD_ID_MARK = "\x01"


def index_key(record_id: str) -> str:
    """The index's key for ``record_id``: the id itself, or an escaped form SQLite can store."""
    if storable(record_id) and not record_id.startswith(_ODD_ID_MARK):
        return record_id
    return _ODD_ID_MARK + record_id.encode("utf-8", "surrogatepass").hex()


def id_of_key(key: str) -> str:
    """The record id of an index key (``index_key``'s inverse)."""
    if not key.startswith(_ODD_ID_MARK):
        return key
    try:
        return bytes.fromhex(key[len(_ODD_ID_MARK):]).decode("utf-8", "surrogatepass")
    except ValueError:  # not a key kepler wrote: keep it as it is
        return key


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _small(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, str):
        return len(value) <= _MAX_FIELD_CHARS // 6  # even if every character is escaped
    try:
        return len(json.dumps(value)) <= _MAX_FIELD_CHARS
    except (TypeError, ValueError, RecursionError):
        return False


def _counts(findings: Any) -> tuple[int, int]:
    errors = warnings = 0
    if isinstance(findings, list):
        for finding in findings:
            severity = _mapping(finding).get("severity")
            errors += severity == "error"
            warnings += severity == "warning"
    return errors, warnings


def _cell_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True)[:200]
    except (TypeError, ValueError, RecursionError):
        return None


def search_text(record: Mapping[str, Any], model_class: str | None) -> str:
    """Lower-cased text a free-text search of the list matches: id, name, status, framework,
    model class, hypothesis, optimizer, loss and tags."""
    params = _mapping(record.get("params"))
    tags = record.get("tags")
    pieces = [record.get("id"), _text(record.get("name")), _text(record.get("status")),
              _text(record.get("framework")), model_class,
              _text(_mapping(record.get("notes")).get("hypothesis")),
              _cell_text(params.get("optimizer")), _cell_text(params.get("loss")),
              *([tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else [])]
    text = "\n".join(str(piece) for piece in pieces if piece).lower()
    return text if storable(text) else text.encode("utf-8", "replace").decode("utf-8")


def slim_record(record: Mapping[str, Any], checked: bool = True,
                normal: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The part of a record that listings show, as a record of its own.

    It has the ``LISTING_FIELDS`` the record has, and cut-down ``model`` (class, n_params),
    ``params`` (``SLIM_PARAMS``), ``notes`` and ``findings`` (code and severity only), so list
    rows, tables and data frames built from it read the same as from the record. With
    ``checked``, a field too large for a listing (a hostile journal) is left out and named in
    ``OMITTED_KEY``. ``normal``: ``normalize(record)`` where the caller has it already (the
    index's rebuild: normalizing every record twice cost a tenth of it).
    """
    small = _small if checked else (lambda value: True)
    slim: dict[str, Any] = {}
    omitted = []
    for name in LISTING_FIELDS:
        if name in record:
            if small(record[name]):
                slim[name] = record[name]
            else:
                omitted.append(name)
    model = _mapping(record.get("model"))
    slim["model"] = {key: model[key] for key in _SLIM_MODEL if key in model and small(model[key])}
    params = _mapping(record.get("params"))
    slim["params"] = {key: params[key] for key in SLIM_PARAMS if key in params and small(params[key])}
    if len(slim["model"]) < sum(key in model for key in _SLIM_MODEL):
        omitted.append("model")
    if len(slim["params"]) < sum(key in params for key in SLIM_PARAMS):
        omitted.append("params")
    if "notes" in record:
        if small(record["notes"]):
            slim["notes"] = record["notes"]
        else:
            omitted.append("notes")
    if omitted:
        slim[OMITTED_KEY] = omitted  # readers needing these read the record itself
    findings = record.get("findings")
    if isinstance(findings, list):
        slim["findings"] = [
            {"code": _text(_mapping(f).get("code")), "severity": _text(_mapping(f).get("severity"))}
            for f in findings[:1000]
        ]
    # what reading the whole record would say is damaged, also for fields a listing omits
    damaged = (normalize(record) if normal is None else normal).get("damaged")
    if damaged:
        slim["damaged"] = damaged
    return slim


def listing_json(record: Mapping[str, Any], normal: Mapping[str, Any] | None = None) -> str:
    """The slim record as the index stores it (ASCII JSON, so lone surrogates survive);
    ``normal``: ``normalize(record)`` if known."""
    # Strict JSON (no NaN tokens, which a hand-written line can hold): SQLite's JSON functions
    # refuse anything else, and the index's filters run on this text.
    try:
        text = json.dumps(slim_record(record, checked=False, normal=normal), allow_nan=False)
        if len(text) <= _MAX_FIELD_CHARS:  # the usual case: one dump, no per-field checks
            return text
    except (TypeError, ValueError, RecursionError):
        pass
    return json.dumps(json_safe(slim_record(record, normal=normal)), allow_nan=False)


def features_of(record: Mapping[str, Any]) -> dict[str, float]:
    """The record's similarity features (``history.similarity.record_features``), finite only."""
    from kepler_jupyter.history.similarity import record_features

    try:
        features = record_features(dict(record))
    except Exception:  # a hostile record: no vector, the row is still listed
        return {}
    return {name: value for name, value in features.items() if math.isfinite(value)}


def row_for(record: Mapping[str, Any], offset: int, length: int) -> IndexRow:
    """The index row of ``record``, whose line is ``length`` bytes at ``offset`` of the journal."""
    fingerprint = _mapping(record.get("fingerprint"))
    model = _mapping(record.get("model"))
    summary = _mapping(record.get("summary"))
    model_class = _text(model.get("class")) or _text(summary.get("model_class"))
    n_params = model.get("n_params")
    errors, warnings = _counts(record.get("findings"))
    from kepler_jupyter.journal.index_catalogue import entries_json
    from kepler_jupyter.journal.index_fields import fields_json  # it reads this module

    normal = normalize(record)  # as the snapshot's records are read

    return IndexRow(
        id=index_key(str(record["id"])),
        offset=offset,
        length=length,
        name=_text(record.get("name")),
        status=_text(record.get("status")),
        created=_text(record.get("created")),
        framework=_text(record.get("framework")),
        model_class=model_class,
        fp_experiment=_text(fingerprint.get("experiment")),
        fp_model=_text(fingerprint.get("model")),
        fp_data=_text(fingerprint.get("data")),
        fp_settings=_text(fingerprint.get("settings")),
        listing=listing_json(record, normal),
        features=features_of(record),
        metric_values=metric_values_of(record),
        n_params=n_params if isinstance(n_params, int) and not isinstance(n_params, bool)
        and abs(n_params) < 1 << 62 else None,
        n_errors=errors,
        n_warnings=warnings,
        duration_s=_finite(record.get("duration_s")),
        search_text=search_text(record, _text(model.get("class"))),
        archived=record.get("archived") is True,
        # never NULL, so that grouping walks the index on it: a key SQLite cannot store (a
        # search name with a lone surrogate) leaves the record a group of its own
        group_key=_text(base_key(record)) or f"i:{index_key(str(record['id']))}",
        group_cell=_text(cell_run(record)),
        fields=fields_json(normal),
        catalogue=entries_json(normal),
    )


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value) if math.isfinite(value) else None
    except OverflowError:  # an integer past float's range (a hand-written line): infinite
        return None


def metric_values_of(record: Mapping[str, Any]) -> dict[str, float]:
    """Each metric's value as ``history.goal.Goal.value`` reads it: the final metric, else the
    last epoch of its history; only finite numbers."""
    values: dict[str, float] = {}
    for name, curve in _mapping(record.get("history")).items():
        if isinstance(curve, list) and curve:
            value = _finite(curve[-1])
            if value is not None:
                values[str(name)] = value
    for name, value in _mapping(record.get("metrics")).items():
        values.pop(str(name), None)  # the final metric decides, even when it is not a number
        number = _finite(value)
        if number is not None:
            values[str(name)] = number
    return values
