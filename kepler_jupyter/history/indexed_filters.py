"""``%kepler search`` filters over the journal's index: SQL where it can, records where not.

Equality on status, name, framework or id and ``tag=`` become SQL conditions that narrow the
candidates (never wrongly: a condition only goes to SQL when SQLite compares exactly as
``Filter.matches`` does). Every filter is then checked on each candidate: on its slim listing
record (see ``Journal.listing``) when the filters only read listed fields, else on the whole
record read from the journal by offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kepler_jupyter.history.filters import Filter

#: filter fields whose value the slim listing record holds exactly as the full record does
_LISTED = {"id", "name", "status", "framework", "created", "started", "ended", "duration_s",
           "tag", "tags", "model", "class", "estimator", "n_params", "learning_rate", "lr",
           "optimizer", "loss_function", "epochs", "batch_size", "hypothesis", "conclusion",
           "note", "notes"}
_SQL_COLUMNS = {"id": "id", "name": "name", "status": "status", "framework": "framework"}


def _exact_text(value: Any) -> bool:
    # SQLite's NOCASE folds ASCII letters only, as str.lower() does for ASCII text
    return isinstance(value, str) and value.isascii()


def sql_conditions(filters: Sequence[Filter]) -> tuple[str, list[Any]]:
    """A ``WHERE`` clause that keeps at least every experiment the filters match."""
    conditions: list[str] = []
    parameters: list[Any] = []
    for condition in filters:
        if condition.op not in ("=", "==") or not _exact_text(condition.value) or condition.field is None:
            continue
        field = condition.field.lower() if condition.field.lower() in ("tag", "tags") else condition.field
        if field in _SQL_COLUMNS:
            conditions.append(f"{_SQL_COLUMNS[field]} = ? COLLATE NOCASE")
            parameters.append(condition.value)
        elif field in ("tag", "tags"):
            conditions.append("EXISTS (SELECT 1 FROM json_each(listing, '$.tags') "
                              "WHERE value = ? COLLATE NOCASE)")
            parameters.append(condition.value)
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), parameters


def answerable_from_listing(filters: Sequence[Filter]) -> bool:
    """Whether every filter reads only fields the slim listing record holds."""
    for condition in filters:
        if condition.field is None:
            continue  # a bare word: id, name, model class, tags and notes, all listed
        field = condition.field
        if field.lower() not in _LISTED and not field.startswith("metrics."):
            return False
    return True


def search_index(journal: Any, filters: Sequence[Filter]) -> list[dict[str, Any]] | None:
    """The experiments matching every filter, oldest first; ``None`` without an index.

    Slim listing records when the filters read listed fields only, else whole records.
    """
    reads = journal.indexed() if hasattr(journal, "indexed") else None
    if reads is None:
        return None
    where, parameters = sql_conditions(filters)

    def matches(record: dict[str, Any]) -> bool:
        return all(condition.matches(record) for condition in filters)

    from kepler_jupyter.journal.index import IndexUnavailable
    from kepler_jupyter.journal.indexed import RecordList

    try:
        if answerable_from_listing(filters):
            return reads.filter_listing(where, parameters, matches)
        entries = reads.entries(where, parameters)
    except IndexUnavailable:
        return None  # the caller filters the records themselves: slower, same answer
    return [record for record in RecordList(reads.path, entries, journal.get) if matches(record)]
