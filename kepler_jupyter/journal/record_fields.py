"""The record's fields and their types, and ``normalize``, which holds a stored record to them.

Part of the record's owner (``journal.record`` re-exports everything here): the one field
specification from which the panel's JSON schema (``$defs/ExperimentRecord``) is generated and
against which every record read from a journal is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_NESTING = 64
"""A journal line nested deeper than this (the record itself is level 1) is a damaged line."""

#: at most this many reasons are kept on a damaged record
_MAX_REASONS = 20
_MISSING = object()


@dataclass(frozen=True)
class FieldSpec:
    """The type of one field: a JSON type, and for containers the types of what they hold.

    ``None`` is accepted for every field except ``id``: it means "not known".

    Attributes
    ----------
    type
        ``"string"``, ``"integer"``, ``"number"``, ``"boolean"``, ``"object"``, ``"array"``
        or ``"any"``.
    description
        What the field holds (goes into the JSON schema).
    properties
        Known keys of an object and their types; other keys pass unchecked unless ``values``.
    values
        The type of every other key of an object (``metrics``, ``history``).
    items
        The type of an array's elements; an element of the wrong type is dropped, or the whole
        array when ``strict``.
    strict
        Whether one wrong element makes the whole array wrong (a curve with a gap of text is
        no curve).
    ref
        Name of the schema's ``$defs`` entry describing an element (``Finding``).
    """

    type: str
    description: str = ""
    properties: Mapping[str, FieldSpec] = field(default_factory=dict)
    values: FieldSpec | None = None
    items: FieldSpec | None = None
    strict: bool = False
    ref: str | None = None


def _s(description: str = "") -> FieldSpec:
    return FieldSpec("string", description)


def _i(description: str = "") -> FieldSpec:
    return FieldSpec("integer", description)


def _n(description: str = "") -> FieldSpec:
    return FieldSpec("number", description)


def _o(description: str = "", **properties: FieldSpec) -> FieldSpec:
    return FieldSpec("object", description, properties=properties)


_NUMBER_LIST = FieldSpec("array", items=_n(), strict=True)

FIELDS: dict[str, FieldSpec] = {
    "format": _i("version of the record layout"),
    "id": _s("the experiment's id (10 characters, lower case)"),
    "project": _s("the project folder's name"),
    "name": _s("the experiment's name"),
    "status": _s("running, completed, failed, interrupted, stopped, blocked or skipped"),
    "kind": _s("'cross_validation' for cross-validation runs; absent for plain fits"),
    "created": _s("ISO 8601 UTC time the fit was called"),
    "started": _s("ISO 8601 UTC time training started"),
    "ended": _s("ISO 8601 UTC time the run ended"),
    "duration_s": _n("seconds from start to end"),
    "framework": _s("'keras' or 'sklearn'"),
    "model": _o("class, module, config, layers, n_params, n_trainable_params",
                **{"class": _s(), "module": _s(), "n_params": _i(), "n_trainable_params": _i(),
                   "layers": FieldSpec("array", items=_o())}),
    "params": _o("training settings: epochs, batch_size, optimizer, learning_rate, loss, ...",
                 learning_rate=_n(), estimator_params=_o(), fit_kwargs=_o()),
    "data": _o("statistics and fingerprints of the training and validation data",
               fingerprints=_o(), validation=_o()),
    "history": FieldSpec("object", "per-epoch values of each metric", values=_NUMBER_LIST),
    "metrics": FieldSpec(
        "object",
        "final metrics (numbers), with bookkeeping: score_name, train_score_n, n_iter, ...",
        properties={"score_name": _s(), "train_score_n": _i(), "n_iter": _i(),
                    "n_splits": _i(), "cv_fold_scores": FieldSpec("array", items=_n()),
                    "best_params": _o(), "cv_results": _o()},
        values=_n(),
    ),
    "findings": FieldSpec("array", "what the checks found", items=_o(), ref="Finding"),
    "env": _o("python, packages, platform, cpu, gpus, git, seeds"),
    "source": _o("the cell's text, the notebook, the notebook cell's id and the id of the cell "
                 "run (block)", cell=_s(), notebook=_s(), cell_id=_s(), run=_s()),
    "notes": _o("the lab notes", hypothesis=_s(), conclusion=_s()),
    "tags": FieldSpec("array", "the user's tags", items=_s()),
    "archived": FieldSpec("boolean", "hidden from listings unless asked for (kept in the journal)"),
    "fingerprint": _o("content hashes: the experiment key and its parts",
                      experiment=_s(), model=_s(), data=_s(), settings=_s()),
    "error": _o("why a failed run failed", type=_s(), message=_s()),
    "stop_reason": _s("why a stopped run stopped"),
    "summary": _o("a small copy of what listings show (journal.record.summarize)",
                  model_class=_s(), n_params=_i(), n_layers=_i(), settings=_o(),
                  n_errors=_i(), n_warnings=_i(), estimator_params=_o()),
    "changes": _o("what differs from the nearest earlier experiment"),
    "duplicate_of": _s("id of the earlier run of the same experiment"),
    "artifacts": _o("saved files", model=_s()),
    "epochs_done": _i("epochs finished so far"),
    "damaged": FieldSpec("array", "why fields were dropped when the record was read "
                         "(set by normalize, never written by kepler)", items=_s()),
}
"""Every top-level field of a format-1 record, with its type."""

_TYPE_NAMES = {
    str: "a string", int: "an integer", float: "a number", bool: "a boolean", dict: "an object",
    list: "an array", type(None): "null",
}
_EXPECTED = {
    "string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
    "object": "an object", "array": "an array",
}


# the Python types (as json.loads makes them) each JSON type allows; bool is not a number
_ALLOWED: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "number": frozenset({int, float}),
    "integer": frozenset({int}),
    "object": frozenset({dict}),
    "array": frozenset({list}),
    "boolean": frozenset({bool}),
}
# array elements of these types may also be null (a curve's gap, a NaN written as null)
_NULLABLE_ITEMS = frozenset({"number", "integer"})
_NONE_TYPE = type(None)


@dataclass(frozen=True)
class _Rule:
    """A ``FieldSpec`` compiled for checking: the Python types allowed, and what is inside."""

    spec: FieldSpec
    allowed: frozenset[type] | None  # None: anything
    properties: dict[str, _Rule]
    values: _Rule | None
    item_types: frozenset[type] | None  # None: elements not checked
    nested: bool


def _compile(spec: FieldSpec) -> _Rule:
    item_types = None
    if spec.items is not None:
        item_types = _ALLOWED.get(spec.items.type)
        if item_types is not None and spec.items.type in _NULLABLE_ITEMS:
            item_types = item_types | {_NONE_TYPE}
    properties = {key: _compile(inner) for key, inner in spec.properties.items()}
    values = None if spec.values is None else _compile(spec.values)
    return _Rule(spec, _ALLOWED.get(spec.type), properties, values, item_types,
                 nested=bool(properties) or values is not None or item_types is not None)


def _check(value: Any, rule: _Rule, path: str, reasons: list[str]) -> Any:
    """``value`` if it has the type ``rule`` says, a fixed copy if only parts of it are wrong,
    ``_MISSING`` if it is wrong as a whole. Reasons for each change are appended."""
    spec = rule.spec
    if rule.allowed is not None and type(value) not in rule.allowed:
        got = _TYPE_NAMES.get(type(value), type(value).__name__)
        reasons.append(f"{path}: expected {_EXPECTED[spec.type]}, got {got}")
        return _MISSING
    if not rule.nested:
        return value
    if rule.item_types is not None:
        # one pass over the element types in C: the common case (all fine) costs almost nothing
        if {type(item) for item in value} <= rule.item_types:
            return value
        expected = _EXPECTED[spec.items.type]  # type: ignore[union-attr]
        if spec.strict:
            reasons.append(f"{path}: expected an array of {_plural(expected)}")
            return _MISSING
        kept = [item for item in value if type(item) in rule.item_types]
        reasons.append(f"{path}: {len(value) - len(kept)} item(s) dropped, not {expected}")
        return kept
    return _check_members(value, rule.properties, rule.values, f"{path}.", reasons)


def _check_members(value: Mapping[str, Any], properties: dict[str, _Rule], values: _Rule | None,
                   prefix: str, reasons: list[str]) -> Any:
    fixed: dict[str, Any] | None = None
    for key, inner in value.items():
        rule = properties.get(key, values)
        if rule is None or inner is None:
            continue
        if not rule.nested and (rule.allowed is None or type(inner) in rule.allowed):
            continue  # the common case, without a call
        checked = _check(inner, rule, prefix + key, reasons)
        if checked is not inner:
            if fixed is None:
                fixed = dict(value)
            if checked is _MISSING:
                del fixed[key]
            else:
                fixed[key] = checked
    return value if fixed is None else fixed


def _plural(expected: str) -> str:
    return expected.split(" ", 1)[1] + "s"


_RULES = {name: _compile(spec) for name, spec in FIELDS.items()}


def normalize(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record with every field of ``FIELDS`` of its declared type, or absent.

    A wrong-typed field (``"metrics": "abc"``, ``"created": 12345``) is dropped, as is a
    wrong-typed part of one (a history curve that is text, a tag that is a number), and the
    record gets a ``damaged`` list saying what was dropped and why. A well-formed record is
    returned as is, without any copy: this runs on every read.

    Parameters
    ----------
    record
        A record as read from a journal line (any JSON object with a string ``id``), or only
        some of its fields.

    Returns
    -------
    dict
        ``record`` itself when nothing is wrong, else a new top-level dict.
    """
    reasons: list[str] = []
    checked = _check_members(record, _RULES, None, "", reasons)
    if checked is record:
        return record if type(record) is dict else dict(record)
    if not isinstance(checked, dict):
        checked = dict(checked)
    earlier = checked.get("damaged")
    # a listing carries the reasons found when it was made; reading it again finds some again
    known = earlier if isinstance(earlier, list) else []
    checked["damaged"] = list(dict.fromkeys([*known, *reasons]))[:_MAX_REASONS]
    return checked


def nesting_depth_exceeds(value: Any, limit: int = MAX_NESTING) -> bool:
    """Whether containers in ``value`` nest more than ``limit`` levels (``value`` is level 1).

    Iterative, so it cannot itself run out of stack on a hostile value.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        if type(current) is dict:
            stack.extend((inner, depth + 1) for inner in current.values()
                         if type(inner) is dict or type(inner) is list)
        elif type(current) is list:
            stack.extend((inner, depth + 1) for inner in current
                         if type(inner) is dict or type(inner) is list)
    return False


def record_json_schema(required: tuple[str, ...] = ("id", "status")) -> dict[str, Any]:
    """``$defs/ExperimentRecord`` of ``schema/journal_api.schema.json``, generated from ``FIELDS``.

    ``status`` is required there because the server fills in ``"unknown"`` where a record has
    none; in a journal only ``id`` is.
    """
    return {
        "title": "ExperimentRecord",
        "description": "A full journal record (format 1), as journal.record.FIELDS declares it "
        "(generated: edit journal/record_fields.py, then run python -m "
        "kepler_jupyter.schema.generate). Every field may be absent or null except the required "
        "ones; fields not listed pass through.",
        "type": "object",
        "required": list(required),
        "additionalProperties": True,
        "properties": {
            name: _schema_of(spec, nullable=name not in required) for name, spec in FIELDS.items()
        },
    }


def _schema_of(spec: FieldSpec, nullable: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    if spec.type != "any":
        schema["type"] = [spec.type, "null"] if nullable else spec.type
    if spec.description:
        schema["description"] = spec.description
    if spec.properties:
        schema["properties"] = {key: _schema_of(inner) for key, inner in spec.properties.items()}
    if spec.type == "object":
        # keys of other types beside ``values`` (metrics' bookkeeping) cannot be typed as one
        typed = spec.values is not None and not spec.properties
        schema["additionalProperties"] = (
            _schema_of(spec.values) if spec.values is not None and typed else True)
    if spec.items is not None:
        item: dict[str, Any] = {"$ref": f"#/$defs/{spec.ref}"} if spec.ref else _schema_of(
            spec.items, nullable=spec.items.type == "number")
        schema["items"] = item
    return schema
