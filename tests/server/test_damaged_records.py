"""One wrongly typed record never hides a project: the list and detail routes answer, the
record is shown as damaged with the reasons, every other record stays visible."""

from __future__ import annotations

import json

from sample_journal import make_record
from schema_check import assert_matches_schema

# One record per kind of wrong type a shared or hand-edited journal can hold.
_DAMAGE = {
    "badmetrics": {"metrics": "abc"},
    "badcreated": {"created": 12345},
    "badduration": {"duration_s": "x"},
    "badhistory": {"history": {"loss": "abc", "val_loss": [0.6, 0.5]}},
    "badtags": {"tags": "a,b"},
    "badname": {"name": {"first": 1}},
    "badstatus": {"status": 3},
}


def _append_damaged(root) -> None:
    lines = []
    for record_id, damage in _DAMAGE.items():
        record = make_record(record_id, f"damaged {record_id}", "2026-05-01T00:00:00+00:00",
                             history={"loss": [0.5, 0.4], "val_loss": [0.6, 0.5]})
        record.update(damage)
        lines.append(json.dumps({"id": record.pop("id"), **record}) + "\n")
    with (root / ".kepler" / "journal.jsonl").open("a", encoding="utf-8") as handle:
        handle.writelines(lines)


async def test_list_and_detail_answer_with_damaged_records(sample_root, jp_root_dir, fetch_json):
    _append_damaged(jp_root_dir)
    payload = await fetch_json("experiments", params={"limit": 100})
    assert_matches_schema(payload, "ExperimentList")
    ids = {item["id"] for item in payload["items"]}
    assert {record["id"] for record in sample_root} <= ids  # the good ones stay visible
    assert set(_DAMAGE) <= ids
    rows = {item["id"]: item for item in payload["items"]}
    assert rows["badmetrics"]["damaged"] == ["metrics: expected an object, got a string"]
    assert rows["badstatus"]["status"] == "unknown"
    assert "damaged" not in rows[sample_root[0]["id"]]
    for record_id in _DAMAGE:
        detail = await fetch_json("experiments", record_id)
        assert_matches_schema(detail, "ExperimentDetail")
        assert detail["experiment"]["damaged"]
    detail = await fetch_json("experiments", "badhistory")
    assert detail["experiment"]["history"] == {"val_loss": [0.6, 0.5]}
    compared = await fetch_json("compare", params={"ids": f"badmetrics,{sample_root[0]['id']}"})
    assert_matches_schema(compared, "Comparison")
