"""TinyDB over the journal: queries and writes through ``Journal.table``."""

from __future__ import annotations

import pytest
from journal_helpers import file_lines, make_record, other_process_view
from tinydb import Query, TinyDB
from tinydb.operations import increment

from kepler_jupyter.journal import Journal, JournalError
from kepler_jupyter.journal.storage import JournalStorage


@pytest.fixture
def filled(journal):
    for index, optimizer in enumerate(["adam", "sgd", "adam"]):
        journal.add(make_record(f"t{index}", params={"optimizer": optimizer, "epochs": index}))
    return journal


def test_queries_see_every_record_with_stable_doc_ids(filled):
    table = filled.table
    assert len(table) == 3
    adam = table.search(Query().params.optimizer == "adam")
    assert [(doc.doc_id, doc["id"]) for doc in adam] == [(1, "t0"), (3, "t2")]
    assert table.get(doc_id=2)["id"] == "t1"
    assert table.count(Query().params.epochs >= 1) == 2


def test_queries_are_not_cached_across_other_processes_writes(filled):
    table = filled.table
    query = Query().params.optimizer == "sgd"
    assert len(table.search(query)) == 1
    other_process_view(filled.project_dir).add(make_record("t9", params={"optimizer": "sgd"}))
    assert [doc["id"] for doc in table.search(query)] == ["t1", "t9"]


def test_update_through_tinydb_appends_only_changed_records(filled):
    lines_before = len(file_lines(filled))
    filled.table.update({"status": "failed"}, Query().id == "t1")
    lines = file_lines(filled)
    assert len(lines) == lines_before + 1
    assert lines[-1]["id"] == "t1" and lines[-1]["status"] == "failed"
    assert other_process_view(filled.project_dir).get("t1")["status"] == "failed"


def test_tinydb_operations_work(journal):
    journal.add(make_record("op", runs=1))
    journal.table.update(increment("runs"), Query().id == "op")
    assert other_process_view(journal.project_dir).get("op")["runs"] == 2


def test_tinydb_operations_do_not_leak_into_the_journals_view(filled):
    filled.table.update({"status": "failed"}, doc_ids=[1])
    # the record handed out earlier by read() was not changed in place
    assert filled.get("t0")["status"] == "failed"
    assert [r["status"] for r in filled.experiments()] == ["failed", "completed", "completed"]


def test_insert_and_remove_through_tinydb(filled):
    doc_id = filled.table.insert({"name": "from tinydb"})
    assert doc_id == 4
    inserted = filled.table.get(doc_id=doc_id)
    assert inserted["name"] == "from tinydb" and isinstance(inserted["id"], str)
    assert inserted["format"] == 1
    explicit = filled.table.insert({"id": "chosen", "name": "x"})
    assert filled.get("chosen")["name"] == "x" and explicit == 5
    filled.table.remove(Query().id == "t1")
    assert sorted(r["id"] for r in filled.experiments()) == sorted(
        ["t0", "t2", inserted["id"], "chosen"])
    assert file_lines(filled)[-1] == {"id": "t1", "$deleted": True}
    assert "t1" not in [r["id"] for r in other_process_view(filled.project_dir).experiments()]


def test_insert_refuses_an_existing_id_and_id_changes(filled):
    with pytest.raises(JournalError, match="already has a record"):
        filled.table.insert({"id": "t0"})
    with pytest.raises(JournalError, match="cannot be changed"):
        filled.table.update({"id": "other"}, doc_ids=[1])


def test_tinydb_writes_never_drop_records_appended_meanwhile(filled):
    table = filled.table
    other = other_process_view(filled.project_dir)

    class AppendsWhileTinyDBWorks:
        """A condition that lets another process append in the middle of TinyDB's update."""

        def __call__(self, document):
            if document["id"] == "t0" and "late" not in [r["id"] for r in other.experiments()]:
                other.add(make_record("late"))
            return document["id"] == "t0"

        def is_cacheable(self):
            return False

    table.update({"status": "failed"}, AppendsWhileTinyDBWorks())
    table.remove(Query().id == "t2")
    records = {r["id"]: r for r in Journal(filled.project_dir).experiments()}
    assert set(records) == {"t0", "t1", "late"}
    assert records["t0"]["status"] == "failed"


def test_inserts_from_two_views_get_distinct_doc_ids(filled):
    mine, theirs = filled.table, other_process_view(filled.project_dir).table
    first = mine.insert({"name": "a"})
    second = theirs.insert({"name": "b"})
    third = mine.insert({"name": "c"})
    assert len({first, third}) == 2
    assert {doc["name"] for doc in mine.all()} >= {"a", "b", "c"}
    assert second  # the other view's own numbering


def test_truncate_removes_everything_by_tombstones(filled):
    filled.table.truncate()
    assert filled.experiments() == [] and len(filled.table) == 0
    assert len(file_lines(filled)) == 6  # 3 versions + 3 tombstones, nothing rewritten


def test_a_plain_tinydb_database_on_the_storage(project_dir):
    from kepler_jupyter.journal.logfile import journal_file_for

    database = TinyDB(storage=JournalStorage,
                      journal_file=journal_file_for(project_dir.resolve() / ".kepler"))
    database.insert({"id": "db1", "status": "running"})
    assert Journal(project_dir).get("db1")["status"] == "running"
    with pytest.raises(JournalError, match="single table"):
        database.table("other").insert({"id": "x"})
