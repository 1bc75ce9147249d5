"""Fixed cases the hostile-journal fuzz found, kept as plain regression tests."""

from __future__ import annotations

from kepler_jupyter.journal import Journal


def test_lone_surrogates_in_setting_names_do_not_hide_the_journal(tmp_path):
    # a hand-edited or foreign journal: text that is not valid UTF-8 once decoded
    (tmp_path / ".kepler").mkdir()
    (tmp_path / ".kepler" / "journal.jsonl").write_text(
        '{"id": "h2", "framework": "keras", "params": {"optimizer": "\\udb1a"}}\n'
        '{"id": "h3", "framework": "sklearn", "params": {"estimator_params": {"\\udb1a": 3}}}\n'
        '{"id": "ok1", "framework": "sklearn", "params": {"estimator_params": {"C": 1.0}}}\n',
        encoding="utf-8")
    assert [record["id"] for record in Journal(tmp_path).experiments()] == ["h2", "h3", "ok1"]


def test_nan_in_a_hand_written_line_does_not_break_indexed_search(tmp_path):
    from kepler_jupyter.commands import CommandEnv, search

    (tmp_path / ".kepler").mkdir()
    (tmp_path / ".kepler" / "journal.jsonl").write_text(
        '{"id": "nan1", "status": "completed", "metrics": {"val_loss": NaN}, "tags": ["a"]}\n'
        '{"id": "ok01", "status": "completed", "metrics": {"val_loss": 0.5}, "tags": ["a"]}\n',
        encoding="utf-8")
    env = CommandEnv(journal=Journal(tmp_path))
    assert "ok01" in repr(search.run(["tag=a"], env))
    shown = repr(search.run(["val_loss<1"], env))
    assert "ok01" in shown and "nan1" not in shown


def test_doctor_names_damaged_records(tmp_path, capsys):
    from kepler_jupyter.cli import main

    (tmp_path / ".kepler").mkdir()
    journal_file = tmp_path / ".kepler" / "journal.jsonl"
    journal_file.write_text('{"id": "fine0001", "status": "completed", "metrics": {"acc": 0.9}}\n',
                            encoding="utf-8")
    assert main(["--project", str(tmp_path), "doctor"]) == 0
    assert "PROBLEM" not in capsys.readouterr().out
    with journal_file.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "bad00001", "status": "completed", "metrics": "abc", "tags": 3}\n')
    assert main(["--project", str(tmp_path), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "experiments: 2 readable" in out
    assert "PROBLEM: 1 experiment(s) have fields kepler could not read" in out
    assert "bad00001" in out and "metrics" in out and "fine0001" not in out


def test_an_id_with_spaces_around_it_opens_as_listed(tmp_path):
    (tmp_path / ".kepler").mkdir()
    (tmp_path / ".kepler" / "journal.jsonl").write_text(
        '{"id": "\\u001f7x", "name": "leading separator"}\n{"id": " pad ", "name": "padded"}\n',
        encoding="utf-8")
    journal = Journal(tmp_path)
    for record in journal.experiments():
        assert journal.get(record["id"])["name"] == record["name"]


def test_ids_sqlite_cannot_store_are_listed_from_the_index(tmp_path, capsys):
    # lone surrogates, and an id that looks like the index's own escape: all kept apart
    from kepler_jupyter.cli import main
    from kepler_jupyter.server.indexed_listing import indexed_query
    from kepler_jupyter.server.project import locate_project
    from kepler_jupyter.server.query import ListQuery

    (tmp_path / ".kepler").mkdir()
    (tmp_path / ".kepler" / "journal.jsonl").write_text(
        '{"id": "\\ud800odd", "name": "surrogate", "status": "completed", "created": "2026-01-01"}\n'
        '{"id": "\\u0001ed", "name": "marked", "status": "completed", "created": "2026-01-02"}\n'
        '{"id": "\\udc00", "name": "lone low", "status": "failed", "created": "2026-01-03"}\n'
        '{"id": "plain001", "name": "plain", "status": "completed", "created": "2026-01-04"}\n',
        encoding="utf-8")
    journal = Journal(tmp_path)
    reads = journal.indexed()
    assert reads is not None and reads.count() == 4  # every record has its index row
    listed = journal.listing()
    assert [r["name"] for r in listed.records] == ["surrogate", "marked", "lone low", "plain"]
    assert listed.total == 4
    assert journal.listing(status="failed").records[0]["id"] == "\udc00"
    records = journal.experiments()
    assert records.ids() == ["\ud800odd", "\x01ed", "\udc00", "plain001"]
    assert [r["name"] for r in records] == ["surrogate", "marked", "lone low", "plain"]
    for record in records:
        assert journal.get(record["id"])["name"] == record["name"]
    journal.update("\ud800odd", {"tags": ["kept"]})
    assert journal.get("\ud800odd")["tags"] == ["kept"]
    assert reads.count() == 4 and journal.listing(tag="kept").records[0]["name"] == "surrogate"
    location = locate_project(tmp_path, None, allow_hidden=False)
    items = indexed_query(location, ListQuery())["items"]
    assert sorted(item["name"] for item in items) == ["lone low", "marked", "plain", "surrogate"]
    assert main(["--project", str(tmp_path), "list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("surrogate", "marked", "lone low", "plain"))
