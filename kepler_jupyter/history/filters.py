"""Reading fields of journal records and filtering records with a small query language.

``%kepler search`` takes filters such as::

    model=Sequential layers>3 learning_rate<0.01 val_accuracy>0.9 tag=baseline
    status=completed name~resnet hypothesis~"wider" created>=2025-01-01 wider

Each token is ``FIELD OP VALUE`` with ``OP`` one of ``= == != > >= < <= ~ !~`` (``~`` is a
case-insensitive substring match), or a bare word, which searches the experiment's name, id,
model class, tags and notes. Fields are dotted paths into the record (``params.optimizer``) or
short aliases: ``model`` is ``model.class``, ``layers`` the number of layers, ``tag`` a member
of ``tags``, ``hypothesis`` / ``conclusion`` / ``notes`` the lab notes, and any other name is
looked up among the final metrics, then the training settings, then the estimator's parameters,
then the data statistics. Every token must hold for a record to match.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kepler_jupyter.commands import CommandError
from kepler_jupyter.journal.record import get_path, notes_text

#: operators, longest first so ``>=`` is not read as ``>`` followed by ``=3``
OPERATORS = ("!=", "==", ">=", "<=", "!~", "=", ">", "<", "~")
_TOKEN = re.compile(r"^(?P<field>[A-Za-z_][\w.\-]*)\s*(?P<op>!=|==|>=|<=|!~|=|>|<|~)(?P<value>.*)$")

#: short names for fields users filter on most; values are dotted paths or special readers
FIELD_ALIASES: dict[str, str] = {
    "model": "model.class",
    "class": "model.class",
    "estimator": "model.class",
    "learning_rate": "params.learning_rate",
    "lr": "params.learning_rate",
    "optimizer": "params.optimizer",
    "loss_function": "params.loss",
    "epochs": "params.epochs",
    "batch_size": "params.batch_size",
    "n_params": "model.n_params",
    "samples": "data.n_samples",
    "n_samples": "data.n_samples",
    "n_features": "data.n_features",
    "hypothesis": "notes.hypothesis",
    "conclusion": "notes.conclusion",
}
#: top-level record keys a bare field name refers to directly
TOP_LEVEL_FIELDS = ("id", "name", "status", "framework", "created", "started", "ended",
                    "duration_s", "project", "stop_reason", "changes")
_MISSING = object()


def resolve_field(record: dict[str, Any], field: str) -> Any:
    """The value a filter's ``field`` refers to in ``record``; ``None`` when it has none."""
    lowered = field.lower()
    if lowered == "layers":
        layers = get_path(record, "model.layers")
        # estimators have no layers: "layers<3" should not find every scikit-learn model
        return len(layers) if isinstance(layers, list) and layers else None
    if lowered in ("tag", "tags"):
        return list(record.get("tags") or [])
    if lowered in ("note", "notes"):
        return notes_text(record)
    if lowered in FIELD_ALIASES:
        return get_path(record, FIELD_ALIASES[lowered])
    if "." in field:
        return get_path(record, field)
    if field in TOP_LEVEL_FIELDS:
        return record.get(field)
    # A bare name: the places a user most likely means, in order.
    for section in ("metrics", "params", "params.estimator_params", "data", "model"):
        value = get_path(record, f"{section}.{field}", _MISSING)
        if value is not _MISSING:
            return value
    return record.get(field)


def _parse_value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _equal(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, list):
        return any(_equal(item, wanted) for item in actual)
    if wanted is None or actual is None:
        return actual is wanted
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return actual == wanted
    number = _as_number(actual)
    if isinstance(wanted, float) and number is not None:
        return math.isclose(number, wanted, rel_tol=1e-9, abs_tol=1e-12)
    return str(actual).lower() == str(wanted).lower()


def _contains(actual: Any, wanted: Any) -> bool:
    if actual is None:
        return False
    if isinstance(actual, list):
        return any(_contains(item, wanted) for item in actual)
    return str(wanted).lower() in str(actual).lower()


def _compare(actual: Any, op: str, wanted: Any) -> bool:
    if actual is None:
        return False
    number = _as_number(actual)
    if isinstance(wanted, float) and number is not None:
        left, right = number, wanted
    elif isinstance(wanted, str) and isinstance(actual, str):
        # ISO 8601 timestamps and other strings compare in text order.
        left, right = actual, wanted  # type: ignore[assignment]
    else:
        return False
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op]


@dataclass(frozen=True)
class Filter:
    """One ``FIELD OP VALUE`` condition (or a bare word, with ``field`` ``None``)."""

    field: str | None
    op: str
    value: Any
    text: str

    def matches(self, record: dict[str, Any]) -> bool:
        """Whether ``record`` satisfies this condition."""
        if self.field is None:
            return _contains(searchable_text(record), self.value)
        actual = resolve_field(record, self.field)
        if self.op in ("=", "=="):
            return _equal(actual, self.value)
        if self.op == "!=":
            return not _equal(actual, self.value)
        if self.op == "~":
            return _contains(actual, self.value)
        if self.op == "!~":
            return not _contains(actual, self.value)
        return _compare(actual, self.op, self.value)

    def __str__(self) -> str:
        return self.text


def searchable_text(record: dict[str, Any]) -> str:
    """The text a bare search word is matched against."""
    parts = [record.get("id"), record.get("name"), get_path(record, "model.class"),
             " ".join(record.get("tags") or []), notes_text(record)]
    return " ".join(str(part) for part in parts if part)


def _tokens(query: str | Sequence[str]) -> list[str]:
    if isinstance(query, str):
        try:
            return shlex.split(query)
        except ValueError as error:  # an unclosed quote
            raise CommandError(f"Cannot read the filter {query!r}: {error}.") from None
    return [str(token) for token in query]


def parse_filter(token: str) -> Filter:
    """One filter token as a ``Filter``; a malformed token raises ``CommandError``."""
    token = token.strip()
    if not token:
        raise CommandError("Empty filter.")
    match = _TOKEN.match(token)
    if match is None:
        if any(op in token for op in OPERATORS):
            raise CommandError(
                f"Malformed filter {token!r}: write FIELD OP VALUE, e.g. layers>3 or "
                "name~resnet (operators: = != > >= < <= ~ !~)."
            )
        return Filter(None, "~", token, token)
    field, op, raw_value = match["field"], match["op"], match["value"].strip()
    if raw_value == "":
        raise CommandError(f"Malformed filter {token!r}: no value after {op!r}.")
    if raw_value[0] in "=<>!~":
        raise CommandError(
            f"Malformed filter {token!r}: {op + raw_value[0]!r} is not an operator "
            "(use = != > >= < <= ~ !~)."
        )
    value = raw_value if op in ("~", "!~") else _parse_value(raw_value)
    if op in (">", ">=", "<", "<=") and not isinstance(value, (float, str)):
        raise CommandError(f"Malformed filter {token!r}: {op} needs a number or a date.")
    if op in (">", ">=", "<", "<=") and isinstance(value, str) and not value[:1].isdigit():
        raise CommandError(
            f"Malformed filter {token!r}: {op} compares numbers or dates, not {raw_value!r}."
        )
    return Filter(field, op, value, token)


def parse_filters(query: str | Sequence[str]) -> list[Filter]:
    """Parse a filter string (or already split tokens) into a list of ``Filter``.

    Parameters
    ----------
    query : str or sequence of str
        ``"model=Sequential layers>3 hypothesis~'wider'"`` or its shell-split tokens.

    Returns
    -------
    list of Filter
        All of them must hold for a record to match.

    Raises
    ------
    CommandError
        A token is malformed (no value, unknown operator, ``>`` with a word).
    """
    return [parse_filter(token) for token in _tokens(query)]


def record_predicate(query: str | Sequence[str]) -> Callable[[dict[str, Any]], bool]:
    """A function telling whether a record matches every filter in ``query``."""
    filters = parse_filters(query)
    return lambda record: all(condition.matches(record) for condition in filters)


def filter_records(records: Iterable[dict[str, Any]], query: str | Sequence[str]) -> list[dict[str, Any]]:
    """The records that match every filter in ``query``, in their original order."""
    matches = record_predicate(query)
    return [record for record in records if matches(record)]


def split_search(query: str) -> tuple[list[Filter], list[str]]:
    """Split a panel search box into ``FIELD OP VALUE`` filters and free words.

    The panel's box takes the same expressions as ``%kepler search``; a token that is not one
    (``wider``, or text such as ``<img`` that only looks like an operator) stays a free word
    for the caller's own text search, so any text a user types still searches.

    Parameters
    ----------
    query : str
        E.g. ``"val_accuracy>0.9 tag=baseline wider"``.

    Returns
    -------
    tuple of (list of Filter, list of str)
        The structured conditions and the free words, in the order typed.

    Raises
    ------
    CommandError
        A ``FIELD OP VALUE`` token is malformed (``val_accuracy>``, ``layers>wide``).
    """
    try:
        tokens = shlex.split(query)
    except ValueError:  # an apostrophe in free text ("don't") is not an unclosed quote here
        tokens = query.split()
    filters: list[Filter] = []
    words: list[str] = []
    for token in tokens:
        if _TOKEN.match(token.strip()):
            filters.append(parse_filter(token))
        elif token.strip():
            words.append(token.strip())
    return filters, words
