"""Progress of a running experiment, kept beside the journal until the experiment ends.

A long Keras fit saves its curves every few seconds. Appended to the journal, each save would
be one more full version of the record: an hour of training would leave thousands of
superseded lines (tens of MB) that only compaction removes. Instead, the latest progress of a
running experiment lives in ``.kepler/progress/<key>.json`` (replaced atomically at each save),
readers merge it into the record while the record says ``running``, and the experiment's next
journal version (its end) makes the file obsolete and removes it. A kernel killed mid-fit
leaves the file: the record still reads with the curves it had reached.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

PROGRESS_DIR_NAME = "progress"


def progress_path(kepler_dir: Path, record_id: str) -> Path:
    """Where a record's progress is kept (a hash of the id: any id makes a safe file name)."""
    key = hashlib.sha1(record_id.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return kepler_dir / PROGRESS_DIR_NAME / f"{key.hexdigest()[:24]}.json"


def save_progress(kepler_dir: Path, record_id: str, changes: dict[str, Any]) -> None:
    """Replace the record's progress with ``changes`` (plain JSON, top-level fields)."""
    path = progress_path(kepler_dir, record_id)
    path.parent.mkdir(exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"id": record_id, "changes": changes}, allow_nan=False),
                         encoding="utf-8")
    os.replace(temporary, path)


def with_progress(kepler_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with its saved progress merged in, if it is running and has some."""
    if record.get("status") != "running" or not isinstance(record.get("id"), str):
        return record
    try:
        saved = json.loads(progress_path(kepler_dir, record["id"]).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return record  # none (the usual case), or half-written by a killed kernel
    changes = saved.get("changes") if isinstance(saved, dict) else None
    if saved.get("id") != record["id"] or not isinstance(changes, dict):
        return record
    return {**record, **{key: value for key, value in changes.items() if key not in ("id", "status")}}


def drop_progress(kepler_dir: Path, record_id: str) -> None:
    """Remove the record's progress: a newer journal version of it supersedes it."""
    try:
        progress_path(kepler_dir, record_id).unlink(missing_ok=True)
    except OSError:
        pass
