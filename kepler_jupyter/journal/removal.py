"""Archiving and deleting experiments, and undoing a delete until compaction.

* **Archived** is a flag on the record (``"archived": true``, written through
  ``Journal.update``): the record stays in the journal and every data read (``get``,
  ``experiments``, ``search``, ``query``, ``to_dataframe``) returns it, but listings — the
  panel's run table, ``%kepler list``, ``%kepler search``, ``kepler list``,
  ``Journal.listing`` — leave it out unless asked (``archived="show"`` or ``"only"``).
* **Deleted** is a tombstone line (the one TinyDB's ``remove`` writes): the record is gone from
  every read and from the index at once. Its earlier lines stay in the file until compaction,
  so ``restore`` can append its last version again; compaction drops them for good.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from kepler_jupyter.journal.errors import JournalError
from kepler_jupyter.journal.lines import LINE_PREFIX, is_tombstone, parse_record_line

#: how a listing treats archived records: leave them out, include them, or list only them
ArchivedView = Literal["hide", "show", "only"]
ARCHIVED_VIEWS: tuple[str, ...] = ("hide", "show", "only")


def is_archived(record: Mapping[str, Any]) -> bool:
    """Whether ``record`` is archived (only a JSON ``true`` counts)."""
    return record.get("archived") is True


def archived_sql(view: ArchivedView, alias: str = "e") -> tuple[list[str], list[Any]]:
    """The index's WHERE conditions (and parameters) for ``view``."""
    if view == "hide":
        return [f"{alias}.archived = 0"], []
    if view == "only":
        return [f"{alias}.archived = 1"], []
    return [], []


def keep_for_view(record: Mapping[str, Any], view: ArchivedView) -> bool:
    """Whether a listing showing ``view`` lists ``record`` (the path without the index)."""
    if view == "show":
        return True
    return is_archived(record) == (view == "only")


def check_view(view: str) -> ArchivedView:
    """``view`` if it is one of ``ARCHIVED_VIEWS``; a clear ``ValueError`` otherwise."""
    if view not in ARCHIVED_VIEWS:
        raise ValueError(f"archived must be one of {', '.join(ARCHIVED_VIEWS)}; got {view!r}")
    return view  # type: ignore[return-value]  # checked just above


def archived_view_for(filters: Iterable[Any], requested: ArchivedView = "hide") -> ArchivedView:
    """The view a search uses: one whose expressions name ``archived`` (``archived=true``)
    decides for itself, so archived records are not left out before it is evaluated."""
    named = any(str(getattr(condition, "field", None) or "").lower() == "archived"
                for condition in filters)
    return "show" if named else requested


def last_version_before_delete(path: Path, record_id: str) -> dict[str, Any] | None:
    """The last readable version of ``record_id`` in the journal file, when its latest line is a
    tombstone; ``None`` when the record is live, was never there, or compaction dropped it.

    One pass over the file's bytes looking for the record's own line prefix (kepler writes
    ``id`` first), so only that record's lines are parsed.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise JournalError(f"kepler cannot read its journal {path}: {error}") from error
    marker = LINE_PREFIX + json.dumps(record_id, ensure_ascii=False)[1:].encode("utf-8")
    starts = [0] if data.startswith(marker) else []
    found = data.find(b"\n" + marker)
    while found >= 0:
        starts.append(found + 1)
        found = data.find(b"\n" + marker, found + 1)
    versions: list[dict[str, Any] | None] = []  # None: a tombstone
    for line_start in starts:
        line_end = data.find(b"\n", line_start)
        if line_end < 0:
            break  # a write in progress: not a version yet
        record = parse_record_line(data[line_start:line_end])
        if record is not None and record.get("id") == record_id:
            versions.append(None if is_tombstone(record) else record)
    if not versions or versions[-1] is not None:
        return None
    earlier = [version for version in versions if version is not None]
    return earlier[-1] if earlier else None
