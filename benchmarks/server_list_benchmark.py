"""How fast ``GET /kepler/api/experiments`` answers with 10,000 experiments in the journal.

Target (issue 5): <= 100 ms per list request at 10,000 experiments. Starts a real
``jupyter server`` (token auth, kepler extension enabled) on a temporary journal, then times,
over HTTP from this process:

* the first request (reads and summarises the whole journal),
* repeated requests with various pages, sorts and filters (served from the cached summaries),
* the first request after another experiment is appended (the cache rebuilds).

Run: ``python benchmarks/server_list_benchmark.py [--n 10000]``
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "server"))

from sample_journal import make_record  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fill_journal(project: Path, count: int) -> float:
    from kepler_jupyter.journal import Journal, new_experiment_id

    journal = Journal(project)
    started = time.perf_counter()
    for index in range(count):
        losses = [1.0 / (epoch + 1 + index % 7) for epoch in range(10)]
        history = {"loss": losses, "val_loss": [v * 1.1 for v in losses],
                   "accuracy": [1 - v for v in losses], "val_accuracy": [0.95 - v for v in losses]}
        journal.add(make_record(
            new_experiment_id(), f"experiment {index}", f"2025-01-01T00:00:{index % 60:02d}+00:00",
            batch_size=2 ** (4 + index % 4), units=8 * (1 + index % 5), history=history,
            tags=[f"sweep-{index % 10}"], status="completed" if index % 9 else "failed"))
    return time.perf_counter() - started


def _get(url: str, token: str) -> tuple[float, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, json.loads(body)


def _wait_for(url: str, token: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError("jupyter server exited before answering")
        try:
            _get(url, token)
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"no answer from {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="experiments in the journal")
    parser.add_argument("--repeat", type=int, default=30, help="timed warm requests")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        fill_s = _fill_journal(project, args.n)
        print(f"journal: {args.n} experiments written in {fill_s:.1f} s")
        token, port = secrets.token_hex(16), _free_port()
        env = {k: v for k, v in os.environ.items() if k != "KEPLER_PROJECT_DIR"}
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", f"--port={port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp}",
             "--ServerApp.jpserver_extensions={'kepler_jupyter': True}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}/kepler/api"
            _wait_for(f"{base}/version", token, server)
            cold_ms, payload = _get(f"{base}/experiments?limit=100", token)
            assert payload["total"] == args.n, payload["total"]
            queries = ["limit=100", "offset=5000&limit=100", "sort=metric&limit=100",
                       "sort=name&order=asc&limit=200", "q=experiment%2099&limit=100",
                       "tag=sweep-3&status=completed&limit=100", "metric=%3E%3D0.9&limit=100"]
            warm = [_get(f"{base}/experiments?{queries[i % len(queries)]}", token)[0]
                    for i in range(args.repeat)]
            from kepler_jupyter.journal import Journal, new_experiment_id

            Journal(project).add(make_record(new_experiment_id(), "one more",
                                             "2026-01-01T00:00:00+00:00"))
            rebuild_ms, payload = _get(f"{base}/experiments?limit=100", token)
            assert payload["total"] == args.n + 1
        finally:
            server.terminate()
            server.wait(timeout=30)

    warm.sort()
    p95 = warm[min(len(warm) - 1, int(0.95 * len(warm)))]
    print(f"GET /kepler/api/experiments at {args.n} experiments:")
    print(f"  first request (read + summarise journal): {cold_ms:8.1f} ms")
    print(f"  cached, p50 over {len(warm)} mixed queries:     {statistics.median(warm):8.1f} ms")
    print(f"  cached, p95:                               {p95:8.1f} ms   (target <= 100 ms)")
    print(f"  cached, max:                               {warm[-1]:8.1f} ms")
    print(f"  first request after one more experiment:   {rebuild_ms:8.1f} ms")


if __name__ == "__main__":
    main()
