"""The index's table of run-table groups, kept row by row on small writes, always equals the
groups recomputed from every row (searches, cell loops, re-runs, archiving, deletions)."""

from __future__ import annotations

import random
import sqlite3

from kepler_jupyter.journal.index import INDEX_FILE_NAME
from kepler_jupyter.journal.index_groups import _SELECT


def _kept_and_recomputed(journal) -> tuple[list, list]:
    assert journal.indexed() is not None  # up to date with the journal
    with sqlite3.connect(journal.kepler_dir / INDEX_FILE_NAME) as connection:
        kept = connection.execute("SELECT * FROM groups_shown ORDER BY key").fetchall()
        recomputed = connection.execute(f"{_SELECT} GROUP BY group_key ORDER BY group_key").fetchall()
    return kept, recomputed


def _record(rng: random.Random, index: int) -> dict:
    record = {"id": f"r{index:03d}", "status": "running", "name": f"run {index}",
              "created": f"2026-01-{rng.randint(1, 9):02d}T00:00:00+00:00",
              "fingerprint": {"experiment": rng.choice(["e1", "e2", "e3"])}}
    kind = rng.random()
    if kind < 0.35:
        record["search"] = {"name": rng.choice(["grid-a", "grid-b"])}
        record["source"] = {"run": "cell-search"}
    elif kind < 0.7:
        record["source"] = {"run": rng.choice(["cell-1", "cell-2", "cell-3"])}
    return record


def test_groups_kept_row_by_row_equal_a_recomputation(journal):
    rng = random.Random(11)
    ids: list[str] = []
    for index in range(160):
        action = rng.random()
        if action < 0.5 or not ids:
            record = _record(rng, index)
            journal.add(record)
            ids.append(record["id"])
        elif action < 0.65:
            journal.update(rng.choice(ids), {"status": "completed"})
        elif action < 0.75:  # a newer or older creation time moves the run in its group
            journal.update(rng.choice(ids), {"created": f"2026-02-{rng.randint(1, 9):02d}T00:00:00+00:00"})
        elif action < 0.87:
            journal.archive(rng.choice(ids), archived=rng.random() < 0.7)
        else:
            gone = rng.choice(ids)
            journal.delete(gone)
            ids.remove(gone)
        kept, recomputed = _kept_and_recomputed(journal)
        assert kept == recomputed, f"after step {index}"
    assert len(kept) > 3


def test_newest_run_of_a_search_archived_or_made_older(journal):
    for index, day in enumerate((1, 2, 3)):
        journal.add({"id": f"s{index}", "status": "completed", "search": {"name": "grid"},
                     "created": f"2026-03-0{day}T00:00:00+00:00", "source": {"run": "cell"}})
    journal.archive("s2")  # the newest leaves the default view: s1 is the newest now
    kept, recomputed = _kept_and_recomputed(journal)
    assert kept == recomputed and [row[1:3] for row in kept] == [(2, "2026-03-02T00:00:00+00:00")]
    journal.update("s1", {"created": "2026-02-01T00:00:00+00:00"})  # the newest made older
    kept, recomputed = _kept_and_recomputed(journal)
    assert kept == recomputed and [row[1:3] for row in kept] == [(2, "2026-03-01T00:00:00+00:00")]
