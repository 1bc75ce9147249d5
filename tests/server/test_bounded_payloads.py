"""List rows stay small whatever the records hold, and request-keyed caches stay bounded."""

from __future__ import annotations

import json

from sample_journal import make_record

from kepler_jupyter.journal import Journal
from kepler_jupyter.server.bounded import REQUEST_CACHE_SIZE, ROW_TEXT_LIMIT, LruDict
from kepler_jupyter.server.listing import JournalCache
from kepler_jupyter.server.project import locate_project
from kepler_jupyter.server.query import ListQuery, run_query

HUGE = "h" * 1_000_000


def _huge_record(exp_id: str) -> dict:
    record = make_record(exp_id, "n" * 50_000, "2025-01-01T00:00:00Z")
    record["notes"] = {"hypothesis": HUGE, "conclusion": HUGE}
    record["tags"] = ["t" * 10_000] * 500
    record["model"]["class"] = "C" * 10_000
    return record


async def test_list_rows_cut_user_text_and_the_detail_keeps_it(jp_root_dir, jp_fetch):
    journal = Journal(jp_root_dir)
    for index in range(3):
        journal.add(_huge_record(f"hug3{index:012d}"))
    response = await jp_fetch("kepler", "api", "experiments", params={"limit": "100"})
    assert len(response.body) < 3 * 20 * ROW_TEXT_LIMIT * 4
    item = json.loads(response.body)["items"][0]
    assert item["hypothesis"].startswith("hhh") and item["hypothesis"].endswith("…")
    assert len(item["hypothesis"]) == len(item["name"]) == ROW_TEXT_LIMIT
    assert all(len(tag) <= ROW_TEXT_LIMIT for tag in item["tags"]) and len(item["tags"]) <= 20
    probe = await jp_fetch("kepler", "api", "experiments", params={"limit": "1"})
    assert len(probe.body) < 20_000  # the panel's 3-second probe
    detail = json.loads((await jp_fetch("kepler", "api", "experiments", item["id"])).body)
    assert detail["experiment"]["notes"]["hypothesis"] == HUGE


def test_metric_name_caches_are_bounded(tmp_path):
    journal = Journal(tmp_path)
    for index in range(5):
        journal.add(make_record(f"m3tr1c{index:010d}", f"e{index}", "2025-01-01T00:00:00Z"))
    snapshot = JournalCache().snapshot(locate_project(tmp_path))
    for index in range(300):
        query = ListQuery(sort="metric", metric_name=f"made_up_metric_{index}")
        assert run_query(snapshot, query)["total"] == 5
    assert len(snapshot._metric_values) <= REQUEST_CACHE_SIZE
    assert len(snapshot.orders) <= REQUEST_CACHE_SIZE
    # The default metric's order is still served, and recently used entries survive.
    assert run_query(snapshot, ListQuery(sort="metric"))["total"] == 5


def test_lru_keeps_the_most_recently_used():
    cache: LruDict[str, int] = LruDict(2)
    cache["a"], cache["b"] = 1, 2
    assert cache.get("a") == 1
    cache["c"] = 3
    assert list(cache) == ["a", "c"] and cache.get("b") is None
