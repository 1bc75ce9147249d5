"""The run table sorted by any field, and the column catalogue, from the index at 100,000.

Builds an index of the current layout directly (no journal file: only the index is measured)
from realistic records (``scale_records``: Keras and scikit-learn, 70 / 30), writing each
record's sortable fields (``journal.index_fields``) and catalogue entries
(``journal.index_catalogue``) the way the index writer does, in its batches of 500. Prints:

* what the two JSON texts and their writes add per record to a rebuild and to one insert
  (CPU), and the index's size;
* the first sort by a field (materialising it), then the first page of the list sorted by a
  setting, a metric and a mostly-text field, ascending and descending, with a filter, grouped,
  and a page past the values;
* ``GET /kepler/api/columns``'s catalogue.

Wall time beside CPU time (the machine is shared). Target: a page and the catalogue <= 100 ms.

Run: ``python benchmarks/field_sort_benchmark.py [--n 100000] [--repeats 5]``
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

from benchmarks.scale_records import keras_record, sklearn_record
from benchmarks.timing import timed
from kepler_jupyter.journal import index as index_module
from kepler_jupyter.journal import index_catalogue, index_fields, index_groups
from kepler_jupyter.journal.groups import base_key
from kepler_jupyter.journal.record import normalize
from kepler_jupyter.server.columns import catalogue_from_counts
from kepler_jupyter.server.indexed_fields import field_sorted_rows
from kepler_jupyter.server.indexed_groups import grouped_rows


class _Index:
    """What the server's functions need of ``JournalIndex``."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        import threading

        self.connection = connection
        self.path = path
        self.mutex = threading.RLock()

    def query(self, sql: str, parameters: Any = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, tuple(parameters)).fetchall()


def build(path: Path, count: int) -> tuple[sqlite3.Connection, float, float]:
    """The index; CPU seconds spent computing the records' JSON texts and writing them."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(index_module._SCHEMA + index_groups.SCHEMA + index_fields.SCHEMA)
    rng = random.Random(0)
    compute = write = 0.0
    connection.execute("BEGIN")
    batch: list[tuple[str, str | None, str]] = []
    rows = []
    for position in range(count):
        record = (keras_record if position % 10 < 7 else sklearn_record)(position, rng)
        record_id = str(record["id"])
        started = time.process_time()
        normal = normalize(record)
        batch.append((record_id, index_fields.fields_json(normal),
                      index_catalogue.entries_json(normal)))
        compute += time.process_time() - started
        key = base_key(record) or f"i:{record_id}"
        rows.append((record_id, position, position, position * 4000, 4000, record.get("name"),
                     record.get("status"), record.get("created"), "{}", int(position % 50 == 0),
                     key, key))
        if len(batch) == 500:
            started = time.process_time()
            index_fields.write(connection, batch)
            write += time.process_time() - started
            batch = []
    if batch:
        index_fields.write(connection, batch)
    connection.executemany(
        "INSERT INTO experiments (id, first_seq, rev, offset, length, name, status, created, "
        "listing, archived, group_base, group_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows)
    index_groups.refresh(connection, None)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    return connection, compute, write


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args(argv)
    n = arguments.n
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.sqlite"
        started = time.perf_counter()
        connection, compute, write = build(path, n)
        index = _Index(connection, path)
        print(f"field sort at {n:,} experiments (index built in {time.perf_counter() - started:.0f} s)")
        print(f"  rebuild adds {compute:.1f} s CPU normalising the records and computing the JSON texts "
              f"({compute / n * 1e6:.0f} us per record) and {write:.1f} s CPU writing them "
              f"({write / n * 1e6:.0f} us per record)")
        print(f"  index file {path.stat().st_size / 1e6:.0f} MB with the field rows")
        rng = random.Random(1)
        record = keras_record(n + 1, rng)

        def one_insert() -> None:
            connection.execute("BEGIN")
            normal = normalize(record)
            index_fields.write(connection, [(str(record["id"]), index_fields.fields_json(normal),
                                             index_catalogue.entries_json(normal))])
            connection.execute("ROLLBACK")

        for key in ("learning_rate", "val_accuracy", "optimizer"):
            wall, cpu = timed(lambda key=key: index_fields.ensure_sorted(connection, key), 1)
            print(f"  first sort by {key:<14} (materialise) {wall:7.1f} ms ({cpu:6.1f} ms CPU)")
        wall, cpu = timed(one_insert, arguments.repeats)
        print(f"  one insert's field rows, 3 sorted fields: {wall:5.2f} ms ({cpu:5.2f} ms CPU)")
        shown = ["e.archived = 0"]
        cases = {
            "learning_rate asc": ("learning_rate", "asc", shown, [], 0),
            "learning_rate desc": ("learning_rate", "desc", shown, [], 0),
            "val_accuracy desc": ("val_accuracy", "desc", shown, [], 0),
            "optimizer asc (text)": ("optimizer", "asc", shown, [], 0),
            "val_accuracy, failed": ("val_accuracy", "desc",
                                     [*shown, "lower(e.status) IN (?)"], ["failed"], 0),
            "val_accuracy, page 100": ("val_accuracy", "desc", shown, [], 10_000),
        }
        for label, (key, order, conditions, parameters, offset) in cases.items():
            wall, cpu = timed(lambda key=key, order=order, conditions=conditions,
                               parameters=parameters, offset=offset: field_sorted_rows(
                index, key, order, "", conditions, [], parameters, 100, offset), arguments.repeats)
            print(f"  {label:<26} page {wall:7.1f} ms ({cpu:6.1f} ms CPU)")
        states = iter(range(1_000_000))
        join = "LEFT JOIN metric_values m ON m.id = e.id AND m.name = ?"
        sort_join = "LEFT JOIN field_values f ON f.id = e.id AND f.name = ?"
        wall, cpu = timed(lambda: grouped_rows(
            index, next(states), join, "WHERE e.archived = 0", [], "f.value", "asc",
            "val_accuracy", 100, 0, sort_join, ("learning_rate",)), arguments.repeats)
        print(f"  {'grouped by learning_rate':<26} first page {wall:7.1f} ms ({cpu:6.1f} ms CPU)")
        wall, cpu = timed(lambda: grouped_rows(
            index, -1, join, "WHERE e.archived = 0", [], "f.value", "asc",
            "val_accuracy", 100, 100, sort_join, ("learning_rate",)), arguments.repeats)
        print(f"  {'grouped, next pages':<26} page {wall:7.1f} ms ({cpu:6.1f} ms CPU)")
        wall, cpu = timed(lambda: catalogue_from_counts(index_catalogue.counts(connection),
                                                         "val_accuracy"), arguments.repeats)
        rows = connection.execute("SELECT count(*) FROM catalogue").fetchone()[0]
        print(f"  {'column catalogue':<26} {wall:7.1f} ms ({cpu:6.1f} ms CPU), {rows:,} rows")
        print(json.dumps(catalogue_from_counts(index_catalogue.counts(connection),
                                               "val_accuracy")["default"]))


if __name__ == "__main__":
    main()
