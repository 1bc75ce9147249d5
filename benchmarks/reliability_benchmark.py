"""Reliability figures for docs/reliability.md: nothing saved is ever lost, whatever happens.

Runs, on a fresh project each:

* concurrent writers: P processes each ``add`` then ``update`` N records at once;
* killed writers: K times, a writer appending as fast as it can is killed with SIGKILL at a
  random moment; every record whose ``add`` had returned must be in the journal, and the
  journal must take new records afterwards;
* injected faults: F writes, each failing at a random system call (short write then ENOSPC,
  EIO on fsync, EROFS on open) or succeeding; a write that returned must be readable, a write
  that failed must leave the file byte for byte as it was;
* hostile journals: H generated journals (tests/reliability/hostile.py) through every reader
  (tests/reliability/readers.py); exceptions escaping and well-formed records missing are
  counted.

and prints one table, with "records lost" summed over all of them (the target is 0).

Run: ``python benchmarks/reliability_benchmark.py [--writers 4 --records 250 --kills 20
--faults 300 --hostile 200]`` from the repository root (about 5-10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import errno
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kepler_jupyter.journal import Journal, JournalError  # noqa: E402

_WRITER = """
import sys
from kepler_jupyter.journal import Journal
project, mode, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
journal = Journal(project)
def record(index):
    return {"id": f"{tag}-{index:05d}", "name": f"{tag} #{index} ✓", "status": "running",
            "created": f"2025-01-01T00:00:00.{index:06d}Z",
            "history": {"loss": [1.0 / (k + 1) for k in range(20)]}, "payload": "x" * (index % 300)}
if mode == "add-update":
    for index in range(count):
        journal.add(record(index))
    for index in range(count):
        journal.update(f"{tag}-{index:05d}", {"status": "completed", "metrics": {"acc": index}})
else:
    index = 0
    while True:
        journal.add(record(index))
        print(f"{tag}-{index:05d}", flush=True)
        index += 1
"""


def _writer(project: Path, mode: str, count: int, tag: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(project), mode, str(count), tag],
                            env=env, **kwargs)


def concurrent_writers(writers: int, records: int) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as folder:
        processes = [_writer(Path(folder), "add-update", records, f"w{n}") for n in range(writers)]
        for process in processes:
            process.wait(timeout=600)
        found = {r["id"]: r for r in Journal(folder).experiments()}
        expected = {f"w{n}-{i:05d}" for n in range(writers) for i in range(records)}
        lost = len(expected - found.keys())
        not_updated = sum(1 for exp_id in expected & found.keys() if found[exp_id]["status"] != "completed")
    return {"writers": writers, "records": writers * records, "lost": lost + not_updated}


def killed_writers(kills: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    lost = saved_total = 0
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(kills):
            writer = _writer(Path(folder), "loop", 0, f"k{round_}", stdout=subprocess.PIPE, text=True)
            # the kill comes at a random moment once the writer is writing (its start-up, which
            # on a busy machine takes seconds, is not what is being tested)
            saved = [writer.stdout.readline().strip()]
            deadline = time.monotonic() + rng.uniform(0.2, 1.0)
            while time.monotonic() < deadline:
                line = writer.stdout.readline().strip()
                if line:
                    saved.append(line)
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=30)
            writer.stdout.close()
            saved_total += len(saved)
            journal = Journal(folder)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a torn last line is set aside, as designed
                present = {r["id"] for r in journal.experiments()}
            lost += len(set(saved) - present)
            journal.add({"id": f"after{round_}", "name": "after the kill"})
            lost += Journal(folder).get(f"after{round_}") is None
    return {"kills": kills, "records": saved_total + kills, "lost": lost}


def _fault(kind: str, fail_on: int):
    calls = {"n": 0}
    real = {"write": os.write, "fsync": os.fsync, "open": os.open}

    def write(fd, data):
        calls["n"] += 1
        if calls["n"] >= fail_on:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real["write"](fd, bytes(data[: max(1, len(data) // 2)]))  # a short write first

    def fsync(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    def open_(path, flags, *args):
        if str(path).endswith("journal.jsonl") and flags & os.O_APPEND:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real["open"](path, flags, *args)

    return {"enospc": ("write", write), "eio": ("fsync", fsync), "erofs": ("open", open_)}[kind], real


def injected_faults(faults: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    lost = failed = corrupted = 0
    with tempfile.TemporaryDirectory() as folder:
        journal = Journal(folder)
        saved: set[str] = set()
        for index in range(faults):
            exp_id = f"f{index:05d}"
            before = journal.path.read_bytes() if journal.path.exists() else b""
            inject = rng.random() < 0.7
            kind = rng.choice(["enospc", "eio", "erofs"])
            (name, replacement), real = _fault(kind, rng.randint(1, 2))
            if inject:
                setattr(os, name, replacement)
            try:
                journal.add({"id": exp_id, "name": "fault", "payload": "y" * rng.randint(0, 5000)})
                saved.add(exp_id)
            except JournalError:
                failed += 1
                if journal.path.read_bytes() != before:
                    corrupted += 1
            finally:
                setattr(os, name, real[name])
        present = {r["id"] for r in Journal(folder).experiments()}
        lost = len(saved - present)
    return {"writes": faults, "failed as reported": failed, "file changed by a failed write": corrupted,
            "lost": lost}


def hostile_journals(examples: int) -> dict[str, int]:
    from hypothesis import HealthCheck, given, settings

    sys.path.insert(0, str(ROOT / "tests"))
    from reliability.hostile import hostile_journals as strategy
    from reliability.readers import READERS

    counts = {"journals": 0, "lines": 0, "hostile lines": 0, "exceptions": 0, "lost": 0}
    failures: list[str] = []

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy())
    def run(journal):
        counts["journals"] += 1
        counts["lines"] += len(journal.lines)
        counts["hostile lines"] += journal.n_hostile
        with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            project = Path(folder)
            journal.write(project)
            for name, reader in READERS.items():
                try:
                    shown = reader(project)
                except Exception as error:  # counted, not raised: the figure is the count
                    counts["exceptions"] += 1
                    failures.append(f"{name}: {type(error).__name__}: {str(error)[:120]}")
                    continue
                counts["lost"] += sum(exp_id not in shown for exp_id in journal.good_ids)

    run()
    for failure in failures[:10]:
        print("  exception:", failure)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--records", type=int, default=250)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--faults", type=int, default=300)
    parser.add_argument("--hostile", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []
    for title, run in [
        ("concurrent writers", lambda: concurrent_writers(args.writers, args.records)),
        ("killed writers", lambda: killed_writers(args.kills, args.seed)),
        ("injected faults", lambda: injected_faults(args.faults, args.seed)),
        ("hostile journals", lambda: hostile_journals(args.hostile) if args.hostile else {}),
    ]:
        started = time.perf_counter()
        figures = run()
        rows.append((title, figures, time.perf_counter() - started))
        print(f"{title:20s} {figures}  ({rows[-1][2]:.0f} s)", flush=True)
    total_lost = sum(figures.get("lost", 0) for _, figures, _ in rows)
    print(f"records lost, all together: {total_lost}")


if __name__ == "__main__":
    main()
