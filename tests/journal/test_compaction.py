"""Compaction keeps the latest version of each record and loses nothing."""

from __future__ import annotations

import os
import warnings

import pytest
from journal_helpers import file_lines, journal_files, make_record, other_process_view

from kepler_jupyter.journal import Journal, JournalDamageWarning, JournalError, logfile


def test_compact_keeps_latest_versions_in_first_appearance_order(journal):
    for record_id in ("c1", "c2", "c3"):
        journal.add(make_record(record_id, status="running"))
    journal.update("c2", {"status": "completed"})
    journal.update("c1", {"status": "failed"})
    journal.table.remove(doc_ids=[3])
    before = {r["id"]: r for r in journal.experiments()}
    reader = other_process_view(journal.project_dir)
    assert len(reader) == 2
    report = journal.compact()
    assert (report.lines_before, report.lines_after, report.records) == (6, 2, 2)
    assert report.damaged_file is None
    assert [line["id"] for line in file_lines(journal)] == ["c1", "c2"]
    assert {r["id"]: r for r in journal.experiments()} == before
    assert {r["id"]: r for r in reader.experiments()} == before  # another view re-reads
    assert journal.table.get(doc_id=2)["id"] == "c2"  # doc ids stay valid
    journal.add(make_record("c4"))
    assert [r["id"] for r in reader.experiments()] == ["c1", "c2", "c4"]
    leftovers = journal_files(journal.kepler_dir)
    assert leftovers == ["README.txt", "journal.jsonl", "journal.lock"]


def test_compacting_a_compact_or_missing_journal_changes_nothing(journal):
    journal.compact()
    assert not journal.path.exists()
    journal.add(make_record("one"))
    inode = journal.path.stat().st_ino
    journal.compact()
    assert journal.path.stat().st_ino == inode


def test_damaged_lines_go_to_a_side_file_before_compaction(journal):
    journal.add(make_record("d1"))
    with open(journal.path, "ab") as handle:
        handle.write(b"not json at all\n")
    journal.add(make_record("d2"))
    with pytest.warns(JournalDamageWarning, match=r"skipped 1 damaged line\(s\).*\(line 2\)"):
        journal.update("d1", {"status": "failed"})
    with open(journal.path, "ab") as handle:
        handle.write(b'{"id": "d3", "torn')
    with pytest.warns(JournalDamageWarning) as caught:
        journal.compact()
    side_files = list(journal.kepler_dir.glob("journal.damaged-*.jsonl"))
    assert len(side_files) == 1
    assert side_files[0].read_bytes() == b'not json at all\n{"id": "d3", "torn\n'
    assert any(str(side_files[0]) in str(w.message) for w in caught)
    assert [line["id"] for line in file_lines(journal)] == ["d1", "d2"]
    assert journal.get("d1")["status"] == "failed"
    # a second damaged file never overwrites the first
    with open(journal.path, "ab") as handle:
        handle.write(b"more garbage\n")
    with pytest.warns(JournalDamageWarning):
        Journal(journal.project_dir).compact()
    assert len(list(journal.kepler_dir.glob("journal.damaged-*.jsonl"))) == 2


def test_failed_compaction_leaves_the_journal_untouched(journal, monkeypatch):
    journal.add(make_record("k1"))
    journal.update("k1", {"status": "failed"})
    before = journal.path.read_bytes()

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(JournalError, match="unchanged"):
        journal.compact()
    monkeypatch.undo()
    assert journal.path.read_bytes() == before
    assert journal_files(journal.kepler_dir) == [
        "README.txt", "journal.jsonl", "journal.lock"]
    journal.add(make_record("k2"))
    assert len(journal) == 2


def test_leftovers_of_a_killed_compaction_are_cleaned_up(journal):
    journal.add(make_record("z1"))
    journal.update("z1", {"status": "failed"})
    folder = journal.kepler_dir
    (folder / "journal.jsonl.compacting-99999").write_bytes(b"half a rewrite")
    os.link(journal.path, folder / "journal.jsonl.before-compaction-99999")
    (folder / "journal.jsonl.before-compaction-88888").write_bytes(b"an older state")
    journal.compact()
    assert journal_files(folder) == [
        "README.txt", "journal.jsonl", "journal.jsonl.before-compaction-88888", "journal.lock"]
    assert journal.get("z1")["status"] == "failed"


def test_auto_compaction_when_most_lines_are_superseded(journal, monkeypatch):
    monkeypatch.setattr(logfile, "AUTO_COMPACT_MIN_LINES", 50)
    journal.add(make_record("busy"))
    journal.add(make_record("quiet"))
    for step in range(48):
        journal.update("busy", {"step": step})
    assert len(file_lines(journal)) == 50
    journal.update("busy", {"step": 48})  # the 51st line: compacted right after the append
    assert len(file_lines(journal)) == 2
    journal.update("busy", {"step": 49})
    assert len(file_lines(journal)) == 3
    assert journal.get("busy")["step"] == 49 and journal.get("quiet")["id"] == "quiet"


def test_no_auto_compaction_for_two_versions_per_record(journal, monkeypatch):
    monkeypatch.setattr(logfile, "AUTO_COMPACT_MIN_LINES", 50)
    for index in range(30):
        journal.add(make_record(f"r{index}"))
        journal.update(f"r{index}", {"status": "failed"})
    assert len(file_lines(journal)) == 60


def test_auto_compaction_failure_does_not_fail_the_write(journal, monkeypatch):
    journal.add(make_record("a"))
    journal.update("a", {"status": "failed"})
    monkeypatch.setattr(logfile.JournalFile, "needs_compaction", lambda self: True)
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "full")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        journal.add(make_record("b"))
    assert any("could not compact" in str(w.message) for w in caught)
    monkeypatch.undo()
    assert [r["id"] for r in other_process_view(journal.project_dir).experiments()] == ["a", "b"]
