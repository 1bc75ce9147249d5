"""GET /kepler/api/experiments against a real server: paging, sorting, filtering, caching."""

from __future__ import annotations

import json

import pytest
from sample_journal import XSS_NAME, XSS_TAG, make_record
from schema_check import assert_matches_schema
from tornado.httpclient import HTTPClientError


async def test_lists_newest_first_with_light_summaries(sample_root, fetch_json):
    payload = await fetch_json("experiments")
    assert_matches_schema(payload, "ExperimentList")
    assert payload["total"] == len(sample_root) == 5
    assert [item["id"] for item in payload["items"]] == [r["id"] for r in reversed(sample_root)]
    assert payload["project"] == {"name": "root_dir", "path": ".", "has_journal": True}
    # No goal configured: the first usual metric the journal holds (kepler_jupyter.history.goal's rule).
    assert payload["metric"] == {"name": "val_loss", "mode": "min", "target": None,
                                 "source": "default"}
    by_name = {item["name"]: item for item in payload["items"]}
    wider = by_name["wider hidden layer"]
    assert wider["metric_value"] == pytest.approx(0.165)
    assert wider["settings"] == {"epochs": 4, "batch_size": 64, "optimizer": "Adam",
                                 "learning_rate": 0.001, "loss": "binary_crossentropy"}
    assert (wider["model_class"], wider["n_params"], wider["tags"]) == (
        "Sequential", 385, ["baseline", "wide"])
    diverged = by_name["diverged run"]
    assert (diverged["status"], diverged["n_errors"], diverged["n_warnings"]) == ("failed", 1, 1)
    assert diverged["metric_value"] is None
    assert by_name[XSS_NAME]["tags"] == [XSS_TAG]  # user text comes back verbatim, not escaped
    assert "history" not in wider and "findings" not in wider  # light rows only


async def test_pages_cover_every_experiment_once(sample_root, fetch_json):
    seen = []
    for offset in (0, 2, 4):
        page = await fetch_json("experiments", params={"offset": offset, "limit": 2})
        assert (page["total"], page["offset"], page["limit"]) == (5, offset, 2)
        seen += [item["id"] for item in page["items"]]
    assert sorted(seen) == sorted(r["id"] for r in sample_root)
    past_the_end = await fetch_json("experiments", params={"offset": 10, "limit": 2})
    assert past_the_end["items"] == [] and past_the_end["total"] == 5


@pytest.mark.parametrize(
    ("params", "expected_names"),
    [
        ({"sort": "name", "order": "asc"},
         [XSS_NAME, "baseline mlp", "blocked by leakage", "diverged run", "wider hidden layer"]),
        ({"sort": "created", "order": "asc"},
         ["baseline mlp", "wider hidden layer", XSS_NAME, "diverged run", "blocked by leakage"]),
        # Best (lowest loss) first; experiments without the metric always last.
        ({"sort": "metric"},
         ["wider hidden layer", "baseline mlp", "blocked by leakage", "diverged run", XSS_NAME]),
        ({"sort": "metric", "order": "desc"},
         ["baseline mlp", "wider hidden layer", "blocked by leakage", "diverged run", XSS_NAME]),
        ({"sort": "errors"},
         ["blocked by leakage", "diverged run", XSS_NAME, "wider hidden layer", "baseline mlp"]),
    ],
)
async def test_sorts(sample_root, fetch_json, params, expected_names):
    payload = await fetch_json("experiments", params=params)
    assert [item["name"] for item in payload["items"]] == expected_names
    assert payload["sort"] == params["sort"]


@pytest.mark.parametrize(
    ("params", "expected_names"),
    [
        ({"q": "WIDER"}, {"wider hidden layer"}),
        ({"q": "sequential baseline"}, {"baseline mlp", "wider hidden layer"}),
        ({"q": "underfitting"}, {"wider hidden layer"}),  # hypotheses are searched too
        ({"q": "<img"}, {XSS_NAME}),
        ({"tag": "baseline"}, {"baseline mlp", "wider hidden layer"}),
        ({"tag": "baseline,wide"}, {"wider hidden layer"}),
        ({"status": "failed,blocked"}, {"diverged run", "blocked by leakage"}),
        ({"metric": "<0.2"}, {"wider hidden layer"}),
        ({"metric": ">=0.2"}, {"baseline mlp"}),
        ({"metric": ">=0.9", "metric_name": "val_accuracy"}, {"wider hidden layer"}),
        ({"metric": "<0.9", "metric_name": "val_accuracy"}, {"baseline mlp"}),
        ({"q": "no such thing"}, set()),
        # The expressions of `%kepler search`, read by its parser and evaluated by the server.
        ({"q": "val_accuracy>0.9"}, {"wider hidden layer"}),
        ({"q": "val_loss<0.5 tag=baseline"}, {"baseline mlp", "wider hidden layer"}),
        ({"q": "status=failed"}, {"diverged run"}),
        ({"q": "model=LogisticRegression"}, {XSS_NAME}),
        ({"q": "batch_size=64 status!=failed"}, {"wider hidden layer"}),
        ({"q": "created>=2025-01-04"}, {"diverged run", "blocked by leakage"}),
        ({"q": "hypothesis~underfitting wider"}, {"wider hidden layer"}),  # with a free word
        ({"q": "framework=sklearn", "status": "blocked"}, {"blocked by leakage"}),
    ],
)
async def test_filters(sample_root, fetch_json, params, expected_names):
    payload = await fetch_json("experiments", params=params)
    assert {item["name"] for item in payload["items"]} == expected_names
    assert payload["total"] == len(expected_names)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"sort": "color"}, "'sort' must be one of"),
        ({"order": "sideways"}, "'order' must be 'asc' or 'desc'"),
        ({"limit": "0"}, "'limit' must be at least 1"),
        ({"limit": "5000"}, "at most 1000"),
        ({"offset": "-3"}, "'offset' must be at least 0"),
        ({"offset": "ten"}, "'offset' must be a whole number"),
        ({"metric": "big"}, "'metric' must be a comparison"),
        ({"q": "val_accuracy>"}, "no value after '>'"),
        ({"q": "layers>wide"}, "compares numbers or dates"),
    ],
)
async def test_bad_query_is_refused_with_a_clear_message(sample_root, jp_fetch, params, fragment):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("kepler", "api", "experiments", params=params)
    assert caught.value.code == 400
    assert fragment in json.loads(caught.value.response.body)["message"]


async def test_project_goal_chooses_the_metric(sample_root, jp_root_dir, fetch_json):
    before = await fetch_json("experiments")
    (jp_root_dir / ".kepler" / "config.toml").write_text(
        '[goal]\nmetric = "val_accuracy"\nmode = "max"\ntarget = 0.9\n', encoding="utf-8")
    payload = await fetch_json("experiments", params={"sort": "metric"})
    assert payload["metric"] == {"name": "val_accuracy", "mode": "max", "target": 0.9,
                                 "source": "config"}
    assert payload["revision"] != before["revision"]
    # Highest accuracy first; experiments without it after them.
    assert [item["name"] for item in payload["items"]][:2] == ["wider hidden layer", "baseline mlp"]
    assert [item["metric_value"] for item in payload["items"]][2:] == [None, None, None]


async def test_goal_in_pyproject_counts_too(sample_root, jp_root_dir, fetch_json):
    await fetch_json("experiments")
    (jp_root_dir / "pyproject.toml").write_text(
        '[tool.kepler.goal]\nmetric = "accuracy"\n', encoding="utf-8")
    payload = await fetch_json("experiments")
    assert payload["metric"] == {"name": "accuracy", "mode": "max", "target": None,
                                 "source": "config"}


async def test_a_new_experiment_appears_without_restarting(sample_root, jp_root_dir, fetch_json):
    from kepler_jupyter.journal import Journal

    first = await fetch_json("experiments")
    cached = await fetch_json("experiments")
    assert cached["revision"] == first["revision"]  # unchanged journal: same cached snapshot
    Journal(jp_root_dir).add(make_record("ffff000000000001", "from another kernel",
                                         "2025-02-01T00:00:00+00:00"))
    after = await fetch_json("experiments")
    assert after["total"] == first["total"] + 1
    assert after["items"][0]["name"] == "from another kernel"
    assert after["revision"] != first["revision"]


async def test_a_folder_without_journal_lists_nothing_and_stays_untouched(jp_root_dir, fetch_json):
    payload = await fetch_json("experiments")
    assert_matches_schema(payload, "ExperimentList")
    assert payload["total"] == 0 and payload["items"] == []
    assert payload["project"]["has_journal"] is False
    assert payload["metric"]["name"] is None
    assert not (jp_root_dir / ".kepler").exists()


async def test_columns_show_any_field_and_sort_the_whole_list(sample_root, fetch_json):
    params = {"columns": "val_accuracy,learning_rate,n_samples,tag", "sort": "field:learning_rate",
              "order": "desc", "limit": 2}
    first = await fetch_json("experiments", params=params)
    assert_matches_schema(first, "ExperimentList")
    assert first["total"] == 5 and first["sort"] == "field:learning_rate"
    # Sorted over all five before paging: the diverged run's 5.0 leads.
    assert [item["name"] for item in first["items"]][0] == "diverged run"
    wider = next(item for item in (await fetch_json("experiments", params={
        **params, "limit": 10}))["items"] if item["name"] == "wider hidden layer")
    record = next(r for r in sample_root if r["name"] == "wider hidden layer")
    assert wider["columns"] == {
        "val_accuracy": pytest.approx(record["metrics"]["val_accuracy"]),
        "learning_rate": record["params"]["learning_rate"],
        "n_samples": record["data"]["n_samples"],
        "tag": '["baseline", "wide"]',
    }
    by_accuracy = await fetch_json("experiments", params={"sort": "field:val_accuracy",
                                                          "order": "desc"})
    names = [item["name"] for item in by_accuracy["items"]]
    assert names[:2] == ["wider hidden layer", "baseline mlp"]  # runs without it last
    assert "columns" not in by_accuracy["items"][0]  # only when asked for


async def test_column_catalogue_offers_every_field_and_defaults(sample_root, fetch_json):
    catalogue = await fetch_json("columns")
    assert_matches_schema(catalogue, "ColumnCatalogue")
    assert {"val_accuracy", "val_loss", "loss"} <= set(catalogue["metrics"])
    assert {"learning_rate", "batch_size", "epochs"} <= set(catalogue["settings"])
    assert "n_samples" in catalogue["data"]
    assert set(catalogue["tags"]) >= {"baseline", "wide", "lr-sweep"}
    # The goal metric, then settings that differ between runs (shared ones tell nothing).
    assert catalogue["default"][0] == catalogue["metric"]["name"] == "val_loss"
    assert {"epochs", "learning_rate"} <= set(catalogue["default"])
    assert "optimizer" not in catalogue["default"] and len(catalogue["default"]) == 4


@pytest.mark.parametrize("params", [{"sort": "field:"}, {"sort": "field:a b"},
                                    {"columns": "ok,no way"}])
async def test_bad_column_requests_are_refused(sample_root, jp_fetch, params):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("kepler", "api", "experiments", params=params)
    assert caught.value.code == 400
