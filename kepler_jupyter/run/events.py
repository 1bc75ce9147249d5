"""The project's events log: one readable line per thing that happened, in ``.kepler/events.log``.

Like the original Kepler's log, it answers "what happened in this project, and when" without
opening the journal: experiments started and ended, fits blocked by errors before training,
re-run alerts, skipped fits, check findings, notes and goal changes. ``EventsLog`` is the run
observer that writes the lines of each run. A line reads::

    2025-03-01T10:15:02Z	ended	3f2a9c1b	mlp completed	{"duration_s": 12.3, "metrics": "val_accuracy 0.951, val_loss 0.132", "status": "completed"}

Fields are separated by tabs: time (UTC), kind, experiment id (``-`` when none), message, and
extra fields as strict JSON when there are any (NaN and infinities written as null). An
``ended`` event carries the experiment's ``status``, ``duration_s`` and its final ``metrics``
in a few words; ``str(event)`` shows the last two after the message. Each line is written with a single ``write`` on a
file opened with ``O_APPEND``, so kernels and Dask workers writing at once never interleave
within a line.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kepler_jupyter.run.lifecycle import RunObserver

if TYPE_CHECKING:
    from kepler_jupyter.run.context import FitContext

EVENTS_FILE = "events.log"
EVENT_KINDS = ("started", "ended", "blocked", "alert", "skipped", "finding", "note", "goal")
#: a line stays well under the size Linux writes atomically to a local file
_MAX_MESSAGE_CHARS = 2000


@dataclass
class Event:
    """One line of the events log."""

    time: str
    kind: str
    experiment_id: str | None
    message: str
    fields: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        details = []
        duration = self.fields.get("duration_s")
        if isinstance(duration, (int, float)) and not isinstance(duration, bool):
            details.append(f"in {duration:.1f} s")
        if self.fields.get("metrics"):
            details.append(str(self.fields["metrics"]))
        suffix = f" ({', '.join(details)})" if details else ""
        return f"{self.time}  {self.kind:<8} {self.experiment_id or '-':<10} {self.message}{suffix}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:_MAX_MESSAGE_CHARS]


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities (not JSON) replaced by None, inside containers too."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def format_event(kind: str, message: str, experiment_id: str | None = None,
                 time: str | None = None, **fields: Any) -> str:
    """The log line for one event, newline included."""
    stamp = time or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    columns = [stamp, kind, _one_line(experiment_id or "-"), _one_line(message)]
    if fields:
        # JSON escapes line breaks and tabs inside strings: an event stays one line of columns
        columns.append(json.dumps(_finite(fields), sort_keys=True, default=str, allow_nan=False))
    return "\t".join(columns) + "\n"


def log_event(kepler_dir: str | Path, kind: str, message: str, *,
              experiment_id: str | None = None, **fields: Any) -> bool:
    """Append one event to ``<kepler_dir>/events.log``.

    Parameters
    ----------
    kepler_dir : str or Path
        The project's ``.kepler`` folder (``Journal.kepler_dir``).
    kind : str
        One of ``EVENT_KINDS``: started, ended, blocked, alert, skipped, finding, note, goal.
    message : str
        What happened, in a few words; newlines are folded into spaces.
    experiment_id : str, optional
        The experiment the event is about (``experiment=`` is accepted too).
    **fields
        Extra JSON-serialisable details kept at the end of the line.

    Returns
    -------
    bool
        Whether the line was written. The log is secondary to the user's work, so a failure
        to write it is a warning, never an exception.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"Unknown event kind {kind!r}; expected one of {EVENT_KINDS}.")
    if experiment_id is None and "experiment" in fields:
        experiment_id = fields.pop("experiment")
    line = format_event(kind, message, experiment_id, **fields).encode("utf-8")
    path = Path(kepler_dir) / EVENTS_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)
    except OSError as error:
        from kepler_jupyter.warnings import KeplerInternalWarning

        warnings.warn(f"kepler could not write to its events log {path}: {error}",
                      KeplerInternalWarning, stacklevel=2)
        return False
    return True


def parse_event(line: str) -> Event | None:
    """An ``Event`` from one log line, or ``None`` for a line that is not one."""
    columns = line.rstrip("\n").split("\t")
    if len(columns) < 4:
        return None
    fields: dict[str, Any] = {}
    if len(columns) >= 5:
        try:
            fields = json.loads(columns[4])
        except json.JSONDecodeError:
            fields = {}
    experiment_id = None if columns[2] == "-" else columns[2]
    return Event(columns[0], columns[1], experiment_id, columns[3], fields)


def read_events(kepler_dir: str | Path, limit: int | None = None,
                kind: str | None = None) -> list[Event]:
    """The events of a project, oldest first; the last ``limit`` of them when given."""
    path = Path(kepler_dir) / EVENTS_FILE
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    events = [event for event in map(parse_event, text.splitlines()) if event is not None]
    if kind is not None:
        events = [event for event in events if event.kind == kind]
    return events[-limit:] if limit else events


class EventsLog(RunObserver):
    """The run observer that writes each run's lines to the project's events log.

    ``started`` / ``skipped`` (after an ``alert`` line when the journal already held the
    experiment), ``blocked`` or ``ended``, then one ``finding`` line per error or warning.
    """

    what = "writing the events log"

    def __init__(self, kepler_dir: str | Path) -> None:
        self.kepler_dir = Path(kepler_dir)

    def _log(self, run: FitContext, kind: str, message: str, **fields: Any) -> None:
        if run.save_error is not None:
            return  # the log sits beside the journal, and the user was told it is not writable
        log_event(self.kepler_dir, kind, message, experiment_id=run.record.get("id"), **fields)

    def _alert(self, run: FitContext) -> None:
        if run.record.get("duplicate_of"):
            self._log(run, "alert", f"same experiment as {run.record['duplicate_of']}")

    def _findings(self, run: FitContext) -> None:
        for finding in run.findings:
            if finding.severity in ("error", "warning"):
                self._log(run, "finding", f"{finding.code} {finding.title}", severity=finding.severity)

    def on_started(self, run: FitContext) -> None:
        from kepler_jupyter.run import after_fit

        name = run.record.get("name") or ""

        def log_start() -> None:
            self._alert(run)
            self._log(run, "started", name)

        # after the run's first journal write, made by the after-fit worker while the fit
        # trains (JournalWriter): a journal that cannot be written leaves the log alone too
        after_fit.defer(log_start)

    def on_skipped(self, run: FitContext) -> None:
        self._alert(run)
        self._log(run, "skipped", f"not trained: same as {run.record.get('duplicate_of')}")

    def on_blocked(self, run: FitContext) -> None:
        codes = sorted({f.code for f in run.findings if f.severity == "error"})
        self._log(run, "blocked", f"{run.record.get('name')} not trained: error(s) {', '.join(codes)} "
                  "before training", status="blocked")
        self._findings(run)

    def on_ended(self, run: FitContext) -> None:
        from kepler_jupyter.display.run_text import format_metrics

        record = run.record
        status = record.get("status")
        self._log(run, "ended", f"{record.get('name')} {status}", status=status,
                  duration_s=record.get("duration_s"),
                  metrics=format_metrics(record.get("metrics") or {}) or None)
        self._findings(run)
