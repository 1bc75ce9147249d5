"""A separate writer process for the concurrency tests (run as a script, not collected).

Usage: ``python journal_writer.py PROJECT MODE COUNT TAG [GATE]``

With GATE, the writer waits until that file exists, so that all writers start at once.

MODE ``add-update``: add COUNT records ``TAG-0000`` ..., then update each to ``completed``.
MODE ``loop``: add records forever, printing each id once ``add`` has returned.
"""

from __future__ import annotations

import os
import sys
import time

from kepler_jupyter.journal import Journal


def record(tag: str, index: int) -> dict:
    return {
        "id": f"{tag}-{index:04d}",
        "name": f"writer {tag} #{index} — ünïcode ✓",
        "status": "running",
        "created": f"2025-01-01T00:00:00.{index:06d}Z",
        "params": {"epochs": index % 7, "optimizer": "adam", "learning_rate": 0.001},
        "history": {"loss": [1.0 / (k + 1) for k in range(20)]},
        "payload": "x" * (index % 300),
    }


def main() -> None:
    project, mode, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if len(sys.argv) > 5:
        deadline = time.monotonic() + 60
        while not os.path.exists(sys.argv[5]) and time.monotonic() < deadline:
            time.sleep(0.005)
    journal = Journal(project)
    if mode == "add-update":
        for index in range(count):
            journal.add(record(tag, index))
        for index in range(count):
            journal.update(f"{tag}-{index:04d}", {"status": "completed", "metrics": {"acc": index}})
    elif mode == "loop":
        index = 0
        while True:
            journal.add(record(tag, index))
            print(f"{tag}-{index:04d}", flush=True)
            index += 1
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
