"""How fast the run table's groups are answered by the journal's index at 100,000 experiments.

The list route with ``?group=1`` runs one ``GROUP BY`` over the index's ``group_key`` column
(``server.indexed_groups``); this benchmark builds an index of that layout directly (no
journal: only the SQL is measured; reading the page's 100 rows is the same as without groups)
with a realistic mix of groups, then times a page of groups for several sorts and filters,
a group's members (``?parent=``), the ungrouped page for reference, and the index writer's
loop update when a cell's second fit is written.

Mix: 40 % single runs, 30 % re-runs in threes, 20 % points of searches of 50, 10 % fits of
cell loops of 10. Target: a page in <= 100 ms (the list route's budget, docs/performance.md); the first page
after the journal changed computes the groups' order (one pass), later pages reuse it.

Run: ``python benchmarks/groups_benchmark.py [--n 100000] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.timing import median_ms, timed
from kepler_jupyter.journal import index as index_module
from kepler_jupyter.journal import index_groups, index_writer
from kepler_jupyter.server.indexed_groups import grouped_rows


class _Index:
    """What ``grouped_rows`` needs of ``JournalIndex``: ``query``."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path

    def query(self, sql: str, parameters: Any = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, tuple(parameters)).fetchall()


def _key(index: int, rng: random.Random) -> tuple[str, str | None]:
    share = index % 10
    if share < 4:
        return f"i:r{index}", None
    if share < 7:
        return f"f:fp{index // 30}", None  # ~3 members each
    if share < 9:
        return f"s:search{index // 250}", f"point{index}"
    return f"c:cell{index // 100}", f"cell{index // 100}"


def build(path: Path, count: int, seed: int = 0) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(index_module._SCHEMA + index_groups.SCHEMA)
    rng = random.Random(seed)
    rows, metrics = [], []
    for index in range(count):
        key, cell = _key(index, rng)
        record_id = f"r{index:09d}"
        created = f"2026-{1 + index % 12:02d}-{1 + index % 28:02d}T{index % 24:02d}:00:{index % 60:02d}"
        rows.append((record_id, index, index, index * 4000, 4000, f"run {index}",
                     rng.choice(["completed", "completed", "failed"]), created, "keras", "Sequential",
                     None, None, None, None, json.dumps({"id": record_id}), None, 1000, 0, 0, 1.0,
                     f"run {index}", int(index % 50 == 0), key, key, cell))
        if rng.random() < 0.9:
            metrics.append((record_id, "val_accuracy", rng.random()))
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO experiments (id, first_seq, rev, offset, length, name, status, created, "
        "framework, model_class, fp_experiment, fp_model, fp_data, fp_settings, listing, vector, "
        "n_params, n_errors, n_warnings, duration_s, search_text, archived, group_base, group_key, "
        "group_cell) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    connection.executemany("INSERT INTO metric_values VALUES (?, ?, ?)", metrics)
    started = time.process_time()
    index_groups.refresh(connection, None)  # what a rebuild of the index does once
    print(f"groups table of the default view computed in {time.process_time() - started:.2f} s CPU")
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    return connection


JOIN = "LEFT JOIN metric_values m ON m.id = e.id AND m.name = ?"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        connection = build(Path(folder) / "index.sqlite", arguments.n)
        index = _Index(connection, Path(folder) / "index.sqlite")
        states = iter(range(1_000_000))  # a new index state: the group order is computed again
        print(f"groups at {arguments.n:,} experiments (index built in {time.perf_counter() - started:.1f} s)")
        total, _ = grouped_rows(index, -1, JOIN, "", [], "e.created", "desc", "val_accuracy", 100, 0)
        print(f"{total:,} top-level rows")
        shown = "WHERE e.archived = 0"  # the panel's default view leaves archived runs out
        cases = {
            "groups, newest first": (shown, [], "e.created", "desc"),  # from groups_shown
            "groups by mean metric": (shown, [], "m.value", "desc"),
            "groups by name": (shown, [], "lower(e.name)", "asc"),
            "groups, status=failed": (f"{shown} AND lower(e.status) IN (?)", ["failed"], "e.created", "desc"),
            "groups, archived shown too": ("", [], "e.created", "desc"),
        }
        for label, case in cases.items():
            def page(state: Any, offset: int, case: tuple[Any, ...] = case) -> None:
                where, parameters, sort, order = case
                grouped_rows(index, state, JOIN, where, parameters, sort, order, "val_accuracy",
                             100, offset)

            cold, cold_cpu = timed(lambda page=page: page(next(states), 0), arguments.repeats)
            warm = median_ms(lambda page=page: page(-2, 500), arguments.repeats)
            print(f"  {label:<26} first page {cold:7.1f} ms ({cold_cpu:6.1f} ms CPU), "
                  f"next pages {warm:5.1f} ms")
        members = median_ms(lambda: index.query(
            "SELECT e.id FROM experiments e WHERE e.group_key = ? "
            "ORDER BY e.created DESC LIMIT 200", ["s:search3"]), arguments.repeats)
        print(f"  {'one search members (parent)':<28} {members:8.1f} ms")
        flat = median_ms(lambda: index.query(
            "SELECT count(*) FROM experiments e") and index.query(
            "SELECT e.id FROM experiments e ORDER BY e.created DESC, e.first_seq DESC LIMIT 100"),
            arguments.repeats)
        print(f"  {'ungrouped page (reference)':<28} {flat:8.1f} ms")
        cells = json.dumps(["cell7"])
        update = median_ms(lambda: connection.execute(index_writer.LOOP_GROUPS, (cells, cells)),
                            arguments.repeats)
        print(f"  {'loop update per write':<28} {update:8.2f} ms")
        touched = {"s:search3", "f:fp40", "c:cell7"}
        refresh = median_ms(lambda: index_groups.refresh(connection, touched), arguments.repeats)
        print(f"  {'groups table per write':<28} {refresh:8.2f} ms  (3 groups recomputed)")
        connection.close()


if __name__ == "__main__":
    main()
