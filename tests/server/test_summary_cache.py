"""The summary cache: rebuilt exactly when the journal's files change, reusing what did not."""

from __future__ import annotations

import os

from sample_journal import make_record, write_sample_journal

from kepler_jupyter.journal import Journal
from kepler_jupyter.server.listing import JournalCache, build_snapshot
from kepler_jupyter.server.project import locate_project


def _counting_cache() -> tuple[JournalCache, list[int]]:
    loads: list[int] = []

    def loader(location, signature, previous):
        loads.append(1)
        return build_snapshot(location, signature, previous)

    return JournalCache(loader=loader), loads


def test_rebuilt_only_when_the_journal_changes(tmp_path):
    write_sample_journal(tmp_path)
    location = locate_project(tmp_path)
    cache, loads = _counting_cache()
    first = cache.snapshot(location)
    assert cache.snapshot(location) is first and len(loads) == 1

    # Taking the write lock touches journal.lock but changes no record: no rebuild.
    lock = tmp_path / ".kepler" / "journal.lock"
    lock.touch()
    os.utime(lock, ns=(1, 1))
    assert cache.snapshot(location) is first and len(loads) == 1

    Journal(tmp_path).add(make_record("n3w0000001", "new", "2025-06-01T00:00:00+00:00"))
    second = cache.snapshot(location)
    assert len(loads) == 2 and second.revision != first.revision
    assert [summary["name"] for summary in second.summaries][:2] == ["new", "blocked by leakage"]
    # Unchanged records keep their summary objects; the updated one gets a new summary.
    assert second.summaries[1] is first.summaries[0]

    Journal(tmp_path).update("w1der00002", {"tags": ["changed"]})
    third = cache.snapshot(location)
    wider = next(summary for summary in third.summaries if summary["id"] == "w1der00002")
    assert wider["tags"] == ["changed"]
    assert third.summaries[0] is second.summaries[0]


def test_goal_change_recomputes_every_summary(tmp_path):
    write_sample_journal(tmp_path)
    location = locate_project(tmp_path)
    cache, _ = _counting_cache()
    before = cache.snapshot(location)
    (tmp_path / ".kepler" / "config.toml").write_text('[goal]\nmetric = "loss"\n', "utf-8")
    after = cache.snapshot(location)
    assert after.metric.name == "loss" and after.metric.mode == "min"
    baseline = next(summary for summary in after.summaries if summary["id"] == "b4se1ine01")
    assert baseline["metric_value"] == 0.41
    assert not any(a is b for a, b in zip(before.summaries, after.summaries, strict=True))


def test_projects_are_cached_separately_and_evicted_oldest_first(tmp_path):
    cache = JournalCache(max_projects=2)
    locations = []
    for name in ("one", "two", "three"):
        Journal(tmp_path / name).add(make_record(f"{name}000001", name, "2025-01-01T00:00:00Z"))
        locations.append(locate_project(tmp_path, name))
    snapshots = [cache.snapshot(location) for location in locations]
    assert [s.summaries[0]["name"] for s in snapshots] == ["one", "two", "three"]
    assert cache.snapshot(locations[2]) is snapshots[2]
    assert cache.snapshot(locations[0]) is not snapshots[0]  # evicted, read again


async def test_the_root_journal_is_read_before_the_first_request(sample_root, jp_serverapp):
    import asyncio

    from kepler_jupyter.server.handlers import SETTINGS_KEY

    state = jp_serverapp.web_app.settings[SETTINGS_KEY]
    for _ in range(200):  # the extension reads it on a background thread at start-up
        if state.cache._snapshots:
            break
        await asyncio.sleep(0.05)
    (snapshot,) = state.cache._snapshots.values()
    assert {summary["id"] for summary in snapshot.summaries} == {r["id"] for r in sample_root}
