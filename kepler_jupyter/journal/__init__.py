"""The journal: the only place that knows how experiment records are stored.

Records live in ``<project>/.kepler/journal.jsonl``, an append-only JSON-lines file (one full
version of one record per line, the last line for an id wins) with TinyDB as the query layer.
Everything else in kepler reads and writes records through ``Journal``.
"""

from __future__ import annotations

from kepler_jupyter.journal.errors import JournalDamageWarning, JournalError
from kepler_jupyter.journal.ids import new_experiment_id
from kepler_jupyter.journal.journal import Journal
from kepler_jupyter.journal.project import init_project, resolve_project_dir, set_project_dir
from kepler_jupyter.journal.record import FIELDS, RECORD_FORMAT, json_safe, normalize

__all__ = [
    "FIELDS",
    "RECORD_FORMAT",
    "Journal",
    "JournalDamageWarning",
    "JournalError",
    "init_project",
    "json_safe",
    "new_experiment_id",
    "normalize",
    "resolve_project_dir",
    "set_project_dir",
]
