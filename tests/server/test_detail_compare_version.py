"""GET /kepler/api/version, /experiments/<id> and /compare against a real server."""

from __future__ import annotations

import json

import pytest
from sample_journal import XSS_NAME
from schema_check import assert_matches_schema
from tornado.httpclient import HTTPClientError

from kepler_jupyter import __version__
from kepler_jupyter.schema import API_SCHEMA_VERSION


async def _refused(jp_fetch, *parts, **kwargs) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("kepler", "api", *parts, **kwargs)
    return caught.value.code, json.loads(caught.value.response.body)


async def test_version_handshake(fetch_json):
    payload = await fetch_json("version")
    assert_matches_schema(payload, "VersionInfo")
    assert payload == {"name": "kepler_jupyter", "version": __version__,
                       "schema_version": API_SCHEMA_VERSION}


async def test_panel_built_for_another_schema_is_told_so(sample_root, jp_fetch):
    code, body = await _refused(jp_fetch, "experiments",
                                headers={"X-Kepler-Schema-Version": str(API_SCHEMA_VERSION + 1)})
    assert code == 409
    assert "Reinstall kepler_jupyter" in body["message"]
    assert_matches_schema(body, "ErrorPayload")


async def test_one_experiment_in_full(sample_root, fetch_json):
    wanted = sample_root[3]  # the failed run with findings and a NaN in its history
    payload = await fetch_json("experiments", wanted["id"])
    assert_matches_schema(payload, "ExperimentDetail")
    record = payload["experiment"]
    for field in ("name", "status", "params", "data", "history", "findings", "notes", "tags",
                  "source", "model"):
        assert record[field] == wanted[field], field
    assert record["findings"][0]["why"].startswith("Why K501")


async def test_unique_prefix_and_unknown_id(sample_root, fetch_json, jp_fetch):
    xss = sample_root[2]
    payload = await fetch_json("experiments", xss["id"][:3])
    assert payload["experiment"]["name"] == XSS_NAME
    code, body = await _refused(jp_fetch, "experiments", "doesnotexist")
    assert code == 404 and "doesnotexist" in body["message"]
    # Two sample ids start with "b": ambiguous, so refused rather than guessed.
    code, _ = await _refused(jp_fetch, "experiments", "b")
    assert code == 404


async def test_compare_marks_differing_settings(sample_root, fetch_json):
    baseline, wider = sample_root[0], sample_root[1]
    payload = await fetch_json("compare", params={"ids": f"{baseline['id']},{wider['id']}"})
    assert_matches_schema(payload, "Comparison")
    assert [record["id"] for record in payload["experiments"]] == [baseline["id"], wider["id"]]
    rows = {row["key"]: row for row in payload["settings"]}
    assert rows["params.batch_size"] == {"key": "params.batch_size", "values": [32, 64],
                                         "differs": True, "not_applicable": [False, False]}
    assert rows["params.learning_rate"]["differs"] is False
    assert rows["params.optimizer_config.beta_1"]["values"] == [0.9, 0.9]  # nested, flattened
    assert set(payload["differing"]) == {key for key, row in rows.items() if row["differs"]}
    assert {"params.batch_size", "params.epochs", "model.n_params",
            "fingerprint.settings", "fingerprint.model"} <= set(payload["differing"])
    assert "data.n_samples" not in payload["differing"]


async def test_compare_does_not_count_a_setting_the_other_framework_lacks(sample_root, fetch_json):
    baseline, wider, sklearn_run = sample_root[0], sample_root[1], sample_root[2]
    two = await fetch_json("compare", params={"ids": f"{baseline['id']},{wider['id']}"})
    three = await fetch_json(
        "compare", params={"ids": f"{baseline['id']},{wider['id']},{sklearn_run['id']}"})
    assert_matches_schema(three, "Comparison")
    rows = {row["key"]: row for row in three["settings"]}
    # Keras-only settings: missing in the scikit-learn run, not applicable there.
    assert rows["params.optimizer"]["values"] == ["Adam", "Adam", None]
    assert rows["params.optimizer"]["not_applicable"] == [False, False, True]
    assert rows["params.optimizer"]["differs"] is False
    assert rows["params.batch_size"]["differs"] is True  # still differs between the Keras runs
    # Adding the scikit-learn run adds only what really differs: framework, model, fingerprints.
    added = set(three["differing"]) - set(two["differing"])
    assert "framework" in added and "model.class" in added
    assert not any(key.startswith("params.") for key in added), added


def test_compare_rows_counts_a_setting_missing_within_one_framework():
    from kepler_jupyter.server.summaries import compare_rows

    rows = {row["key"]: row for row in compare_rows([
        {"framework": "keras", "params": {"epochs": 3, "dropout": 0.5,
                                          "optimizer_config": {"name": "adam"}}},
        {"framework": "keras", "params": {"epochs": 3, "optimizer_config": {"name": "adam_1"}}},
        {"framework": "sklearn", "params": {"C": 1.0}},
    ])}
    # One Keras run set dropout, the other did not: a real difference.
    assert rows["params.dropout"]["differs"] is True
    assert rows["params.dropout"]["not_applicable"] == [False, False, True]
    assert rows["params.epochs"]["differs"] is False
    assert rows["params.C"]["differs"] is False
    assert rows["params.C"]["not_applicable"] == [True, True, False]
    # Keras numbers its auto-named optimizers per session: no difference worth a row.
    assert "params.optimizer_config.name" not in rows


@pytest.mark.parametrize("ids", ["", "b4se1ine01", ",".join(f"id{n}" for n in range(21))])
async def test_compare_needs_two_to_twenty_ids(sample_root, jp_fetch, ids):
    code, body = await _refused(jp_fetch, "compare", params={"ids": ids})
    assert code == 400 and "between 2 and 20" in body["message"]


async def test_compare_names_the_unknown_ids(sample_root, jp_fetch):
    code, body = await _refused(jp_fetch, "compare",
                                params={"ids": f"{sample_root[0]['id']},nope1,nope2"})
    assert code == 404 and "'nope1'" in body["message"] and "'nope2'" in body["message"]
