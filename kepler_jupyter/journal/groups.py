"""Which group of the run table a record belongs to, read from the record alone.

Three kinds of group, in this order of precedence:

* ``search``: the points of one grid or search (``search.name``, written by
  ``search.backends``; older records only carry the tag ``grid:<name>``);
* ``loop``: the fits of one cell run or ``watch()`` block, when it made more than one
  (``source.run``, the block's id; whether a block made more than one is known only once a
  second fit is written, so the index and the snapshot decide it over all records);
* ``rerun``: the runs of the same experiment (``fingerprint.experiment``, the key the re-run
  lookup compares).

A record in none of them is its own group (``id:``). Keys carry their kind as a prefix so that
one text column of the index sorts and groups them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SEARCH, LOOP, RERUN, SINGLE = "search", "loop", "rerun", "single"
#: key prefix -> kind
PREFIXES = {"s:": SEARCH, "c:": LOOP, "f:": RERUN, "i:": SINGLE}
_GRID_TAG = "grid:"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def search_name(record: Mapping[str, Any]) -> str | None:
    """The grid or search this record is a point of, if any."""
    search = record.get("search")
    if isinstance(search, Mapping) and _text(search.get("name")):
        return str(search["name"])
    tags = record.get("tags")
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, str) and tag.startswith(_GRID_TAG) and len(tag) > len(_GRID_TAG):
                return tag[len(_GRID_TAG):]
    return None


def cell_run(record: Mapping[str, Any]) -> str | None:
    """The id of the cell run / ``watch()`` block that made this record (``source.run``)."""
    source = record.get("source")
    return _text(source.get("run")) if isinstance(source, Mapping) else None


def base_key(record: Mapping[str, Any]) -> str:
    """The record's group key before loops are known: search, else re-run, else itself."""
    name = search_name(record)
    if name is not None:
        return "s:" + name
    fingerprint = record.get("fingerprint")
    if isinstance(fingerprint, Mapping) and _text(fingerprint.get("experiment")):
        return "f:" + str(fingerprint["experiment"])
    return "i:" + str(record.get("id"))


def group_key(record: Mapping[str, Any], loops: set[str] | frozenset[str]) -> str:
    """The record's group key, given the cell runs that made more than one fit (``loops``)."""
    key = base_key(record)
    if key.startswith("s:"):
        return key
    run = cell_run(record)
    return "c:" + run if run is not None and run in loops else key


def kind_of(key: str) -> str:
    """``search``, ``loop``, ``rerun`` or ``single``."""
    return PREFIXES.get(key[:2], SINGLE)
