"""The Journal API: add, update, get, list, search, query, DataFrame."""

from __future__ import annotations

import math

import numpy as np
import pytest
from journal_helpers import file_lines, make_record, other_process_view
from tinydb import Query

from kepler_jupyter.journal import RECORD_FORMAT, Journal, JournalError


@pytest.fixture(params=["same view", "other process"])
def reader(request, project_dir):
    """Read back through the writer's own view, or through a fresh one (another process)."""
    if request.param == "same view":
        return lambda: Journal(project_dir)
    return lambda: other_process_view(project_dir)


def test_add_returns_id_and_reads_back_equal(journal, reader):
    record = make_record("abc123", name="Ünïcödé ✓ 实验 🚀", notes={"hypothesis": "ß"},
                         tags=["a", "b"], history={"loss": [0.5, 0.25]})
    assert journal.add(record) == "abc123"
    got = reader().get("abc123")
    assert got == {**record, "format": RECORD_FORMAT}
    assert "实验" in journal.path.read_text("utf-8")  # written readable, not \\u-escaped


def test_nan_and_numpy_values_are_stored_as_plain_json(journal, reader):
    journal.add(make_record("n1", metrics={"loss": float("nan"), "acc": np.float32(0.75),
                                           "best": np.float64("inf")},
                            params={"epochs": np.int64(5), "shape": np.array([2, 3])}))
    got = reader().get("n1")
    assert got["metrics"] == {"loss": None, "acc": 0.75, "best": None}
    assert got["params"] == {"epochs": 5, "shape": [2, 3]}
    assert "NaN" not in journal.path.read_text() and "null" in journal.path.read_text()


def test_add_does_not_keep_a_reference_to_the_callers_dict(journal):
    record = make_record("r1")
    journal.add(record)
    record["params"]["epochs"] = 1000
    assert journal.get("r1")["params"]["epochs"] == 3


def test_add_adds_format_and_keeps_an_explicit_one(journal):
    journal.add({"id": "x1"})
    journal.add({"id": "x2", "format": 7})
    assert journal.get("x1")["format"] == RECORD_FORMAT and journal.get("x2")["format"] == 7


@pytest.mark.parametrize("bad", [{"name": "no id"}, {"id": ""}, {"id": 3}, "not a dict"])
def test_add_rejects_records_without_a_string_id(journal, bad):
    with pytest.raises(JournalError, match="id|dict"):
        journal.add(bad)
    assert not journal.path.exists()


def test_add_refuses_an_id_it_already_knows(journal):
    journal.add(make_record("dup"))
    with pytest.raises(JournalError, match="update"):
        journal.add(make_record("dup"))


def test_update_merges_top_level_and_appends_a_version(journal, reader):
    journal.add(make_record("u1", status="running", metrics={"accuracy": 0.1}))
    new = journal.update("u1", {"status": "completed", "metrics": {"loss": 0.2},
                                "duration_s": np.float64(1.5)})
    assert new["status"] == "completed"
    assert new["metrics"] == {"loss": 0.2}  # a nested dict replaces the whole field
    assert new["params"] == {"optimizer": "adam", "epochs": 3}
    assert new["duration_s"] == 1.5
    assert reader().get("u1") == new
    versions = file_lines(journal)
    assert [v["status"] for v in versions] == ["running", "completed"]


def test_update_sees_versions_written_by_another_process(project_dir):
    mine, theirs = Journal(project_dir), other_process_view(project_dir)
    mine.add(make_record("shared", status="running"))
    mine.experiments()
    theirs.update("shared", {"notes": {"conclusion": "from the other kernel"}})
    merged = mine.update("shared", {"status": "completed"})
    assert merged["notes"] == {"conclusion": "from the other kernel"}
    assert merged["status"] == "completed"


def test_update_errors(journal):
    journal.add(make_record("e1"))
    with pytest.raises(JournalError, match="no experiment"):
        journal.update("zzz", {"status": "x"})
    with pytest.raises(JournalError, match="cannot be changed"):
        journal.update("e1", {"id": "e2"})
    with pytest.raises(JournalError, match="dict"):
        journal.update("e1", ["status"])
    assert journal.update("e1", {"id": "e1", "status": "failed"})["status"] == "failed"


def test_update_returns_a_copy(journal):
    journal.add(make_record("c1"))
    returned = journal.update("c1", {"status": "failed"})
    returned["status"] = "mutated"
    assert journal.get("c1")["status"] == "failed"


def test_get_by_unique_prefix_and_clear_errors(journal):
    for record_id in ("abc111", "abc222", "xyz999"):
        journal.add(make_record(record_id))
    assert journal.get("xy")["id"] == "xyz999"
    assert journal.get("abc1")["id"] == "abc111"
    with pytest.raises(JournalError, match=r"'abc' matches 2 experiments \(abc111, abc222\)"):
        journal.get("abc")
    with pytest.raises(JournalError, match="no experiment with an id starting with 'q'"):
        journal.get("q")
    with pytest.raises(JournalError, match="non-empty"):
        journal.get("")


def test_exact_id_wins_over_longer_ids_sharing_it(journal):
    journal.add(make_record("ab"))
    journal.add(make_record("abc"))
    assert journal.get("ab")["id"] == "ab"


def test_experiments_oldest_first_latest_versions_and_status_filter(journal):
    journal.add(make_record("late", created="2025-03-01T00:00:00Z", status="running"))
    journal.add(make_record("early", created="2025-01-01T00:00:00Z", status="failed"))
    journal.add(make_record("mid", created="2025-02-01T00:00:00Z"))
    journal.update("late", {"status": "completed"})
    assert [r["id"] for r in journal.experiments()] == ["early", "mid", "late"]
    assert [r["id"] for r in journal.experiments(status="completed")] == ["mid", "late"]
    assert journal.experiments(status="blocked") == []
    assert len(journal) == 3


def test_records_handed_out_are_fresh_at_the_top_level(journal):
    journal.add(make_record("t1"))
    listed = journal.experiments()[0]
    listed["status"] = "changed by caller"
    del listed["params"]
    assert journal.get("t1")["status"] == "completed" and "params" in journal.get("t1")


def test_search_equality_on_top_level_and_dotted_keys(journal):
    journal.add(make_record("s1", params={"optimizer": "adam", "epochs": 3}))
    journal.add(make_record("s2", params={"optimizer": "sgd", "epochs": 3}, status="failed"))
    journal.add(make_record("s3", params={"optimizer": "adam", "epochs": 10}))
    journal.add(make_record("s4", params=None))
    ids = lambda records: [r["id"] for r in records]  # noqa: E731
    assert ids(journal.search(**{"params.optimizer": "adam"})) == ["s1", "s3"]
    assert ids(journal.search(params__optimizer="adam", params__epochs=np.int64(3))) == ["s1"]
    assert ids(journal.search(status="failed")) == ["s2"]
    assert ids(journal.search(status="completed", **{"params.epochs": 10})) == ["s3"]
    assert ids(journal.search(**{"params.missing": None})) == []
    assert ids(journal.search(params=None)) == ["s4"]
    assert len(journal.search()) == 4


def test_query_with_tinydb_queries_and_functions(journal):
    journal.add(make_record("q1", metrics={"accuracy": 0.95}, tags=["best"]))
    journal.add(make_record("q2", metrics={"accuracy": 0.5}))
    record = Query()
    assert [r["id"] for r in journal.query(record.metrics.accuracy > 0.9)] == ["q1"]
    assert [r["id"] for r in journal.query(record.tags.any(["best"]))] == ["q1"]
    assert len(journal.query(lambda r: r["id"].startswith("q"))) == 2


def test_to_dataframe_one_row_per_experiment(journal):
    journal.add(make_record(
        "d1", created="2025-01-01", framework="keras",
        model={"class": "Sequential", "n_params": 1234},
        params={"epochs": 5, "batch_size": 32, "optimizer": "adam", "learning_rate": 0.01,
                "loss": "mse"},
        metrics={"loss": 0.1, "val_loss": float("nan")}, tags=["x", "y"],
        notes={"hypothesis": "bigger is better"}))
    journal.add(make_record("d2", created="2025-01-02", framework="sklearn",
                            model={"class": "LogisticRegression"}, metrics={"accuracy": 0.9}))
    journal.update("d2", {"status": "failed"})
    frame = journal.to_dataframe()
    assert list(frame["id"]) == ["d1", "d2"]
    for column in ("id", "name", "status", "created", "framework", "model_class", "n_params",
                   "epochs", "batch_size", "optimizer", "learning_rate", "loss",
                   "metrics.loss", "metrics.val_loss", "metrics.accuracy", "tags", "hypothesis"):
        assert column in frame.columns
    first = frame.iloc[0]
    assert first["model_class"] == "Sequential" and first["n_params"] == 1234
    assert first["learning_rate"] == 0.01 and first["loss"] == "mse"
    assert first["tags"] == "x, y" and first["hypothesis"] == "bigger is better"
    assert first["metrics.loss"] == 0.1 and math.isnan(first["metrics.val_loss"])
    assert frame.iloc[1]["status"] == "failed" and frame.iloc[1]["metrics.accuracy"] == 0.9


def test_to_dataframe_of_an_empty_journal(journal):
    frame = journal.to_dataframe()
    assert len(frame) == 0 and "id" in frame.columns and "metrics.loss" not in frame.columns


def test_reading_never_creates_the_folder(project_dir):
    journal = Journal(project_dir)
    journal.experiments(), journal.search(status="x"), len(journal), journal.to_dataframe()
    with pytest.raises(JournalError):
        journal.get("a")
    assert not (project_dir / ".kepler").exists()


def test_repr_and_paths(journal, project_dir):
    assert repr(journal) == f"Journal({str(project_dir.resolve())!r})"
    assert journal.path == project_dir.resolve() / ".kepler" / "journal.jsonl"


def test_threads_of_one_process_can_write_at_once(project_dir):
    import threading

    journals = [Journal(project_dir) for _ in range(4)]

    def write(index: int) -> None:
        for step in range(50):
            record_id = journals[index].add(make_record(f"th{index}-{step}", status="running"))
            journals[index].update(record_id, {"status": "completed"})

    threads = [threading.Thread(target=write, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = other_process_view(project_dir).experiments()
    assert len(records) == 200 and {r["status"] for r in records} == {"completed"}
    assert len(file_lines(journals[0])) == 400


def test_records_without_created_come_first_in_file_order(journal):
    journal.add(make_record("b", created="2025-01-01"))
    journal.add({"id": "no-date-1"})
    journal.add({"id": "no-date-0", "created": None})
    assert [r["id"] for r in journal.experiments()] == ["no-date-1", "no-date-0", "b"]


def test_importing_the_journal_stays_light():
    import subprocess
    import sys

    code = ("import sys, kepler_jupyter.journal as j; j.Journal('.').experiments; "
            "print(sorted(m for m in ('tinydb', 'pandas', 'numpy', 'tensorflow') "
            "if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert output == "[]"
