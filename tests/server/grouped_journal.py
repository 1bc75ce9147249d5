"""A journal whose runs form every kind of run-table group (``journal.groups``): shared by the
route tests (test_groups.py) and the browser test (tests/browser/test_run_table.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sample_journal import make_record

from kepler_jupyter.journal import Journal

RERUN_ACCURACY = [0.81, 0.84, 0.79, 0.86]
SWEEP_ACCURACY = [0.60, 0.70, 0.90]
LOOP_ACCURACY = [0.50, 0.55]


def _record(exp_id: str, day: int, accuracy: float | None, *, fingerprint: str | None = None,
            search: str | None = None, grid_tag: str | None = None, run: str | None = None,
            status: str = "completed", name: str | None = None) -> dict[str, Any]:
    history = {"val_accuracy": [0.1, accuracy]} if accuracy is not None else None
    record = make_record(exp_id, name or f"run {exp_id}", f"2025-02-{day:02d}T00:00:00Z",
                         status=status, history=history,
                         tags=[f"grid:{grid_tag}"] if grid_tag else [])
    if fingerprint:
        record["fingerprint"]["experiment"] = fingerprint
    if search:
        record["search"] = {"name": search, "strategy": "grid", "params": {"units": day}}
    if run:
        record["source"]["run"] = run
    return record


def write_grouped_journal(project_dir: Path) -> None:
    """Four re-runs of one experiment (one from a cell that made only that fit), a search of
    three points, an older search known by its tag only, a cell loop of two fits, two singles."""
    journal = Journal(project_dir)
    day = 1
    records = []
    for index, accuracy in enumerate(RERUN_ACCURACY):
        records.append(_record(f"rerun{index}", day, accuracy, fingerprint="same-experiment",
                               run="lonely-cell" if index == 0 else None, name="MLP baseline"))
        day += 1
    for index, accuracy in enumerate(SWEEP_ACCURACY):
        records.append(_record(f"sweep{index}", day, accuracy, search="lr-sweep", run=f"point{index}"))
        day += 1
    records.append(_record("oldgrid0", day, 0.3, grid_tag="old-grid"))
    records.append(_record("oldgrid1", day + 1, None, grid_tag="old-grid", status="failed"))
    day += 2
    for index, accuracy in enumerate(LOOP_ACCURACY):
        records.append(_record(f"loop{index}", day, accuracy, run="cell-42",
                               name="Ridge" if index == 0 else f"Ridge #{index + 1}"))
        day += 1
    records.append(_record("single0", day, 0.99))
    records.append(_record("single1", day + 1, None, status="failed"))
    for record in records:  # one append each: the index writer groups the loop on its 2nd fit
        journal.add(record)
