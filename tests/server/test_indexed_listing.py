"""The list route answered from the journal's index equals the snapshot of the whole journal."""

from __future__ import annotations

import random

import pytest
from sample_journal import make_record

from kepler_jupyter.journal import Journal
from kepler_jupyter.server.indexed_listing import indexed_query, indexed_record
from kepler_jupyter.server.listing import JournalCache
from kepler_jupyter.server.project import locate_project
from kepler_jupyter.server.query import ListQuery, run_query


@pytest.fixture
def location(tmp_path):
    journal = Journal(tmp_path)
    rng = random.Random(3)
    for index in range(40):
        accuracy = [round(rng.random(), 3) for _ in range(3)]
        journal.add(make_record(
            f"ix{index:04d}", f"Run {rng.choice(['alpha', 'Beta', 'gamma'])} {index}",
            f"2025-01-{rng.randint(1, 28):02d}T00:00:00Z",
            status=rng.choice(["completed", "failed", "running"]),
            model_class=rng.choice(["Sequential", "Functional", "MLP"]),
            n_params=rng.choice([100, 1000, 50_000]), batch_size=rng.choice([16, 32]),
            history=None if index % 7 == 0 else {"loss": [1.0, 0.5], "val_accuracy": accuracy},
            tags=rng.sample(["a", "b", "c"], rng.randint(0, 2)),
            hypothesis=rng.choice([None, "wider is better"])))
    return locate_project(tmp_path, None, allow_hidden=True)


QUERIES = [
    {}, {"sort": "name"}, {"sort": "status", "order": "desc"}, {"sort": "model"},
    {"sort": "metric"}, {"sort": "metric", "order": "asc", "limit": "7", "offset": "3"},
    {"sort": "n_params"}, {"sort": "errors"}, {"sort": "duration"}, {"q": "beta"},
    {"q": "wider run"}, {"status": "failed,running"}, {"tag": "a,b"},
    {"metric": ">=0.5", "sort": "metric"}, {"metric_name": "loss", "sort": "metric"},
    # %kepler search expressions: listed fields (tag, status, model), metrics and settings
    {"q": "val_accuracy>0.5 tag=a", "sort": "metric"}, {"q": "status=failed model=MLP"},
    {"q": "batch_size=16 beta", "sort": "name"}, {"q": "created>=2025-01-15 n_params<5000"},
    {"sort": "metric", "columns": "val_accuracy,batch_size,tags"},
    {"columns": "batch_size,n_samples,loss", "limit": "5"},
    # sorted by any field, from the index's materialised values (journal.index_fields)
    {"sort": "field:batch_size"}, {"sort": "field:val_accuracy", "order": "desc"},
    {"sort": "field:loss", "limit": "7", "offset": "30"}, {"sort": "field:name"},
    {"sort": "field:n_params", "status": "failed", "q": "beta"},
    {"sort": "field:val_accuracy", "metric": ">=0.5", "limit": "5", "offset": "2"},
    {"sort": "field:nothing_has_it", "offset": "10"}, {"sort": "field:LR"},
]


@pytest.mark.parametrize("parameters", QUERIES)
def test_indexed_list_route_equals_the_snapshot(location, parameters):
    query = ListQuery.from_arguments(parameters.get)
    expected = run_query(JournalCache().snapshot(location), query)
    found = indexed_query(location, query)
    assert found is not None
    assert found["total"] == expected["total"]
    assert found["metric"] == expected["metric"] and found["order"] == expected["order"]
    assert [item["id"] for item in found["items"]] == [item["id"] for item in expected["items"]]
    assert found["items"] == expected["items"]


def test_indexed_detail_reads_one_record(location):
    record, metric = indexed_record(location, "ix0003")
    assert record == Journal(location.project_dir).get("ix0003")
    assert metric.name == "val_accuracy"
    assert indexed_record(location, "nope")[0] is None
