"""Reads from this process's in-memory view of the journal file, where the index cannot be used.

``Journal``'s reads go through the index (``journal.indexed``) when they can; these functions
answer the same questions from the view (``logfile.JournalFile``) instead: a read-only
folder, a broken SQLite file, an index found stale mid-read. Records come out normalised
(``record.normalize``) as fresh top-level dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kepler_jupyter.journal.indexed import ListingPage
from kepler_jupyter.journal.logfile import JournalFile
from kepler_jupyter.journal.record import json_safe, normalize
from kepler_jupyter.journal.removal import ArchivedView, keep_for_view

#: a search's condition: the path of a (nested) field and the value it must equal
Condition = tuple[tuple[str, ...], Any]


def search_conditions(fields: Mapping[str, Any]) -> list[Condition]:
    """``search``'s keywords as conditions: dots or ``__`` name nested fields."""
    return [(tuple(key.replace("__", ".").split(".")), json_safe(value))
            for key, value in fields.items()]


def equals(record: Mapping[str, Any], path: tuple[str, ...], expected: Any) -> bool:
    """Whether the field at ``path`` holds ``expected``; a missing field matches nothing."""
    value: Any = record
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return False  # a missing field matches nothing, not even None
        value = value[key]
    return bool(value == expected)


def records_oldest_first(journal_file: JournalFile) -> list[dict[str, Any]]:
    """The view's own record dicts (do not modify), oldest first."""
    with journal_file.mutex:
        journal_file.refresh()
        records = journal_file.all_records()
        return [records[record_id] for record_id in journal_file.sorted_ids()]


def listing(journal_file: JournalFile, wanted: set[str] | None) -> list[dict[str, Any]]:
    """Every record, oldest first: whole, or only the ``wanted`` fields."""
    with journal_file.mutex:
        journal_file.refresh()
        if wanted is None:
            journal_file.all_records()  # parse in one go rather than one by one
        found = [shaped(journal_file, record_id, wanted) for record_id in journal_file.sorted_ids()]
        return [record for record in found if record]  # gone if found unreadable just now


def shaped(journal_file: JournalFile, record_id: str, wanted: set[str] | None) -> dict[str, Any]:
    """A fresh top-level dict: the whole record, or only the ``wanted`` fields; normalised
    (every reader gets fields of the declared types, see ``record.normalize``)."""
    if wanted is None:
        return normalize(dict(journal_file.record(record_id) or {}))
    return normalize(journal_file.fields(record_id, wanted))


def matching(journal_file: JournalFile, conditions: list[Condition]) -> list[str]:
    """Ids, oldest first, of records where every (path, value) condition holds."""
    names = {path[0] for path, _ in conditions}
    with journal_file.mutex:
        journal_file.refresh()
        found = []
        for record_id in journal_file.sorted_ids():
            values = journal_file.fields(record_id, names)
            if all(equals(values, path, expected) for path, expected in conditions):
                found.append(record_id)
        return found


def listing_page(records: list[dict[str, Any]], *, tag: str | None, metric: str | None,
                 best: str, newest_first: bool, limit: int | None, offset: int,
                 view: ArchivedView) -> ListingPage:
    """``Journal.listing``'s page cut from records in memory, oldest first, as the index cuts it."""
    from kepler_jupyter.journal.index_rows import metric_values_of, slim_record

    slim = [slim_record(record) for record in records
            if (tag is None or tag in (record.get("tags") or [])) and keep_for_view(record, view)]
    if metric is not None:
        def key(record: dict[str, Any]) -> tuple[int, float]:
            value = metric_values_of(record).get(metric)
            return (1, 0.0) if value is None else (0, -value if best == "max" else value)

        slim.sort(key=key)
    elif newest_first:
        slim.reverse()
    end = None if limit is None else offset + limit
    return ListingPage(slim[offset:end], len(slim))
