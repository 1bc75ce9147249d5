"""The index rebuilt from scratch: what it leaves on disk, and that every way of building it
gives the same index."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import warnings
from contextlib import closing
from pathlib import Path

import pytest
from journal_helpers import make_record, other_process_view

from kepler_jupyter.journal import Journal, index_pool, index_writer
from kepler_jupyter.journal import index as index_module
from kepler_jupyter.journal.index import INDEX_FILE_NAME
from kepler_jupyter.journal.lines import encode_line, tombstone


def test_a_rebuild_leaves_the_index_checkpointed(project_dir):
    journal = Journal(project_dir)
    for index in range(40):
        journal.add(make_record(f"w{index:03d}", notes={"text": "x" * 500}))
    journal._index.close()
    for suffix in ("", "-wal", "-shm"):
        (journal.kepler_dir / f"{INDEX_FILE_NAME}{suffix}").unlink(missing_ok=True)
    # a process that rebuilds and exits without closing its connection (as a script does)
    script = textwrap.dedent("""
        import os, sys
        from kepler_jupyter.journal import Journal
        journal = Journal(sys.argv[1])
        assert journal.indexed() is not None and len(journal) == 40
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", script, str(project_dir)], timeout=120, check=True)
    wal = journal.kepler_dir / f"{INDEX_FILE_NAME}-wal"
    # the next process reads the index file itself, not a WAL it must first copy back
    assert not wal.exists() or wal.stat().st_size == 0
    assert (journal.kepler_dir / INDEX_FILE_NAME).stat().st_size > 40 * 500


def _records() -> list[bytes]:
    """Journal lines of every kind a rebuild meets."""
    lines = []
    for index in range(40):
        keras = index % 2 == 0
        lines.append(encode_line(make_record(
            f"r{index:02d}", created=f"2025-01-{index % 28 + 1:02d}T00:00:00Z",
            status="running" if index % 5 == 0 else "completed", framework="keras" if keras else "sklearn",
            tags=["even", f"t{index % 3}"] if keras else [],
            params={"optimizer": "adam", "epochs": index % 7, "lr": 10.0 ** -(index % 4)}
            if keras else {"estimator_params": {"C": index / 3, "max_iter": 100}},
            model={"class": "Sequential" if keras else "LogisticRegression", "n_params": 100 + index,
                   "layers": [{"class": "Dense", "units": 8 * (index % 3 + 1)}] if keras else []},
            history={"loss": [1.0 / (epoch + 1) for epoch in range(index % 6 + 1)]} if keras else {},
            metrics={"accuracy": index / 40, "val_loss": None if index == 7 else 0.3},
            findings=[{"code": "K101", "severity": "warning"}] * (index % 3),
            notes={"hypothesis": f"idea {index}"}, session={"cell_run": f"cell{index // 4}"},
            fingerprint={"experiment": f"e{index % 9}", "data": f"d{index % 4}"})))
    for index in range(0, 40, 6):  # superseded: a later version of the same id
        lines.append(encode_line(make_record(f"r{index:02d}", status="completed", name="again",
                                             metrics={"accuracy": 0.99})))
    lines.append(encode_line(tombstone("r03")))  # deleted
    lines.append(encode_line(tombstone("r04")))
    lines.append(encode_line(make_record("r04", name="back after its deletion")))
    lines.append(b'{"id": "r05", "status": "completed", "broken}\n')  # damaged: r05's previous counts
    lines.append(b"not json at all\n")
    lines.append(b'{"name": "hand written, id last", "status": "completed", "id": "hand1"}\n')
    lines.append(b'{"id": "odd\\ud800id", "name": "a lone surrogate in the id"}\n')
    lines.append(b'{"id": "esc\\"aped", "name": "an escaped quote", "metrics": {"x": NaN}}\n')
    lines.append(b'  \n')
    huge = b"1" + b"0" * 400  # an integer past float's range
    lines.append(b'{"id": "huge", "name": "a huge number", "duration_s": ' + huge +
                 b', "metrics": {"x": ' + huge + b'}, "history": {"y": [' + huge +
                 b']}, "params": {"epochs": ' + huge + b'}}\n')
    lines.append(encode_line(make_record("r09", archived=True)))
    return lines


def _tables(journal_dir) -> dict[str, list[tuple]]:
    with closing(sqlite3.connect(journal_dir / INDEX_FILE_NAME)) as connection:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        tables = {name: sorted(connection.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
                  for name in names}
        tables["indexes"] = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
    tables["state"] = [row[:9] for row in tables["state"]]  # the generation is a random token
    return tables


def _rebuilt(project_dir, monkeypatch, **settings) -> dict[str, list[tuple]]:
    for name, value in settings.items():
        monkeypatch.setattr(index_pool, name, value)
    for suffix in ("", "-wal", "-shm"):
        (project_dir / ".kepler" / f"{INDEX_FILE_NAME}{suffix}").unlink(missing_ok=True)
    journal = other_process_view(project_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the damaged lines are reported
        assert journal.indexed() is not None
    assert journal._index.rebuilds == 1
    journal._index.close()
    return _tables(project_dir / ".kepler")


def test_rows_computed_in_worker_processes_equal_the_serial_rebuild(project_dir, monkeypatch):
    (project_dir / ".kepler").mkdir()
    (project_dir / ".kepler" / "journal.jsonl").write_bytes(b"".join(_records()))
    serial = _rebuilt(project_dir, monkeypatch, MIN_POOL_BYTES=1 << 62)
    assert len(serial["experiments"]) == 43 and serial["damaged"] == [(51,), (52,)]
    assert len(serial["catalogue"]) > 20 and len(serial["metric_values"]) > 40
    # small chunks over two workers: the rows come back from each in turn
    spawned = []
    start = index_pool._start
    monkeypatch.setattr(index_pool, "_start",
                        lambda workers: spawned.append(workers) or start(workers))
    # and with the readers' indexes made after the inserts, as for a large journal
    monkeypatch.setattr(index_module, "CATCH_UP_MAX_BYTES", 0)
    dropped = []
    drop = index_module.drop_indexes
    monkeypatch.setattr(index_module, "drop_indexes",
                        lambda connection: dropped.extend(drop(connection)) or dropped)
    pooled = _rebuilt(project_dir, monkeypatch, MIN_POOL_BYTES=0, CHUNK_IDS=3,
                      MAX_WORKERS=2, _cores=lambda: 2)
    assert spawned == [2] and len(dropped) == len(index_writer.DEFERRED_INDEXES)
    assert len(serial["indexes"]) > 10
    assert pooled == serial


def _failing_workers(serve_chunks: int, then: str = "pass"):
    """Workers that answer ``serve_chunks`` chunks and then run ``then`` (and exit)."""
    code = textwrap.dedent(f"""
        import pickle, sys, time
        sys.path.insert(0, sys.argv[1])
        from kepler_jupyter.journal.index_pool import chunk_rows
        path, identity, first_line, chunks = pickle.load(sys.stdin.buffer)
        for chunk in chunks[:{serve_chunks}]:
            pickle.dump(chunk_rows(path, identity, chunk, first_line), sys.stdout.buffer)
            sys.stdout.flush()
        {then}
    """)

    def start(workers: int) -> list[subprocess.Popen[bytes]]:
        return [subprocess.Popen([sys.executable, "-c", code, str(Path(index_pool.__file__).parents[2])],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                for _ in range(workers)]
    return start


@pytest.mark.parametrize("serve_chunks", [0, 2])
def test_a_failing_pool_leaves_the_rest_to_the_serial_path(project_dir, monkeypatch, serve_chunks):
    (project_dir / ".kepler").mkdir()
    (project_dir / ".kepler" / "journal.jsonl").write_bytes(b"".join(_records()))
    serial = _rebuilt(project_dir, monkeypatch, MIN_POOL_BYTES=1 << 62)
    monkeypatch.setattr(index_pool, "_start", _failing_workers(serve_chunks))
    pooled = _rebuilt(project_dir, monkeypatch, MIN_POOL_BYTES=0, CHUNK_IDS=3,
                      MAX_WORKERS=2, _cores=lambda: 2)
    assert pooled == serial


def test_a_hung_worker_does_not_hold_the_rebuild(project_dir, monkeypatch):
    (project_dir / ".kepler").mkdir()
    (project_dir / ".kepler" / "journal.jsonl").write_bytes(b"".join(_records()))
    serial = _rebuilt(project_dir, monkeypatch, MIN_POOL_BYTES=1 << 62)
    # each worker answers one chunk, then neither answers nor exits
    monkeypatch.setattr(index_pool, "_start", _failing_workers(1, then="time.sleep(600)"))
    pooled = _rebuilt(project_dir, monkeypatch, MIN_POOL_BYTES=0, CHUNK_IDS=3,
                      MAX_WORKERS=2, _cores=lambda: 2, ANSWER_TIMEOUT_S=1.0)
    assert pooled == serial


def test_no_worker_can_start(project_dir, monkeypatch):
    (project_dir / ".kepler").mkdir()
    (project_dir / ".kepler" / "journal.jsonl").write_bytes(b"".join(_records()))
    serial = _rebuilt(project_dir, monkeypatch, MIN_POOL_BYTES=1 << 62)
    monkeypatch.setattr(sys, "executable", str(project_dir / "no-such-python"))
    pooled = _rebuilt(project_dir, monkeypatch, MIN_POOL_BYTES=0, MAX_WORKERS=2,
                      _cores=lambda: 2)
    assert pooled == serial
