"""Journal performance against the targets of DESIGN.md §7.

Builds a journal of realistic records (a Keras model config with its layers, 20 epochs of
history, the environment, the cell source: about 5 KB each) the way a kernel does it, one
``add`` (status running) and one ``update`` (completed, with results) per experiment, then
prints:

* insert (``add``) and ``update`` latency at 10,000 experiments: p50 and p95
  (targets: p50 <= 5 ms, p95 <= 20 ms);
* ``Journal(...)`` open + ``experiments()`` in a fresh process (target <= 300 ms), the same
  with ``fields=`` (a listing), a ``search`` and a ``get``, the json.loads floor for full
  records, and open + list in a process that has the journal open already (another process
  appended meanwhile);
* the cost of the record's normalising step that every read goes through
  (``journal.record.normalize``, and the nesting-depth check on each parsed line), on the
  full records and on listing rows, against the cold open + list it is part of;
* for comparison, TinyDB's stock ``JSONStorage`` insert time at 2,000 records, as a ratio to
  the journal's insert time at the same size.

Run: ``python benchmarks/journal_benchmark.py [--records 10000]``.
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kepler_jupyter.journal import Journal, new_experiment_id

# Run in a fresh process: a kernel, server or `kepler` command opening the journal cold.
_COLD_OPEN = """
import gc, json, sys, time
from kepler_jupyter.journal import Journal
project, what = sys.argv[1], sys.argv[2]
started = time.perf_counter()
journal = Journal(project)
if what == "experiments":
    result = journal.experiments()
elif what == "listing":
    result = journal.experiments(fields=("name", "status", "created", "metrics", "tags"))
elif what == "search":
    result = journal.search(**{"params.batch_size": 16, "params.learning_rate": 0.001})
elif what == "get":
    result = [journal.get(sys.argv[3])]
elif what == "json-floor":
    # The floor for full records: json.loads of just the latest line of each record.
    latest = {line[8:18]: line for line in journal.path.read_bytes().splitlines()}
    gc.disable()
    started = time.perf_counter()
    result = [json.loads(line) for line in latest.values()]
print(len(result), time.perf_counter() - started)
"""


def _dense_layer_config(name: str, units: int, activation: str) -> dict[str, Any]:
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
              "registered_name": None}
    return {
        "module": "keras.layers", "class_name": "Dense", "registered_name": None,
        "build_config": {"input_shape": [None, 32]},
        "config": {
            "name": name, "trainable": True, "dtype": policy, "units": units,
            "activation": activation, "use_bias": True,
            "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                   "config": {"seed": None}, "registered_name": None},
            "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                                 "config": {}, "registered_name": None},
            "kernel_regularizer": None, "bias_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None,
        },
    }


def running_record(index: int) -> dict[str, Any]:
    """What the kernel logs before a fit: everything but history, metrics and the end."""
    rng = random.Random(index)
    units = rng.choice([16, 32, 64, 128])
    layers = [("dense", units, "relu"), ("dense_1", units, "relu"), ("dense_2", 1, "sigmoid")]
    return {
        "id": new_experiment_id(),
        "project": "benchmark",
        "name": f"mlp-{index}",
        "status": "running",
        "created": f"2025-01-01T00:00:00.{index:06d}Z",
        "started": f"2025-01-01T00:00:00.{index:06d}Z",
        "framework": "keras",
        "model": {
            "class": "Sequential", "module": "keras.src.models.sequential",
            "config": {"name": "sequential", "trainable": True,
                       "layers": [_dense_layer_config(*layer) for layer in layers]},
            "layers": [{"name": name, "class": "Dense", "output_shape": [None, width],
                        "n_params": width * 33, "activation": activation, "units": width}
                       for name, width, activation in layers],
            "n_params": units * 33 + units * (units + 1) + units + 1,
            "n_trainable_params": units * 33 + units * (units + 1) + units + 1,
        },
        "params": {
            "epochs": 20, "batch_size": rng.choice([16, 32, 64]), "validation_split": 0.2,
            "has_validation_data": False, "shuffle": True, "optimizer": "Adam",
            "learning_rate": rng.choice([1e-2, 1e-3, 1e-4]),
            "optimizer_config": {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9,
                                 "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False},
            "loss": "binary_crossentropy", "metrics": ["accuracy"],
            "estimator_params": None, "fit_kwargs": {"verbose": 0},
        },
        "data": {
            "n_samples": 800, "n_features": 32, "input_shape": [32], "dtype": "float32",
            "y_dtype": "int64", "n_classes": 2, "label_distribution": {"0": 402, "1": 398},
            "validation": {"n_samples": 200, "label_distribution": {"0": 99, "1": 101}},
            "fingerprints": {"X": "9f2c" * 8, "y": "77ab" * 8, "validation": None},
        },
        "findings": [
            {"code": "K101", "title": "No validation data", "severity": "info",
             "stage": "prefit", "message": "validation_split is used", "why": "...",
             "fix": "pass validation_data", "evidence": {"validation_split": 0.2}},
        ],
        "env": {
            "python": "3.11.9",
            "packages": {name: "1.0.0" for name in (
                "numpy", "keras", "tensorflow", "scikit-learn", "pandas", "scipy", "tinydb",
                "ipython", "ipykernel", "jupyterlab", "plotly", "kepler_jupyter")},
            "platform": "Linux-6.1-x86_64", "cpu": "x86_64, 2 cores", "gpus": [],
            "git": {"commit": "3" * 40, "dirty": True}, "seeds": {"python": 0, "numpy": 0},
        },
        "source": {"cell": "model = keras.Sequential([...])\n"
                           "model.compile(optimizer='adam', loss='binary_crossentropy')\n"
                           "history = model.fit(X_train, y_train, epochs=20, batch_size=32,\n"
                           "                    validation_split=0.2, verbose=0)\n" * 2,
                   "notebook": "experiments/mlp.ipynb"},
        "notes": {"hypothesis": "wider layers help", "conclusion": None},
        "tags": ["mlp", "baseline"],
        "fingerprint": {"experiment": "e1" * 8, "model": "m2" * 8, "data": "d3" * 8,
                        "settings": "s4" * 8},
    }


def completed_changes(index: int) -> dict[str, Any]:
    """What the kernel saves after the fit."""
    rng = random.Random(-index)
    history = {name: [rng.random() for _ in range(20)]
               for name in ("loss", "accuracy", "val_loss", "val_accuracy")}
    return {
        "status": "completed", "ended": f"2025-01-01T00:01:00.{index:06d}Z", "duration_s": 12.5,
        "history": history, "metrics": {name: values[-1] for name, values in history.items()},
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def build_journal(project: Path, n_records: int) -> tuple[list[float], list[float]]:
    """Add and complete ``n_records`` experiments; per-call latencies of add and update."""
    journal = Journal(project)
    add_times, update_times = [], []
    for index in range(n_records):
        record = running_record(index)
        started = time.perf_counter()
        record_id = journal.add(record)
        add_times.append(time.perf_counter() - started)
        changes = completed_changes(index)
        started = time.perf_counter()
        journal.update(record_id, changes)
        update_times.append(time.perf_counter() - started)
    return add_times, update_times


def time_cold(project: Path, what: str, *extra: str) -> tuple[int, float]:
    """Median of five fresh processes: (records returned, seconds)."""
    runs = []
    for _ in range(5):
        output = subprocess.run(
            [sys.executable, "-c", _COLD_OPEN, str(project), what, *extra],
            capture_output=True, text=True, check=True,
        ).stdout.split()
        runs.append((int(output[0]), float(output[1])))
    return sorted(runs, key=lambda run: run[1])[2]


def time_tinydb_json_insert(folder: Path, n_records: int, n_inserts: int = 10) -> float:
    from tinydb import TinyDB

    records = [running_record(index) | completed_changes(index) for index in range(n_records)]
    database = TinyDB(folder / "stock.json")
    database.insert_multiple(records)
    times = []
    for index in range(n_inserts):
        record = copy.deepcopy(records[index]) | {"id": new_experiment_id()}
        started = time.perf_counter()
        database.insert(record)
        times.append(time.perf_counter() - started)
    database.close()
    return statistics.median(times)


def time_normalising(n_records: int) -> None:
    """What the read path's normalising step adds, per record, against parsing the line.

    Measured on ``n_records`` records as the journal stores them, in memory (the cost per
    record does not depend on the journal's size): ``json.loads`` of each line (the floor of
    any read), the nesting-depth check on each parsed line, and ``record.normalize`` on the
    full records and on listing rows. Medians of five passes.
    """
    import json

    from kepler_jupyter.journal.lines import _too_deep, encode_line
    from kepler_jupyter.journal.record import MAX_NESTING, normalize, to_stored

    lines = [encode_line(to_stored(running_record(i) | completed_changes(i)))
             for i in range(n_records)]
    full = [json.loads(line) for line in lines]
    listed = ("id", "name", "status", "created", "metrics", "tags", "summary")
    rows = [{name: record[name] for name in listed if name in record} for record in full]

    def median_of_five(work: Any) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    loads_s = median_of_five(lambda: [json.loads(line) for line in lines])
    depth_s = median_of_five(lambda: [_too_deep(line, value, MAX_NESTING)
                                      for line, value in zip(lines, full, strict=True)])
    full_s = median_of_five(lambda: [normalize(record) for record in full])
    rows_s = median_of_five(lambda: [normalize(record) for record in rows])
    per = 1e6 / n_records
    print(f"normalising {n_records} records: json.loads {loads_s * per:.1f} us per line; "
          f"nesting-depth check {depth_s * per:.1f} us ({depth_s / loads_s:.0%} of the parse); "
          f"normalize() {full_s * per:.1f} us per full record ({full_s / loads_s:.0%}), "
          f"{rows_s * per:.2f} us per listing row")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--tinydb-records", type=int, default=2_000)
    parser.add_argument("--normalising-only", action="store_true",
                        help="only the cost of the read path's normalising step")
    args = parser.parse_args()
    if args.normalising_only:
        time_normalising(args.records)
        return
    n, n_stock = args.records, args.tinydb_records
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "project"
        started = time.perf_counter()
        add_times, update_times = build_journal(project, n)
        build_s = time.perf_counter() - started
        journal_file = project / ".kepler" / "journal.jsonl"
        size_mb = journal_file.stat().st_size / 1e6
        print(f"built {n} experiments ({2 * n} lines, {size_mb:.1f} MB, "
              f"{size_mb * 1e3 / (2 * n):.1f} KB per line) in {build_s:.1f} s")
        last = slice(max(0, n - 1000), n)
        print(f"add    at {n}: p50 {percentile(add_times[last], 0.5) * 1e3:.2f} ms, "
              f"p95 {percentile(add_times[last], 0.95) * 1e3:.2f} ms  (target 5 / 20 ms)")
        print(f"update at {n}: p50 {percentile(update_times[last], 0.5) * 1e3:.2f} ms, "
              f"p95 {percentile(update_times[last], 0.95) * 1e3:.2f} ms")

        print("in a fresh process (the journal package already imported):")
        some_id = Journal(project).experiments(fields=())[n // 2]["id"]
        for what, label, extra in [
            ("experiments", "open + experiments(), full records", ()),
            ("listing", "open + experiments(fields=name/status/created/metrics/tags)", ()),
            ("search", "open + search(params.batch_size=..., params.learning_rate=...)", ()),
            ("get", "open + get(one id)", (some_id,)),
            ("json-floor", "json.loads of the latest line of each record alone", ()),
        ]:
            count, seconds = time_cold(project, what, *extra)
            print(f"  {label}: {seconds * 1e3:.0f} ms ({count} records)")
        print("  (target for open + list: 300 ms)")

        # A kernel that has the journal open: another process appends, we open and list again.
        Journal(project).experiments()
        other = running_record(n) | completed_changes(n)
        subprocess.run([sys.executable, "-c",
                        "import sys, json; from kepler_jupyter.journal import Journal; "
                        "Journal(sys.argv[1]).add(json.loads(sys.argv[2]))",
                        str(project), __import__("json").dumps(other)], check=True)
        started = time.perf_counter()
        count = len(Journal(project).experiments())
        print(f"open + experiments() in a process that read the journal before: "
              f"{(time.perf_counter() - started) * 1e3:.1f} ms for {count} records")

        time_normalising(n)

        started = time.perf_counter()
        Journal(project).to_dataframe()
        print(f"to_dataframe(): {(time.perf_counter() - started) * 1e3:.0f} ms")

        ours = statistics.median(add_times[max(0, n_stock - 100) : n_stock + 100])
        stock = time_tinydb_json_insert(Path(folder), n_stock)
        print(f"insert at {n_stock} records: stock TinyDB JSONStorage {stock * 1e3:.1f} ms, "
              f"journal {ours * 1e3:.2f} ms -> the journal is {stock / ours:.0f}x faster")

        started = time.perf_counter()
        Journal(project).compact()
        print(f"compact() {2 * n + 1} lines -> {n + 1}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
