"""A per-project cache of the journal's records and summaries, and the list query over it.

Reading and summarising 10,000 records takes far longer than the 100 ms the list route has, so
the result is kept until the journal's files change. "Changed" is judged from the size and
modification time of the files in ``.kepler/`` (lock files excluded: taking a lock touches
them without changing any record) and of the project's ``pyproject.toml``, which costs one
``scandir`` per request.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kepler_jupyter.server.bounded import LruDict
from kepler_jupyter.server.metric import MetricChoice, default_metric, metric_value, read_goal
from kepler_jupyter.server.project import ProjectLocation
from kepler_jupyter.server.summaries import list_row, search_text

Signature = tuple[tuple[str, int, int], ...]


def journal_signature(location: ProjectLocation) -> Signature:
    """``(name, size, mtime_ns)`` of every file in ``.kepler/`` except lock files, and of the
    project's ``pyproject.toml`` (its ``[tool.kepler]`` table can set the goal)."""
    signature = []
    try:
        entries = list(os.scandir(location.kepler_dir))
    except (FileNotFoundError, NotADirectoryError):
        entries = []
    for entry in entries:
        if entry.name.endswith(".lock") or not entry.is_file():
            continue
        try:
            stat = entry.stat()
        except FileNotFoundError:  # removed between scandir and stat (compaction)
            continue
        signature.append((entry.name, stat.st_size, stat.st_mtime_ns))
    try:
        stat = (location.project_dir / "pyproject.toml").stat()
        signature.append(("../pyproject.toml", stat.st_size, stat.st_mtime_ns))
    except OSError:
        pass
    return tuple(sorted(signature))


@dataclass
class JournalSnapshot:
    """Everything the routes need from one version of a project's journal."""

    signature: Signature
    records: list[dict[str, Any]]
    by_id: dict[str, dict[str, Any]]
    metric: MetricChoice
    summaries: list[dict[str, Any]]  # newest first: the order ties keep after any sort
    search_texts: list[str]
    revision: str
    # Both keyed by request parameters, so bounded (see ``bounded``).
    _metric_values: LruDict[str, list[float | None]] = field(default_factory=LruDict)
    # (sort, order, metric name) -> positions into ``summaries``; filled by the list query.
    orders: LruDict[tuple[str, str, str | None], list[int]] = field(default_factory=LruDict)
    #: each summary's run-table group key (``server.groups.snapshot_group_keys``)
    group_keys: list[str] | None = None

    def metric_values(self, name: str | None) -> list[float | None]:
        """``name``'s value for each summary, computed once per metric name."""
        if name == self.metric.name:
            return [summary["metric_value"] for summary in self.summaries]
        key = name or ""
        values = self._metric_values.get(key)
        if values is None:
            records = [self.by_id[summary["id"]] for summary in self.summaries]
            values = [metric_value(record, name) for record in records]
            self._metric_values[key] = values
        return values


def _load_records(location: ProjectLocation) -> list[dict[str, Any]]:
    if not location.has_journal:
        # Never create .kepler/ from a read: a folder without experiments stays untouched.
        return []
    return list(location.journal().experiments())


def build_snapshot(location: ProjectLocation, signature: Signature,
                   previous: JournalSnapshot | None = None) -> JournalSnapshot:
    """Read the journal and summarise every record, reusing ``previous`` where nothing changed.

    The journal hands out fresh top-level dicts whose nested values are shared with its
    in-memory view, so comparing a record with its previous version is mostly identity checks
    (about 1 µs); re-summarising all 10,000 records after each new experiment would cost
    ~70 ms and allocate enough to set off Python's full garbage collection.
    """
    records = [record for record in _load_records(location) if isinstance(record, dict)]
    metric = read_goal(location.project_dir) or default_metric(records)
    reusable: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {}
    if previous is not None and previous.metric == metric:
        reusable = {summary["id"]: (record, summary, text) for record, summary, text in zip(
            reversed(previous.records), previous.summaries, previous.search_texts, strict=True)}
    summaries, search_texts = [], []
    for record in reversed(records):  # the journal lists oldest first; the panel newest first
        earlier = reusable.get(str(record.get("id", "")))
        if earlier is not None and earlier[0] == record:
            summary, text = earlier[1], earlier[2]
        else:
            summary = list_row(record, metric.name)
            text = search_text(summary)
        summaries.append(summary)
        search_texts.append(text)
    digest = hashlib.sha1(repr((str(location.kepler_dir), signature)).encode(), usedforsecurity=False)
    return JournalSnapshot(
        signature=signature,
        records=records,
        by_id={str(record.get("id")): record for record in records},
        metric=metric,
        summaries=summaries,
        search_texts=search_texts,
        revision=digest.hexdigest()[:16],
    )


class JournalCache:
    """Snapshots of the most recently used projects' journals, rebuilt when the files change."""

    def __init__(self, max_projects: int = 8,
                 loader: Callable[[ProjectLocation, Signature, JournalSnapshot | None],
                                  JournalSnapshot] = build_snapshot):
        self._max_projects = max_projects
        self._loader = loader
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[Path, JournalSnapshot] = OrderedDict()

    def snapshot(self, location: ProjectLocation) -> JournalSnapshot:
        """The current snapshot of ``location``'s journal (cached unless its files changed)."""
        # Taken before reading, so a write that lands during the read is seen next time.
        signature = journal_signature(location)
        key = location.kepler_dir
        with self._lock:
            cached = self._snapshots.get(key)
            if cached is not None and cached.signature == signature:
                self._snapshots.move_to_end(key)
                return cached
        snapshot = self._loader(location, signature, cached)
        with self._lock:
            self._snapshots[key] = snapshot
            self._snapshots.move_to_end(key)
            while len(self._snapshots) > self._max_projects:
                self._snapshots.popitem(last=False)
        return snapshot
