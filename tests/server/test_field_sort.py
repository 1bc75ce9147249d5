"""Sorting the run table by any field from the index's materialised values
(``journal.index_fields``): the same pages as the snapshot, kept current by the writer."""

from __future__ import annotations

import math

import pytest
from sample_journal import make_record

from kepler_jupyter.journal import Journal
from kepler_jupyter.journal.index import index_for
from kepler_jupyter.server.columns import column_catalogue
from kepler_jupyter.server.indexed_fields import indexed_catalogue
from kepler_jupyter.server.indexed_listing import indexed_query
from kepler_jupyter.server.listing import JournalCache
from kepler_jupyter.server.project import locate_project
from kepler_jupyter.server.query import ListQuery, run_query

# one field holding numbers, text of either case, booleans, NaN, infinity, a list, nothing
_MIXED = [3, "adam", 0.5, "Beta", True, math.nan, None, -2, "alpha", math.inf, "Zeta", "10",
          2.5, 3, "ADAM"]


def _record(index: int, value: object) -> dict:
    record = make_record(f"fs{index:03d}", f"Run {index}", f"2025-02-{1 + index % 5:02d}T00:00:00Z",
                         history={"val_accuracy": [index / 20]} if index % 4 else None,
                         batch_size=16 + index % 3)
    if value is not None:
        record["params"]["choice"] = value
    if index % 3 == 0:
        record["data"]["rows_kept"] = index  # a data field some runs lack
    return record


@pytest.fixture
def location(tmp_path):
    journal = Journal(tmp_path)
    for index, value in enumerate(_MIXED):
        journal.add(_record(index, value))
    return locate_project(tmp_path, None, allow_hidden=True)


def _answers(location, parameters):
    """The index's answer and the snapshot's to one list request (the index must answer)."""
    query = ListQuery.from_arguments(parameters.get)
    expected = run_query(JournalCache().snapshot(location), query)
    found = indexed_query(location, query)
    assert found is not None, "answered by the snapshot, not the index"
    return found, expected


def _both(location, parameters):
    found, expected = _answers(location, parameters)
    assert {**found, "revision": None} == {**expected, "revision": None}
    return found


@pytest.mark.parametrize("parameters", [
    {"sort": "field:choice"}, {"sort": "field:choice", "order": "desc"},
    {"sort": "field:choice", "limit": "4", "offset": "6"},
    {"sort": "field:choice", "limit": "4", "offset": "12"},  # past the values: the missing runs
    {"sort": "field:rows_kept", "order": "desc", "columns": "rows_kept,choice"},
    {"sort": "field:choice", "group": "1"}, {"sort": "field:val_accuracy", "q": "choice>1"},
    {"sort": "field:rows_kept", "group": "1", "limit": "3", "offset": "4"},
    {"sort": "field:choice", "group": "1", "order": "desc", "limit": "3", "offset": "13"},
])
def test_mixed_missing_and_nan_values_sort_as_the_snapshot(location, parameters):
    found, expected = _answers(location, parameters)
    # the revision is computed differently on each path (index state / file signature)
    assert {**found, "revision": None} == {**expected, "revision": None}


def test_numbers_come_before_text_and_empty_cells_last(location):
    found = _both(location, {"sort": "field:choice", "columns": "choice", "limit": "50"})
    cells = [item["columns"]["choice"] for item in found["items"]]
    numbers = [cell for cell in cells if isinstance(cell, bool | int | float)]
    assert numbers == sorted(numbers) and cells[: len(numbers)] == numbers
    texts = cells[len(numbers): len(numbers) + 6]
    assert [text.lower() for text in texts] == sorted(text.lower() for text in texts)
    assert all(isinstance(text, str) for text in texts)
    assert cells[-3:] == [None] * 3 and len(cells) == 15  # NaN, infinity, no value


def test_the_writer_keeps_a_sorted_field_current(location):
    _both(location, {"sort": "field:choice"})  # materialises the field
    journal = Journal(location.project_dir)
    journal.add(_record(40, -100))  # a new run, first in ascending order
    journal.update("fs001", {"params": {"choice": 1000}})
    journal.delete("fs003")
    first = _both(location, {"sort": "field:choice", "limit": "3"})
    assert [item["id"] for item in first["items"]] == ["fs040", "fs007", "fs002"]
    last = _both(location, {"sort": "field:choice", "order": "desc", "limit": "16"})
    assert "fs003" not in [item["id"] for item in last["items"]]
    index = index_for(location.kepler_dir)
    rows = index.query("SELECT value FROM field_values WHERE name = 'choice' AND id = 'fs001'")
    assert rows == [(1000.0,)]


def test_a_rebuilt_index_keeps_its_sorted_fields(location):
    before = _both(location, {"sort": "field:choice", "order": "desc"})
    index = index_for(location.kepler_dir)
    index.invalidate()  # the next read rebuilds the index from the journal
    after = _both(location, {"sort": "field:choice", "order": "desc"})
    assert after["items"] == before["items"]
    assert index.query("SELECT count(*) FROM field_values WHERE name = 'choice'")[0][0] == 12


def test_fields_the_index_does_not_keep_go_to_the_snapshot(location):
    journal = Journal(location.project_dir)
    record = _record(50, 1)
    record["extra"] = {"nested": 1}  # a top-level object: the snapshot sorts by it
    journal.add(record)
    for sort in ("field:extra", "field:params.choice", "field:tags"):
        query = ListQuery.from_arguments({"sort": sort}.get)
        assert indexed_query(location, query) is None


def _snapshot_catalogue(location):
    snapshot = JournalCache().snapshot(location)
    return {**column_catalogue(snapshot.records, snapshot.metric.name),
            "metric": snapshot.metric.to_payload()}


def test_the_column_catalogue_from_the_index_equals_the_snapshot(location):
    found = indexed_catalogue(location)
    assert found == _snapshot_catalogue(location)
    assert {"choice", "batch_size"} <= set(found["settings"]) and found["data"]
    assert found["default"][0] == "val_accuracy" and "choice" in found["default"]
    journal = Journal(location.project_dir)
    record = _record(61, 7)
    record["metrics"]["new_metric"] = 1.0
    record["tags"] = ["fresh"]
    journal.add(record)
    journal.update("fs002", {"tags": ["edited"]})
    for experiment_id in ("fs000", "fs003", "fs006", "fs009", "fs012"):
        journal.delete(experiment_id)  # the last runs with rows_kept: the data field goes
    found = indexed_catalogue(location)
    assert found == _snapshot_catalogue(location)
    assert "new_metric" in found["metrics"] and {"fresh", "edited"} <= set(found["tags"])
    assert "rows_kept" not in found["data"]


async def test_columns_route_answers_from_the_index(tmp_path, jp_root_dir, fetch_json):
    journal = Journal(jp_root_dir)
    for index, value in enumerate(_MIXED):
        journal.add(_record(index, value))
    payload = await fetch_json("columns")
    location = locate_project(jp_root_dir, None, allow_hidden=True)
    assert {key: payload[key] for key in ("metrics", "settings", "data", "tags", "default")} == {
        key: value for key, value in _snapshot_catalogue(location).items() if key != "metric"}
    index = index_for(location.kepler_dir)
    distinct = {repr(record["params"]["choice"]) for record in JournalCache().snapshot(location).records
                if "choice" in record["params"]}
    assert index.query("SELECT count(*) FROM catalogue WHERE section = 's' AND name = 'choice'"
                       )[0][0] == len(distinct) > 8
    sorted_page = await fetch_json("experiments", params={"sort": "field:choice", "limit": 3,
                                                          "columns": "choice"})
    assert [item["columns"]["choice"] for item in sorted_page["items"]] == [-2, 0.5, True]
    assert index.query("SELECT name FROM sorted_fields") == [("choice",)]  # sorted by the index
