"""A search point run away from the project: on a Dask worker that cannot reach the project's disk.

The worker runs the same interception, checks and record building as ``%%kepler fit``, but its
journal is a ``MemoryJournal`` seeded with the client's finished experiments on the same data
(so a point already done is skipped exactly as at home), and its events are collected instead of
appended to ``events.log``. The finished record and its events go back to the client, which
alone writes the journal. Nothing is written to the worker's disk.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kepler_jupyter.run.events import EventsLog
from kepler_jupyter.run.session import WatchSession


class MemoryJournal:
    """The part of ``Journal``'s API a fit uses, kept in memory.

    Parameters
    ----------
    project_dir
        The client's project folder: its name goes into records; it is never written to.
    records
        Experiments the journal starts with (the client's finished runs on the same data).
    """

    def __init__(self, project_dir: str | Path, records: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
        self._project_dir = Path(project_dir)
        self._records: dict[str, dict[str, Any]] = {}
        for record in records:
            if isinstance(record, Mapping) and isinstance(record.get("id"), str):
                self._records[record["id"]] = copy.deepcopy(dict(record))

    @property
    def project_dir(self) -> Path:
        return self._project_dir

    @property
    def kepler_dir(self) -> Path:
        return self._project_dir / ".kepler"

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: Mapping[str, Any]) -> str:
        from kepler_jupyter.journal.record import to_stored

        stored = to_stored(record)
        self._records[stored["id"]] = stored
        return stored["id"]

    def update(self, exp_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        from kepler_jupyter.journal.json_safe import json_safe

        record = self._records[self._resolve(exp_id)]
        record.update(json_safe(dict(changes)))
        return dict(record)

    def get(self, exp_id: str) -> dict[str, Any]:
        return dict(self._records[self._resolve(exp_id)])

    def experiments(self, status: Any = None, fields: Any = None) -> list[dict[str, Any]]:
        wanted = {status} if isinstance(status, str) else set(status or ())
        return [dict(record) for record in self._records.values()
                if not wanted or record.get("status") in wanted]

    def search(self, **fields: Any) -> list[dict[str, Any]]:
        def matches(record: dict[str, Any]) -> bool:
            for path, expected in fields.items():
                value: Any = record
                for part in path.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                if value != expected:
                    return False
            return True
        return [dict(record) for record in self._records.values() if matches(record)]

    def query(self, condition: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        return [dict(record) for record in self._records.values() if condition(record)]

    def _resolve(self, exp_id: str) -> str:
        if exp_id in self._records:
            return exp_id
        from kepler_jupyter.journal import JournalError

        found = [known for known in self._records if known.startswith(exp_id)]
        if len(found) != 1:
            raise JournalError(f"no single experiment {exp_id!r} in this worker's records")
        return found[0]


class CollectedEvents(EventsLog):
    """The events log observer, keeping each line for the client instead of writing it."""

    def __init__(self) -> None:
        super().__init__(".")
        self.lines: list[dict[str, Any]] = []

    def _log(self, run: Any, kind: str, message: str, **fields: Any) -> None:
        self.lines.append({"kind": kind, "message": message,
                           "experiment_id": run.record.get("id"), **fields})


class CollectingSession(WatchSession):
    """A ``WatchSession`` whose events are kept for the client instead of written to disk."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.collected = CollectedEvents()
        self.lifecycle.observers = [self.collected if isinstance(observer, EventsLog) else observer
                                    for observer in self.lifecycle.observers]

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.collected.lines


@contextmanager
def detached_watch(*, name: str, tags: list[str], project_dir: str,
                   records: list[dict[str, Any]]) -> Iterator[CollectingSession]:
    """``watch(on_duplicate="skip", display="none")`` over a ``MemoryJournal``."""
    from kepler_jupyter.display.reporter import Reporter
    from kepler_jupyter.run.options import RunOptions
    from kepler_jupyter.run.session import intercepting

    options = RunOptions(name=name, tags=tags, on_duplicate="skip", display="none")
    journal = MemoryJournal(project_dir, records)
    session = CollectingSession(options, journal, Reporter("none", project_dir=None))
    with intercepting(session):
        yield session


def receive(journal: Any, outcome: dict[str, Any]) -> dict[str, Any]:
    """Write a detached point's record and events into the client's journal, once.

    A record whose experiment the journal already holds as done (another search, or the same
    point journaled meanwhile) is not added again: the point counts as skipped.
    """
    from kepler_jupyter.history.repeats import find_same_experiment
    from kepler_jupyter.run.events import log_event

    record = outcome.get("record")
    if not record or outcome.get("status") == "skipped":
        return outcome
    if record.get("status") in ("completed", "stopped"):
        earlier = find_same_experiment(journal, record.get("fingerprint") or {})
        if earlier is not None:
            return {**outcome, "status": "skipped", "record": earlier}
    journal.add(record)
    for event in outcome.get("events") or []:
        fields = {key: value for key, value in event.items() if key not in ("kind", "message")}
        try:
            log_event(journal.kepler_dir, event["kind"], event["message"], **fields)
        except Exception:  # the events log is a convenience: the record is what counts
            pass
    return outcome
