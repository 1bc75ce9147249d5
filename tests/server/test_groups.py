"""Run-table groups: re-runs collapse with their spread, a search's points and a cell's loop sit
under a parent row; the index (SQL) and the snapshot of the whole journal agree."""

from __future__ import annotations

import json
import statistics

import pytest
from sample_journal import make_record
from tornado.httpclient import HTTPClientError

from kepler_jupyter.journal import Journal
from kepler_jupyter.journal.index import INDEX_FILE_NAME
from kepler_jupyter.server.indexed_listing import indexed_query
from kepler_jupyter.server.listing import JournalCache
from kepler_jupyter.server.project import locate_project
from kepler_jupyter.server.query import ListQuery, QueryError, run_query

RERUN_ACCURACY = [0.81, 0.84, 0.79, 0.86]
SWEEP_ACCURACY = [0.60, 0.70, 0.90]
LOOP_ACCURACY = [0.50, 0.55]


def _record(exp_id: str, day: int, accuracy: float | None, *, fingerprint: str | None = None,
            search: str | None = None, grid_tag: str | None = None, run: str | None = None,
            status: str = "completed", name: str | None = None) -> dict:
    history = {"val_accuracy": [0.1, accuracy]} if accuracy is not None else None
    record = make_record(exp_id, name or f"run {exp_id}", f"2025-02-{day:02d}T00:00:00Z",
                         status=status, history=history,
                         tags=[f"grid:{grid_tag}"] if grid_tag else [])
    if fingerprint:
        record["fingerprint"]["experiment"] = fingerprint
    if search:
        record["search"] = {"name": search, "strategy": "grid", "params": {"units": day}}
    if run:
        record["source"]["run"] = run
    return record


def write_grouped_journal(project_dir) -> None:
    """Four re-runs of one experiment (one from a cell that made only that fit), a search of
    three points, an older search known by its tag only, a cell loop of two fits, two singles."""
    journal = Journal(project_dir)
    day = 1
    records = []
    for index, accuracy in enumerate(RERUN_ACCURACY):
        records.append(_record(f"rerun{index}", day, accuracy, fingerprint="same-experiment",
                               run="lonely-cell" if index == 0 else None, name="MLP baseline"))
        day += 1
    for index, accuracy in enumerate(SWEEP_ACCURACY):
        records.append(_record(f"sweep{index}", day, accuracy, search="lr-sweep", run=f"point{index}"))
        day += 1
    records.append(_record("oldgrid0", day, 0.3, grid_tag="old-grid"))
    records.append(_record("oldgrid1", day + 1, None, grid_tag="old-grid", status="failed"))
    day += 2
    for index, accuracy in enumerate(LOOP_ACCURACY):
        records.append(_record(f"loop{index}", day, accuracy, run="cell-42",
                               name="Ridge" if index == 0 else f"Ridge #{index + 1}"))
        day += 1
    records.append(_record("single0", day, 0.99))
    records.append(_record("single1", day + 1, None, status="failed"))
    for record in records:  # one append each: the index writer groups the loop on its 2nd fit
        journal.add(record)


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
    # 5 groups of two or more (re-runs, search, old grid, loop) and 2 singles
    assert found["total"] == len(rows) == 6
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
])
def test_indexed_groups_equal_the_snapshot(location, parameters):
    _both(location, parameters)


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
