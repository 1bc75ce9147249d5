"""Archive, delete and restore through the Journal API, with and without the index."""

from __future__ import annotations

import pytest

from kepler_jupyter.commands import CommandEnv
from kepler_jupyter.commands import list as list_command
from kepler_jupyter.commands import search as search_command
from kepler_jupyter.journal import Journal, JournalError


def _add(journal: Journal, count: int) -> list[str]:
    return [journal.add({"id": f"{index}run{index:06d}", "name": f"run {index}", "status": "completed",
                         "created": f"2026-01-{index + 1:02d}T00:00:00Z",
                         "metrics": {"val_accuracy": 0.5 + index / 100}})
            for index in range(count)]


@pytest.fixture(params=["indexed", "no-index"])
def any_journal(request, project_dir) -> Journal:
    if request.param == "no-index":
        request.getfixturevalue("no_index")
    return Journal(project_dir)


def test_archived_is_kept_but_listed_only_when_asked(any_journal, project_dir):
    ids = _add(any_journal, 4)
    any_journal.archive(ids[1])
    fresh = Journal(project_dir)  # another kernel's view of the same file
    assert fresh.get(ids[1])["archived"] is True
    assert [r["id"] for r in fresh.experiments()] == ids  # data reads keep it
    assert list(fresh.to_dataframe()["archived"]) == [False, True, False, False]
    assert [r["id"] for r in fresh.listing().records] == [ids[0], ids[2], ids[3]]
    assert fresh.listing(archived="show").total == 4
    # the default view's total (counted as all rows less the archived ones in the index)
    assert fresh.listing(limit=1).total == 3 and fresh.listing(archived="only").total == 1
    any_journal.archive(ids[2])
    any_journal.archive(ids[1], archived=False)
    assert Journal(project_dir).listing(limit=1).total == 3
    any_journal.archive(ids[2], archived=False)
    any_journal.archive(ids[1])
    assert [r["id"] for r in fresh.listing(archived="only").records] == [ids[1]]
    env = CommandEnv(journal=fresh)
    assert ids[1] not in repr(list_command.run(["--limit", "0"], env))
    assert ids[1] in repr(list_command.run(["--archived"], env))
    assert [r["id"] for r in search_command.run(["val_accuracy>0"], env).records].count(ids[1]) == 0
    assert [r["id"] for r in search_command.run(["archived=true"], env).records] == [ids[1]]
    fresh.archive(ids[1], archived=False)
    assert any_journal.listing().total == 4
    with pytest.raises(ValueError, match="hide, show, only"):
        any_journal.listing(archived="all")  # type: ignore[arg-type]


def test_delete_hides_everywhere_and_restore_undoes_it(any_journal, project_dir):
    ids = _add(any_journal, 3)
    any_journal.update(ids[1], {"tags": ["kept"]})
    assert any_journal.delete(ids[1][:4]) == ids[1]  # a unique prefix names it
    fresh = Journal(project_dir)
    assert len(fresh) == 2
    assert [r["id"] for r in fresh.experiments()] == [ids[0], ids[2]]
    assert fresh.listing(archived="show").total == 2
    assert fresh.search(name="run 1") == []
    with pytest.raises(JournalError, match="no experiment"):
        fresh.get(ids[1])
    restored = fresh.restore(ids[1])
    assert restored["tags"] == ["kept"]  # the last version, not the first
    assert any_journal.get(ids[1])["tags"] == ["kept"]
    assert [r["id"] for r in Journal(project_dir).experiments()] == ids
    with pytest.raises(JournalError, match="not deleted"):
        fresh.restore(ids[1])
    fresh.delete(ids[1])
    fresh.compact()
    with pytest.raises(JournalError, match="compaction"):
        Journal(project_dir).restore(ids[1])
    assert len(Journal(project_dir)) == 2


def test_update_merges_nested_notes_under_the_lock(any_journal, project_dir):
    record_id = _add(any_journal, 1)[0]
    any_journal.update(record_id, {"notes": {"hypothesis": "h", "conclusion": None}})
    # another writer's view: it sets the conclusion without having read the hypothesis
    other = Journal(project_dir)
    other.update(record_id, {"notes": {"conclusion": "c"}}, merge_nested=("notes",))
    assert any_journal.get(record_id)["notes"] == {"hypothesis": "h", "conclusion": "c"}
    # without merge_nested a nested dict replaces the whole field, as documented
    other.update(record_id, {"notes": {"conclusion": "d"}})
    assert any_journal.get(record_id)["notes"] == {"conclusion": "d"}
