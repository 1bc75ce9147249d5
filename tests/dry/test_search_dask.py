"""Dask without a shared disk: on a real LocalCluster whose worker processes work in other
folders than the client, workers write nothing, the client journals every point exactly once,
and a worker killed mid-search loses no record and duplicates none."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from kepler_jupyter.journal import Journal
from kepler_jupyter.run.events import read_events
from kepler_jupyter.search.grid import grid
from kepler_jupyter.search.space import loguniform

distributed = pytest.importorskip("distributed")
pytest.importorskip("optuna")


class ElsewhereWorker(distributed.WorkerPlugin):
    """Moves each worker process (a restarted one too) into its own empty folder."""

    def __init__(self, root: str) -> None:
        self.root = root

    def setup(self, worker):  # noqa: ANN001 - Dask's signature
        folder = Path(self.root) / f"worker-{os.getpid()}"
        folder.mkdir(parents=True, exist_ok=True)
        os.chdir(folder)


def test_workers_write_nothing_and_a_killed_worker_loses_and_duplicates_nothing(project, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(int)
    X_val, y_val = X[90:], y[90:]
    X, y = X[:90], y[:90]
    marker = tmp_path / "killed-once"
    workers_root = tmp_path / "workers"

    def build(C):  # a closure: shipped to the workers by value
        if C == 1.0 and not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(1)  # the worker process dies in the middle of this point
        return LogisticRegression(C=C, max_iter=300)

    space = {"C": [0.01, 0.1, 1.0, 10.0]}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        client.register_plugin(ElsewhereWorker(str(workers_root)))
        assert all(Path(cwd) != Path.cwd() for cwd in client.run(os.getcwd).values())
        result = grid(build, space, X, y, validation_data=(X_val, y_val), backend="dask",
                      client=client, name="lr", project_dir=project, display="none")
        assert marker.exists()  # a worker was killed ...
        assert sorted(p.status for p in result.points) == ["completed"] * 4  # ... and its point retried
        again = grid(build, space, X, y, validation_data=(X_val, y_val), backend="dask",
                     client=client, name="lr", project_dir=project, display="none")
        assert [p.status for p in again.points] == ["skipped"] * 4, [p.error for p in again.points]

        tpe = grid(build, {"C": loguniform(1e-3, 10.0)}, X, y, validation_data=(X_val, y_val),
                   backend="dask", client=cluster.scheduler_address, strategy="tpe", n_iter=6,
                   name="lr", project_dir=project, display="none")
        assert tpe.count("skipped") == 4 and tpe.count("completed") == 2

    records = Journal(project).experiments()
    assert len(records) == 6 and len({r["fingerprint"]["experiment"] for r in records}) == 6
    assert {r["search"]["params"]["C"] for r in records} >= set(space["C"])
    assert all(r["status"] == "completed" and "val_score" in r["metrics"] for r in records)
    # the events the workers collected were written here, once per point
    started = [e for e in read_events(Journal(project).kepler_dir) if e.kind == "started"]
    assert sorted(e.experiment_id for e in started) == sorted(r["id"] for r in records)
    # nothing on the workers' side: their folders hold no journal and no file at all
    assert workers_root.exists()
    assert [p for p in workers_root.rglob("*") if p.is_file()] == []
