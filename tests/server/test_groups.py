"""Run-table groups: re-runs collapse with their spread, a search's points and a cell's loop sit
under a parent row; the index (SQL) and the snapshot of the whole journal agree."""

from __future__ import annotations

import json
import statistics

import pytest
from grouped_journal import RERUN_ACCURACY, SWEEP_ACCURACY, write_grouped_journal
from tornado.httpclient import HTTPClientError

from kepler_jupyter.journal import Journal
from kepler_jupyter.journal.index import INDEX_FILE_NAME
from kepler_jupyter.server.indexed_listing import indexed_query
from kepler_jupyter.server.listing import JournalCache
from kepler_jupyter.server.project import locate_project
from kepler_jupyter.server.query import ListQuery, QueryError, run_query


@pytest.fixture
def location(tmp_path):
    write_grouped_journal(tmp_path)
    return locate_project(tmp_path, None, allow_hidden=True)


def _both(location, parameters):
    query = ListQuery.from_arguments(parameters.get)
    expected = run_query(JournalCache().snapshot(location), query)
    found = indexed_query(location, query)
    assert found is not None
    # the revision is computed differently on each path (index state / file signature)
    assert {**found, "revision": None} == {**expected, "revision": None}
    return found, expected


def test_groups_collapse_reruns_and_gather_searches_and_loops(location):
    found, _ = _both(location, {"group": "1"})
    rows = {item["id"]: item.get("group") for item in found["items"]}
    # 4 groups of two or more (re-runs, search, old grid, loop) and 2 singles: 13 runs
    assert found["total"] == len(rows) == 6 and found["experiments"] == 13
    rerun = rows["rerun3"]  # the newest run stands for its group
    assert rerun["kind"] == "rerun" and rerun["count"] == 4 and rerun["label"] == "MLP baseline"
    assert rerun["mean"] == pytest.approx(statistics.mean(RERUN_ACCURACY))
    assert rerun["std"] == pytest.approx(statistics.stdev(RERUN_ACCURACY))
    sweep = rows["sweep2"]
    assert (sweep["kind"], sweep["key"], sweep["label"], sweep["count"]) == ("search", "s:lr-sweep", "lr-sweep", 3)
    assert sweep["mean"] == pytest.approx(statistics.mean(SWEEP_ACCURACY))
    old = rows["oldgrid1"]
    assert (old["key"], old["count"], old["n_values"], old["std"]) == ("s:old-grid", 2, 1, None)
    assert old["mean"] == pytest.approx(0.3)
    loop = rows["loop1"]
    assert (loop["kind"], loop["key"], loop["label"], loop["count"]) == ("loop", "c:cell-42", "Ridge", 2)
    assert rows["single0"] is None and rows["single1"] is None


@pytest.mark.parametrize("parameters", [
    {"group": "1", "sort": "metric"}, {"group": "1", "sort": "metric", "order": "asc"},
    {"group": "1", "sort": "name"}, {"group": "1", "sort": "status", "order": "desc"},
    {"group": "1", "limit": "2", "offset": "1"}, {"group": "1", "status": "failed"},
    {"group": "1", "q": "val_accuracy>0.8"}, {"group": "1", "columns": "val_accuracy,units"},
    {"parent": "f:same-experiment", "sort": "metric"}, {"parent": "s:lr-sweep"},
    {"parent": "c:cell-42", "columns": "val_accuracy"}, {"parent": "s:nothing"},
    {"group": "1", "sort": "field:val_accuracy"}, {"group": "1", "sort": "field:units", "order": "desc"},
    {"group": "1", "sort": "field:val_accuracy", "status": "completed,failed", "order": "desc"},
    {"group": "1", "sort": "field:val_accuracy", "limit": "2", "offset": "3"},
    {"group": "1", "sort": "field:val_accuracy", "limit": "2", "offset": "5"},
    {"parent": "s:lr-sweep", "sort": "field:learning_rate"},
])
def test_indexed_groups_equal_the_snapshot(location, parameters):
    found, expected = _both(location, parameters)
    assert found["items"] == expected["items"] and found["total"] == expected["total"]


def test_sorting_groups_by_the_metric_uses_their_mean(location):
    found, _ = _both(location, {"group": "1", "sort": "metric"})
    means = [item["group"]["mean"] if item.get("group") else item["metric_value"]
             for item in found["items"]]
    numbers = [mean for mean in means if mean is not None]
    assert numbers == sorted(numbers, reverse=True) and means[-1] is None


def test_parent_lists_the_members_of_a_group(location):
    found, _ = _both(location, {"parent": "f:same-experiment", "sort": "metric"})
    assert [item["id"] for item in found["items"]] == ["rerun3", "rerun1", "rerun0", "rerun2"]
    assert all("group" not in item for item in found["items"])
    found, _ = _both(location, {"parent": "s:lr-sweep", "q": "val_accuracy>=0.7"})
    assert {item["id"] for item in found["items"]} == {"sweep1", "sweep2"}


def test_groups_survive_an_index_rebuild(location):
    before, _ = _both(location, {"group": "1"})
    (location.kepler_dir / INDEX_FILE_NAME).unlink()
    for suffix in ("-wal", "-shm"):
        (location.kepler_dir / f"{INDEX_FILE_NAME}{suffix}").unlink(missing_ok=True)
    from kepler_jupyter.journal.index import index_for

    index_for(location.kepler_dir).close()
    after, _ = _both(location, {"group": "1"})
    assert [item.get("group") for item in after["items"]] == [item.get("group") for item in before["items"]]


def test_bad_group_parameters_are_refused():
    with pytest.raises(QueryError, match="'parent'"):
        ListQuery.from_arguments({"parent": "x:whatever"}.get)
    with pytest.raises(QueryError, match="'group'"):
        ListQuery.from_arguments({"group": "maybe"}.get)


async def test_group_route_over_http(jp_root_dir, fetch_json, jp_fetch):
    write_grouped_journal(jp_root_dir)
    page = await fetch_json("experiments", params={"group": "1", "sort": "metric"})
    groups = [item["group"] for item in page["items"] if "group" in item]
    assert {group["kind"] for group in groups} == {"rerun", "search", "loop"}
    children = await fetch_json("experiments", params={"parent": "c:cell-42"})
    assert [item["id"] for item in children["items"]] == ["loop1", "loop0"]
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("kepler", "api", "experiments", params={"parent": "nonsense"})
    assert refused.value.code == 400
    assert "parent" in json.loads(refused.value.response.body)["message"]


def test_the_index_keeps_its_groups_through_archive_delete_update_and_loops(tmp_path):
    from grouped_journal import _record

    journal = Journal(tmp_path)
    location = locate_project(tmp_path, None, allow_hidden=True)
    journal.add(_record("a", 1, 0.5, fingerprint="X", run="R"))
    journal.add(_record("b", 2, 0.6, fingerprint="X"))
    journal.add(_record("c", 3, 0.7, fingerprint="X"))
    found, _ = _both(location, {"group": "1"})
    assert [(item["id"], item["group"]["count"]) for item in found["items"]] == [("c", 3)]
    journal.add(_record("d", 4, 0.8, fingerprint="Y", run="R"))  # R made two fits: a loop
    found, _ = _both(location, {"group": "1"})
    assert {item["id"]: item.get("group", {}).get("key") for item in found["items"]} == {
        "d": "c:R", "c": "f:X"}
    journal.archive("c")  # left out of the default view, with the group it leaves recounted
    found, _ = _both(location, {"group": "1"})
    assert {item["id"]: item.get("group") is None for item in found["items"]} == {"d": False, "b": True}
    journal.delete("d")
    journal.update("b", {"search": {"name": "later-sweep"}})
    found, _ = _both(location, {"group": "1"})
    assert [item["id"] for item in found["items"]] == ["b", "a"]
    _both(location, {"group": "1", "archived": "show"})
