"""The in-memory journal of a detached (Dask) search point stores records as a journal does."""

from __future__ import annotations

import math

import numpy as np

from kepler_jupyter.search.detached import MemoryJournal


def test_memory_journal_adds_and_updates_plain_json_records(tmp_path):
    journal = MemoryJournal(tmp_path, records=[{"id": "old", "status": "completed"}])
    new_id = journal.add({"status": "running", "id": "new", "metrics": {"loss": np.float32(0.5)}})
    assert new_id == "new"
    stored = journal.get("new")
    assert list(stored)[0] == "id" and stored["format"] is not None
    assert type(stored["metrics"]["loss"]) is float and stored["metrics"]["loss"] == 0.5
    updated = journal.update("new", {"status": "completed", "metrics": {"loss": math.nan}})
    assert updated["status"] == "completed" and updated["metrics"]["loss"] is None
    assert [r["id"] for r in journal.experiments(status="completed")] == ["old", "new"]
