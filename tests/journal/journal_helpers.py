"""Helpers shared by the journal tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kepler_jupyter.journal import Journal, logfile
from kepler_jupyter.journal.index import INDEX_FILE_NAME, JournalIndex
from kepler_jupyter.journal.indexed import IndexedReads

WRITER_SCRIPT = Path(__file__).with_name("journal_writer.py")


def other_process_view(project: Path) -> Journal:
    """A Journal with its own view of the file, as another process would have it."""
    view = Journal(project)
    view._file = logfile.JournalFile(view.kepler_dir)
    view._index = JournalIndex(view.kepler_dir)
    view._file.append_observer = view._index.record_appended
    view._reads = IndexedReads(view._index)
    return view


def journal_files(folder: Path) -> list[str]:
    """Names of the files in ``folder``, without the index (derived, and checked elsewhere)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(INDEX_FILE_NAME))


def make_record(record_id: str, **fields: Any) -> dict[str, Any]:
    record = {
        "id": record_id,
        "name": f"experiment {record_id}",
        "status": "completed",
        "created": "2025-01-01T00:00:00Z",
        "params": {"optimizer": "adam", "epochs": 3},
        "metrics": {"accuracy": 0.5},
    }
    record.update(fields)
    return record


def file_lines(journal: Journal) -> list[dict[str, Any]]:
    return [json.loads(line) for line in journal.path.read_text("utf-8").splitlines()]


def writer_command(
    project: Path, mode: str, count: int, tag: str, gate: Path | None = None
) -> list[str]:
    command = [sys.executable, str(WRITER_SCRIPT), str(project), mode, str(count), tag]
    return command + ([str(gate)] if gate is not None else [])
