"""Several writer processes, a killed writer, compaction during writes: nothing is lost."""

from __future__ import annotations

import signal
import subprocess
import time

from journal_helpers import make_record, writer_command

from kepler_jupyter.journal import Journal


def _check_writer_records(records: dict, tag: str, count: int) -> None:
    for index in range(count):
        record = records[f"{tag}-{index:04d}"]
        assert record["status"] == "completed", record["id"]
        assert record["metrics"] == {"acc": index}
        assert record["name"] == f"writer {tag} #{index} — ünïcode ✓"
        assert record["history"] == {"loss": [1.0 / (k + 1) for k in range(20)]}
        assert record["payload"] == "x" * (index % 300)


def test_four_processes_writing_at_once_lose_nothing(project_dir, tmp_path):
    tags, count = ["p0", "p1", "p2", "p3"], 200
    gate = tmp_path / "go"
    writers = [subprocess.Popen(writer_command(project_dir, "add-update", count, tag, gate))
               for tag in tags]
    time.sleep(1.0)  # let every writer import and wait at the gate
    gate.touch()
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0, 0]
    journal = Journal(project_dir)
    records = {record["id"]: record for record in journal.experiments()}
    assert len(records) == len(tags) * count
    for tag in tags:
        _check_writer_records(records, tag, count)
    # the writers really interleaved: no writer's lines form one contiguous block
    order = [line[8:10] for line in journal.path.read_bytes().splitlines()]
    assert sum(1 for a, b in zip(order, order[1:], strict=False) if a != b) > len(tags)
    lines = journal.path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) - 1 == 2 * len(tags) * count
    assert journal.damaged_lines == []


def test_a_killed_writer_loses_nothing_it_reported_saved(project_dir):
    writer = subprocess.Popen(writer_command(project_dir, "loop", 0, "k"),
                              stdout=subprocess.PIPE, text=True)
    saved = []
    try:
        while len(saved) < 150:
            saved.append(writer.stdout.readline().strip())
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        writer.stdout.close()
    journal = Journal(project_dir)
    ids = [record["id"] for record in journal.experiments()]
    # every record whose add() returned is there, plus at most the one in flight
    assert ids[: len(saved)] == saved
    assert len(ids) - len(saved) <= 3
    journal.add(make_record("after-kill"))
    assert Journal(project_dir).get("after-kill")["name"] == "experiment after-kill"
    assert journal.path.read_bytes().endswith(b"\n")


def test_compaction_while_other_processes_write_loses_nothing(project_dir, tmp_path):
    journal = Journal(project_dir)
    gate = tmp_path / "go"
    writers = [subprocess.Popen(writer_command(project_dir, "add-update", 150, tag, gate))
               for tag in ("w0", "w1")]
    time.sleep(1.0)
    gate.touch()
    rewrites = 0
    while any(writer.poll() is None for writer in writers):
        inode = journal.path.stat().st_ino if journal.path.exists() else None
        journal.compact()
        rewrites += inode is not None and journal.path.stat().st_ino != inode
        time.sleep(0.01)
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    assert rewrites >= 1  # the file really was replaced while the writers were appending
    records = {record["id"]: record for record in Journal(project_dir).experiments()}
    assert len(records) == 300
    for tag in ("w0", "w1"):
        _check_writer_records(records, tag, 150)
    journal.compact()
    assert journal.path.read_bytes().count(b"\n") == 300
