"""The JSON-lines file: incremental reads, torn and damaged lines, failed writes."""

from __future__ import annotations

import errno
import json
import os
import warnings

import pytest
from journal_helpers import file_lines, make_record, other_process_view

from kepler_jupyter.journal import (
    Journal,
    JournalDamageWarning,
    JournalError,
    lines,
    logfile,
    write_lock,
)


def _append_raw(journal: Journal, data: bytes) -> None:
    with open(journal.path, "ab") as handle:
        handle.write(data)


def test_each_version_is_one_line_starting_with_the_id(journal):
    journal.add(make_record("l1"))
    journal.update("l1", {"status": "failed"})
    raw = journal.path.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 2
    assert all(line.startswith(b'{"id": "l1", ') for line in raw.splitlines())


def test_reads_are_incremental(project_dir, monkeypatch, no_index):
    writer, reader = Journal(project_dir), other_process_view(project_dir)
    for index in range(5):
        writer.add(make_record(f"r{index}"))
    assert len(reader.experiments()) == 5
    parsed = []
    original = lines.parse_record_line
    counting = lambda line: parsed.append(line) or original(line)  # noqa: E731
    monkeypatch.setattr(lines, "parse_record_line", counting)
    monkeypatch.setattr(logfile, "parse_record_line", counting)
    writer.add(make_record("r5"))
    writer.update("r0", {"status": "failed"})
    assert [r["id"] for r in reader.experiments()][-1] == "r5"
    assert reader.get("r0")["status"] == "failed"
    assert len(parsed) == 2  # only the two new lines were parsed
    parsed.clear()
    reader.experiments()
    assert parsed == []  # nothing new: nothing parsed


def test_superseded_versions_are_not_parsed(project_dir, monkeypatch, no_index):
    writer = Journal(project_dir)
    writer.add(make_record("v"))
    for index in range(10):
        writer.update("v", {"step": index})
    parsed = []
    original = lines.parse_record_line
    counting = lambda line: parsed.append(line) or original(line)  # noqa: E731
    monkeypatch.setattr(lines, "parse_record_line", counting)
    monkeypatch.setattr(logfile, "parse_record_line", counting)
    assert other_process_view(project_dir).get("v")["step"] == 9
    assert len(parsed) == 1


@pytest.mark.parametrize("replace_with_same_size", [False, True])
def test_a_replaced_file_is_read_from_scratch(project_dir, replace_with_same_size):
    writer, reader = Journal(project_dir), other_process_view(project_dir)
    writer.add(make_record("a"))
    writer.add(make_record("b"))
    assert len(reader) == 2
    content = b"".join(
        json.dumps(make_record(i), ensure_ascii=False).encode() + b"\n"
        for i in (["x", "y"] if replace_with_same_size else ["only"]))
    if replace_with_same_size:
        # Same inode, same size, other content: only the tail signature can tell.
        content = content.ljust(writer.path.stat().st_size - 1) + b"\n"
        with open(writer.path, "r+b") as handle:
            handle.write(content)
    else:
        temporary = writer.path.with_suffix(".tmp")
        temporary.write_bytes(content)
        os.replace(temporary, writer.path)
    expected = ["x", "y"] if replace_with_same_size else ["only"]
    assert sorted(r["id"] for r in reader.experiments()) == expected


def test_a_deleted_file_reads_as_empty(journal):
    journal.add(make_record("gone"))
    assert len(journal) == 1
    journal.path.unlink()
    assert journal.experiments() == []
    journal.add(make_record("again"))
    assert [r["id"] for r in journal.experiments()] == ["again"]


def test_torn_last_line_is_ignored_and_not_glued_to_the_next_append(project_dir):
    writer = Journal(project_dir)
    writer.add(make_record("ok1"))
    writer.add(make_record("ok2"))
    _append_raw(writer, b'{"id": "torn", "name": "half a rec')
    reader = other_process_view(project_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a torn tail alone is not reported
        assert [r["id"] for r in reader.experiments()] == ["ok1", "ok2"]
    with pytest.warns(JournalDamageWarning, match="line 3"):
        writer.add(make_record("ok3"))
        assert [r["id"] for r in reader.experiments()] == ["ok1", "ok2", "ok3"]
    lines = writer.path.read_bytes().split(b"\n")
    assert lines[2] == b'{"id": "torn", "name": "half a rec'
    assert json.loads(lines[3])["id"] == "ok3"


def test_corrupt_middle_lines_are_skipped_reported_once_and_kept(project_dir):
    writer = Journal(project_dir)
    writer.add(make_record("m1"))
    _append_raw(writer, b"\x00\x00garbage that is not json\n")
    writer.add(make_record("m2"))
    _append_raw(writer, b'{"no_id": true}\n[1, 2]\n')
    writer.add(make_record("m3"))
    reader = other_process_view(project_dir)
    with pytest.warns(JournalDamageWarning) as caught:
        records = reader.experiments()
    assert [r["id"] for r in records] == ["m1", "m2", "m3"]
    message = str(caught[0].message)
    assert str(writer.path) in message and "line 2, 4, 5" in message and "3 damaged" in message
    assert reader.damaged_lines == [2, 4, 5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reported once only
        other_process_view(project_dir).experiments()
        reader.experiments()
    assert b"garbage" in writer.path.read_bytes()  # nothing is removed by reading


def test_a_damaged_latest_version_falls_back_to_the_previous_one(project_dir):
    writer = Journal(project_dir)
    writer.add(make_record("f1", status="running"))
    _append_raw(writer, b'{"id": "f1", "status": "completed", "broken\n')
    reader = other_process_view(project_dir)
    with pytest.warns(JournalDamageWarning, match="line 2"):
        assert reader.get("f1")["status"] == "running"


def test_ids_with_escapes_and_lines_written_by_other_tools(project_dir):
    writer = Journal(project_dir)
    writer.add(make_record('we"ird\\id'))
    writer.add(make_record("ünï"))
    _append_raw(writer, b'{"name": "id not first", "id": "hand"}\n\n   \n')
    reader = other_process_view(project_dir)
    assert sorted(r["id"] for r in reader.experiments()) == sorted(['we"ird\\id', "ünï", "hand"])
    assert reader.damaged_lines == []


def test_lone_surrogates_survive(journal):
    journal.add(make_record("s1", name="bad \ud800 text"))
    assert other_process_view(journal.project_dir).get("s1")["name"] == "bad \ud800 text"


def _failing_after(real_write, fail_on_call: int, error_number: int = errno.ENOSPC):
    calls = {"n": 0}

    def write(fd, data):
        calls["n"] += 1
        if calls["n"] >= fail_on_call:
            raise OSError(error_number, os.strerror(error_number))
        # a short write, as a nearly full disk does
        return real_write(fd, bytes(data[: max(1, len(data) // 2)]))

    return write


@pytest.mark.parametrize("fail_on_call", [1, 2])
def test_full_disk_leaves_the_file_exactly_as_before(journal, monkeypatch, fail_on_call):
    journal.add(make_record("before"))
    before = journal.path.read_bytes()
    monkeypatch.setattr(os, "write", _failing_after(os.write, fail_on_call))
    with pytest.raises(JournalError, match="No space left on device.*unchanged.*Free some disk"):
        journal.add(make_record("lost", payload="x" * 10000))
    with pytest.raises(JournalError, match="No space left"):
        journal.update("before", {"status": "failed"})
    monkeypatch.undo()
    assert journal.path.read_bytes() == before
    assert [r["id"] for r in journal.experiments()] == ["before"]
    journal.add(make_record("after"))
    assert [r["id"] for r in other_process_view(journal.project_dir).experiments()] == [
        "before", "after"]


def test_failed_fsync_is_undone_too(journal, monkeypatch):
    journal.add(make_record("before"))
    before = journal.path.read_bytes()
    real_fsync = os.fsync
    calls = {"n": 0}

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(errno.EIO, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(JournalError, match="Input/output error"):
        journal.add(make_record("lost"))
    assert journal.path.read_bytes() == before


def test_unwritable_journal_gives_a_clear_error(journal, monkeypatch):
    journal.add(make_record("before"))
    real_open = os.open

    def refuse(path, flags, *args):
        if str(path).endswith("journal.jsonl") and flags & os.O_APPEND:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(JournalError, match="Permission denied.*permissions"):
        journal.add(make_record("x"))


def test_lock_timeout_gives_a_clear_error(journal, monkeypatch):
    from filelock import FileLock

    journal.add(make_record("first"))
    monkeypatch.setattr(write_lock, "LOCK_TIMEOUT_S", 0.2)
    holder = FileLock(str(journal.kepler_dir / "journal.lock"), thread_local=False)
    other = other_process_view(journal.project_dir)
    with holder:
        # A different lock object (as in another process) must wait for the holder.
        with pytest.raises(JournalError, match="locked by another process"):
            other.add(make_record("second"))
    other.add(make_record("second"))
    assert len(file_lines(journal)) == 2
