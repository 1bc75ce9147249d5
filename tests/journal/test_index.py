"""The index beside the journal: kept current, checked, repaired, and never trusted blindly."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
from journal_helpers import make_record, other_process_view

from kepler_jupyter.journal import Journal
from kepler_jupyter.journal.index import INDEX_FILE_NAME, JournalIndex
from kepler_jupyter.journal.indexed import RecordList
from kepler_jupyter.journal.lines import encode_line


def _index_rows(journal: Journal) -> dict[str, tuple[int, int]]:
    with sqlite3.connect(journal.kepler_dir / INDEX_FILE_NAME) as connection:
        return {row[0]: (row[1], row[2]) for row in
                connection.execute("SELECT id, offset, length FROM experiments")}


def _full_read(project_dir, monkeypatch) -> list[dict]:
    """Every record as the journal file itself says, without the index."""
    monkeypatch.setenv("KEPLER_INDEX", "off")
    try:
        return list(other_process_view(project_dir).experiments())
    finally:
        monkeypatch.delenv("KEPLER_INDEX")


def test_each_write_updates_the_index_with_the_latest_line(journal):
    journal.add(make_record("a1", status="running"))
    journal.add(make_record("a2"))
    journal.update("a1", {"status": "completed", "metrics": {"accuracy": 0.9}})
    rows = _index_rows(journal)
    content = journal.path.read_bytes()
    offset, length = rows["a1"]
    assert content[offset : offset + length] == encode_line(journal.get("a1"))[:-1]
    assert set(rows) == {"a1", "a2"}
    state = JournalIndex(journal.kepler_dir).state()
    assert state is not None and state.size == len(content) and state.lines == 3


def test_reads_through_the_index_equal_a_full_read_of_the_file(project_dir, monkeypatch):
    journal = Journal(project_dir)
    for index in range(12):
        journal.add(make_record(f"r{index:02d}", created=f"2025-01-0{index % 9 + 1}T00:00:00Z",
                                status="running", tags=["even"] if index % 2 == 0 else []))
    for index in range(0, 12, 3):
        journal.update(f"r{index:02d}", {"status": "completed"})
    full = _full_read(project_dir, monkeypatch)
    listed = journal.experiments()
    assert isinstance(listed, RecordList)
    assert listed == full
    assert [r["id"] for r in reversed(listed)] == [r["id"] for r in reversed(full)]
    assert journal.experiments(fields=["status", "tags"]) == [
        {"id": r["id"], "status": r["status"], "tags": r["tags"]} for r in full]
    assert journal.experiments(fields=["params"]) == [{"id": r["id"], "params": r["params"]} for r in full]
    assert journal.experiments(status="completed") == [r for r in full if r["status"] == "completed"]
    assert journal.search(status="running", **{"params.optimizer": "adam"}) == [
        r for r in full if r["status"] == "running"]
    assert journal.get("r03") == next(r for r in full if r["id"] == "r03")
    assert len(journal) == 12


def test_listing_pages_are_sorted_and_filtered_in_the_index(journal):
    for index, accuracy in enumerate([0.5, 0.9, None, 0.7]):
        metrics = {} if accuracy is None else {"accuracy": accuracy}
        journal.add(make_record(f"p{index}", created=f"2025-01-0{index + 1}T00:00:00Z",
                                metrics=metrics, tags=["t"] if index != 1 else []))
    page = journal.listing(metric="accuracy", best="max", limit=2)
    assert [r["id"] for r in page.records] == ["p1", "p3"] and page.total == 4
    assert [r["id"] for r in journal.listing(metric="accuracy", best="min").records] == [
        "p0", "p3", "p1", "p2"]  # no value last
    assert [r["id"] for r in journal.listing(newest_first=True, limit=2, offset=1).records] == [
        "p2", "p1"]
    tagged = journal.listing(tag="t")
    assert [r["id"] for r in tagged.records] == ["p0", "p2", "p3"] and tagged.total == 3
    slim = journal.listing().records[0]
    assert slim["params"] == {"optimizer": "adam", "epochs": 3} and slim["name"] == "experiment p0"


def test_a_deleted_index_loses_nothing(journal):
    for index in range(5):
        journal.add(make_record(f"d{index}"))
    before = list(journal.experiments())
    JournalIndex(journal.kepler_dir).close()
    journal._index.close()
    for suffix in ("", "-wal", "-shm"):
        (journal.kepler_dir / f"{INDEX_FILE_NAME}{suffix}").unlink(missing_ok=True)
    assert list(other_process_view(journal.project_dir).experiments()) == before
    assert set(_index_rows(journal)) == {f"d{index}" for index in range(5)}


def test_lines_appended_without_an_index_update_are_caught_up(journal):
    journal.add(make_record("c1"))
    with open(journal.path, "ab") as handle:  # another tool, or a kernel killed just after
        handle.write(encode_line(make_record("c2")))
    reader = other_process_view(journal.project_dir)
    assert [r["id"] for r in reader.experiments()] == ["c1", "c2"]
    assert reader.get("c2")["name"] == "experiment c2"
    assert reader._index.rebuilds == 0  # only the new line was read


def test_a_writer_killed_between_the_append_and_the_index_update(project_dir):
    journal = Journal(project_dir)
    journal.add(make_record("k0"))
    script = textwrap.dedent("""
        import os, sys
        from kepler_jupyter.journal import Journal
        from kepler_jupyter.journal.index import JournalIndex
        JournalIndex.record_appended = lambda *args, **kwargs: os._exit(9)
        Journal(sys.argv[1]).add({"id": "k1", "name": "killed", "created": "2026-01-01T00:00:00Z"})
    """)
    done = subprocess.run([sys.executable, "-c", script, str(project_dir)], timeout=120)
    assert done.returncode == 9
    assert b'"k1"' in journal.path.read_bytes()  # the append itself was durable
    assert "k1" not in _index_rows(journal)
    reopened = other_process_view(project_dir)
    assert reopened.get("k1")["name"] == "killed"
    assert [r["id"] for r in reopened.listing().records] == ["k0", "k1"]
    assert set(_index_rows(journal)) == {"k0", "k1"}
    journal.add(make_record("k2"))  # the first writer's index update goes on from there
    assert set(_index_rows(journal)) == {"k0", "k1", "k2"}


@pytest.mark.parametrize("same_size", [False, True])
def test_a_replaced_journal_rebuilds_the_index(journal, same_size):
    journal.add(make_record("x1", name="aaaa"))
    journal.add(make_record("x2"))
    reader = other_process_view(journal.project_dir)
    assert len(reader) == 2
    if same_size:  # rewritten in place: same inode, same size, other content
        content = journal.path.read_bytes()
        with open(journal.path, "r+b") as handle:
            handle.write(content.replace(b"aaaa", b"bbbb"))
    else:
        temporary = journal.path.with_suffix(".new")
        temporary.write_bytes(encode_line(make_record("x1", name="changed by hand")))
        os.replace(temporary, journal.path)
    records = {r["id"]: r for r in reader.experiments()}
    expected = {"x1": "bbbb", "x2": "experiment x2"} if same_size else {"x1": "changed by hand"}
    assert {key: record["name"] for key, record in records.items()} == expected
    assert reader._index.rebuilds == 1


def test_a_damaged_index_file_is_replaced(journal):
    journal.add(make_record("g1"))
    journal._index.close()
    for suffix in ("-wal", "-shm"):
        (journal.kepler_dir / f"{INDEX_FILE_NAME}{suffix}").unlink(missing_ok=True)
    (journal.kepler_dir / INDEX_FILE_NAME).write_bytes(b"this is not a database" * 100)
    reader = other_process_view(journal.project_dir)
    assert reader.get("g1")["id"] == "g1"  # read from the file meanwhile
    assert other_process_view(journal.project_dir).get("g1")["id"] == "g1"
    assert set(_index_rows(journal)) == {"g1"}


def test_an_index_pointing_at_the_wrong_line_is_never_believed(journal):
    journal.add(make_record("w1", name="first"))
    journal.add(make_record("w2", name="second"))
    rows = _index_rows(journal)
    with sqlite3.connect(journal.kepler_dir / INDEX_FILE_NAME) as connection:
        connection.execute("UPDATE experiments SET offset = ?, length = ? WHERE id = 'w1'", rows["w2"])
    reader = other_process_view(journal.project_dir)
    assert reader.get("w1")["name"] == "first"  # checked, found wrong, read from the file
    assert reader.get("w2")["name"] == "second"  # the next read rebuilt the index
    assert _index_rows(journal)["w1"] == rows["w1"]


def test_a_rebuild_runs_in_the_background_when_asked_not_to_wait(journal, monkeypatch):
    for index in range(3):
        journal.add(make_record(f"b{index}"))
    journal._index.close()
    (journal.kepler_dir / INDEX_FILE_NAME).unlink()
    reader = other_process_view(journal.project_dir)
    monkeypatch.setattr("kepler_jupyter.journal.index.CATCH_UP_MAX_BYTES", 10)
    assert reader.indexed(block=False) is None
    deadline = time.monotonic() + 30
    while reader._index._rebuilding is not None and reader._index._rebuilding.is_alive():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    indexed = reader.indexed(block=False)
    assert indexed is not None and indexed.count() == 3


def test_damaged_lines_are_skipped_by_the_index_and_earlier_versions_kept(journal):
    journal.add(make_record("f1", status="running"))
    with open(journal.path, "ab") as handle:
        handle.write(b'{"id": "f1", "status": "completed", "broken}\n')
        handle.write(b"not json\n")
    journal.add(make_record("f2"))
    reader = other_process_view(journal.project_dir)
    with pytest.warns(Warning, match="line 2, 3"):
        assert reader.get("f1")["status"] == "running"
    assert [r["id"] for r in reader.listing().records] == ["f1", "f2"]


def test_several_processes_share_the_index(project_dir, tmp_path, monkeypatch):
    from journal_helpers import writer_command

    gate = tmp_path / "go"
    writers = [subprocess.Popen(writer_command(project_dir, "add-update", 15, f"w{n}", gate))
               for n in range(3)]
    gate.touch()
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    journal = other_process_view(project_dir)
    listed = journal.experiments(fields=["status", "metrics"])
    full = _full_read(project_dir, monkeypatch)
    assert len(listed) == 45
    assert listed == [{"id": r["id"], "status": r["status"], "metrics": r["metrics"]} for r in full]
    assert journal._index.rebuilds == 0


def test_compaction_moves_the_index_and_keeps_lines_appended_meanwhile(journal, monkeypatch):
    from kepler_jupyter.journal import compaction

    for index in range(6):
        journal.add(make_record(f"m{index}", status="running"))
        journal.update(f"m{index}", {"status": "completed", "step": index})
    other = other_process_view(journal.project_dir)
    planned = compaction._plan

    def plan_while_another_kernel_writes(content):
        # the write lock is free while the compaction plans: another kernel appends now
        other.add(make_record("late"))
        other.update("m1", {"status": "failed"})
        return planned(content)

    monkeypatch.setattr(compaction, "_plan", plan_while_another_kernel_writes)
    report = journal.compact()
    assert report.lines_before == 14 and report.lines_after == 8 and report.records == 7
    reader = other_process_view(journal.project_dir)
    assert reader.get("m1")["status"] == "failed" and reader.get("late")["id"] == "late"
    assert [r["id"] for r in reader.listing().records] == [f"m{i}" for i in range(6)] + ["late"]
    assert reader._index.rebuilds == 0 and journal._index.rebuilds == 0  # moved, not rebuilt
    content = journal.path.read_bytes()
    for record_id, (offset, length) in _index_rows(journal).items():
        assert content[offset : offset + length].startswith(b'{"id": "%s"' % record_id.encode())


def test_progress_of_a_running_fit_stays_beside_the_journal(journal):
    journal.add(make_record("live", status="running"))
    size = journal.path.stat().st_size
    for epoch in range(1, 30):
        journal.save_progress("live", {"history": {"loss": [1 / e for e in range(1, epoch + 1)]},
                                       "epochs_done": epoch})
    assert journal.path.stat().st_size == size  # the journal did not grow
    reader = other_process_view(journal.project_dir)  # another kernel, or the panel
    assert reader.get("live")["epochs_done"] == 29 and len(reader.get("live")["history"]["loss"]) == 29
    assert next(iter(reader.experiments()))["epochs_done"] == 29
    # a killed kernel leaves the progress: still read; the end of the fit takes it in
    final = journal.update("live", {"status": "completed"})
    assert final["epochs_done"] == 29 and len(final["history"]["loss"]) == 29
    assert not any((journal.kepler_dir / "progress").iterdir())
    assert other_process_view(journal.project_dir).get("live")["epochs_done"] == 29
