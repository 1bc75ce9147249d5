"""The panel's actions against a real server: edit, archive, delete + undo, CSV export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from schema_check import assert_matches_schema
from tornado.httpclient import HTTPClientError

from kepler_jupyter.commands import CommandEnv
from kepler_jupyter.journal import Journal


async def _patch(jp_fetch, experiment_id: str, body: object) -> dict:
    response = await jp_fetch("kepler", "api", "experiments", experiment_id, method="PATCH",
                              body=json.dumps(body))
    assert response.code == 200
    return json.loads(response.body)


async def _refused(jp_fetch, *parts: str, **kwargs) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("kepler", "api", *parts, **kwargs)
    return caught.value.code, json.loads(caught.value.response.body)["message"]


async def _listed_ids(fetch_json, **params: str) -> list[str]:
    payload = await fetch_json("experiments", params={"limit": "1000", **params})
    return [item["id"] for item in payload["items"]]


def _journal_lines(root: Path) -> list[dict]:
    text = (root / ".kepler" / "journal.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def test_edit_lands_in_the_journal_file(sample_root, jp_root_dir, jp_fetch):
    target = sample_root[0]
    before = len(_journal_lines(jp_root_dir))
    payload = await _patch(jp_fetch, target["id"][:6],
                           {"conclusion": "  wider layers did not help  ", "tags": ["keep", "v2"]})
    assert_matches_schema(payload, "ExperimentChanged")
    lines = _journal_lines(jp_root_dir)
    assert len(lines) == before + 1  # one new version, appended like a kernel's update
    latest = lines[-1]
    assert latest["id"] == target["id"]
    assert latest["notes"] == {**target["notes"], "conclusion": "wider layers did not help"}
    assert latest["tags"] == ["keep", "v2"]
    assert latest["history"] == target["history"]  # everything else kept
    # What the Python API and %kepler search read afterwards
    journal = Journal(jp_root_dir)
    assert journal.get(target["id"])["notes"]["conclusion"] == "wider layers did not help"
    from kepler_jupyter.commands import search

    found = search.run(["conclusion~wider", "tag=v2"], CommandEnv(journal=journal))
    assert [record["id"] for record in found.records] == [target["id"]]


@pytest.mark.parametrize(("body", "expected"), [
    (b"{not json", "must be a JSON object"),
    (b"[1, 2]", "must be a JSON object"),
    (b"{}", "should be non-empty"),
    (json.dumps({"status": "completed"}).encode(), "only hypothesis, conclusion, tags, archived"),
    (json.dumps({"conclusion": "x" * 10_001}).encode(), "conclusion"),
    (json.dumps({"tags": ["two words"]}).encode(), "one word without commas or spaces"),
    (json.dumps({"tags": "baseline"}).encode(), "is not of type 'array'"),
    (json.dumps({"archived": "yes"}).encode(), "is not of type 'boolean'"),
    (b"x" * 70_000, "at most 65536"),
], ids=["not-json", "not-object", "empty", "other-field", "too-long", "bad-tag", "tags-text",
        "archived-text", "huge"])
async def test_bad_edit_is_refused_with_a_message(sample_root, jp_root_dir, jp_fetch, body, expected):
    before = _journal_lines(jp_root_dir)
    code, message = await _refused(jp_fetch, "experiments", sample_root[0]["id"], method="PATCH",
                                   body=body)
    assert code == 400
    assert expected in message
    assert _journal_lines(jp_root_dir) == before  # nothing written


async def test_edit_of_unknown_experiment_is_404(sample_root, jp_fetch):
    code, message = await _refused(jp_fetch, "experiments", "nosuchrun1", method="PATCH",
                                   body=json.dumps({"conclusion": "x"}))
    assert code == 404 and "nosuchrun1" in message


@pytest.mark.parametrize("sort", ["created", "field:epochs"], ids=["index", "snapshot"])
async def test_archive_hides_from_the_list_until_asked(sample_root, jp_root_dir, jp_fetch,
                                                       fetch_json, sort):
    target = sample_root[1]["id"]
    everyone = await _listed_ids(fetch_json, sort=sort)
    payload = await _patch(jp_fetch, target, {"archived": True})
    assert payload["experiment"]["archived"] is True
    shown = await _listed_ids(fetch_json, sort=sort)
    assert shown == [record_id for record_id in everyone if record_id != target]
    assert await _listed_ids(fetch_json, sort=sort, archived="show") == everyone
    only = await fetch_json("experiments", params={"sort": sort, "archived": "only"})
    assert [item["id"] for item in only["items"]] == [target]
    assert only["items"][0]["archived"] is True
    assert_matches_schema(only, "ExperimentList")
    # an expression naming archived decides for itself, as %kepler search does
    assert await _listed_ids(fetch_json, sort=sort, q="archived=true") == [target]
    # kept in the journal, and %kepler list agrees with the panel
    journal = Journal(jp_root_dir)
    assert journal.get(target)["archived"] is True
    assert journal.listing().total == len(shown)
    assert journal.listing(archived="show").total == len(everyone)
    await _patch(jp_fetch, target, {"archived": False})
    assert await _listed_ids(fetch_json, sort=sort) == everyone
    code, message = await _refused(jp_fetch, "experiments", params={"archived": "maybe"})
    assert code == 400 and "hide, show, only" in message


async def test_delete_then_undo(sample_root, jp_root_dir, jp_fetch, fetch_json):
    target = sample_root[2]["id"]
    everyone = await _listed_ids(fetch_json)
    response = await jp_fetch("kepler", "api", "experiments", target, method="DELETE")
    deleted = json.loads(response.body)
    assert_matches_schema(deleted, "ExperimentDeleted")
    assert deleted == {"deleted": target}
    assert await _listed_ids(fetch_json) == [i for i in everyone if i != target]
    assert await _listed_ids(fetch_json, archived="show") == [i for i in everyone if i != target]
    code, _ = await _refused(jp_fetch, "experiments", target)
    assert code == 404
    assert target not in {record["id"] for record in Journal(jp_root_dir).experiments()}
    # undo
    response = await jp_fetch("kepler", "api", "experiments", target, "restore", method="POST",
                              body=b"")
    restored = json.loads(response.body)
    assert_matches_schema(restored, "ExperimentChanged")
    assert restored["experiment"]["name"] == sample_root[2]["name"]
    assert await _listed_ids(fetch_json) == everyone
    assert (await fetch_json("experiments", target))["experiment"]["tags"] == sample_root[2]["tags"]
    code, message = await _refused(jp_fetch, "experiments", target, "restore", method="POST", body=b"")
    assert code == 409 and "not deleted" in message
    # compaction drops a deleted experiment for good: no undo after it
    await jp_fetch("kepler", "api", "experiments", target, method="DELETE")
    Journal(jp_root_dir).compact()
    assert all(line["id"] != target for line in _journal_lines(jp_root_dir))
    code, message = await _refused(jp_fetch, "experiments", target, "restore", method="POST", body=b"")
    assert code == 409 and "compaction" in message


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


@pytest.mark.parametrize("params", [
    {},
    {"sort": "metric", "q": "epochs>=1", "columns": "epochs,learning_rate"},
    {"sort": "field:epochs", "order": "desc", "columns": "val_loss"},
], ids=["default", "filtered-sorted-columns", "snapshot-sort"])
async def test_csv_matches_the_list(sample_root, jp_fetch, fetch_json, monkeypatch, params):
    import kepler_jupyter.server.export as export

    monkeypatch.setattr(export, "MAX_LIMIT", 2)  # several pages even for the small journal
    listed = await fetch_json("experiments", params={"limit": "1000", **params})
    response = await jp_fetch("kepler", "api", "experiments.csv", params=params)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="kepler-')
    rows = _csv_rows(response.body)
    columns = [c for c in params.get("columns", "").split(",") if c]
    metric = listed["metric"]["name"] or "metric"
    assert rows[0] == [name for name, _ in export.BASE_COLUMNS] + [metric, *columns]
    assert [row[0] for row in rows[1:]] == [item["id"] for item in listed["items"]]
    for row, item in zip(rows[1:], listed["items"], strict=True):
        assert row[1] == (item["name"] or "")
        metric_cell = row[len(export.BASE_COLUMNS)]
        if item["metric_value"] is None:
            assert metric_cell == ""
        else:
            assert float(metric_cell) == pytest.approx(item["metric_value"])
        for offset, column in enumerate(columns):
            value = item["columns"].get(column)
            cell = row[len(export.BASE_COLUMNS) + 1 + offset]
            assert cell == ("" if value is None else str(value))


async def test_csv_of_a_grouped_table_lists_every_run(sample_root, jp_root_dir, jp_fetch, fetch_json):
    from sample_journal import make_record

    rerun = make_record("r3run00006", "baseline mlp", "2025-01-07T10:00:00+00:00")
    rerun["fingerprint"] = dict(sample_root[0].get("fingerprint") or {}, experiment="same-exp")
    first = dict(sample_root[0], fingerprint=rerun["fingerprint"])
    journal = Journal(jp_root_dir)
    journal.update(first["id"], {"fingerprint": first["fingerprint"]})
    journal.add(rerun)
    ungrouped = await _listed_ids(fetch_json)
    response = await jp_fetch("kepler", "api", "experiments.csv", params={"group": "1"})
    assert [row[0] for row in _csv_rows(response.body)[1:]] == ungrouped
    assert "r3run00006" in ungrouped and sample_root[0]["id"] in ungrouped


async def test_csv_quotes_text_a_spreadsheet_would_run(jp_root_dir, jp_fetch):
    from sample_journal import make_record

    Journal(jp_root_dir).add(make_record("f0rmu1a001", "=HYPERLINK(\"x\")", "2026-02-01T00:00:00Z"))
    response = await jp_fetch("kepler", "api", "experiments.csv")
    rows = _csv_rows(response.body)
    assert rows[1][1] == "'=HYPERLINK(\"x\")"


def test_notebook_path_is_relative_to_the_root(tmp_path):
    from kepler_jupyter.server.origin import notebook_path

    def record(notebook):
        return {"source": {"notebook": notebook}}

    assert notebook_path(record(str(tmp_path / "work" / "a.ipynb")), tmp_path) == "work/a.ipynb"
    assert notebook_path(record("work/b.ipynb"), tmp_path) == "work/b.ipynb"
    assert notebook_path(record("/elsewhere/c.ipynb"), tmp_path) is None
    assert notebook_path(record(str(tmp_path / ".." / "d.ipynb")), tmp_path) is None
    assert notebook_path(record("../e.ipynb"), tmp_path) is None
    assert notebook_path({"source": None}, tmp_path) is None


async def test_detail_names_the_notebook_under_the_root(jp_root_dir, fetch_json):
    from sample_journal import make_record

    run = make_record("n0teb00k01", "from a notebook", "2026-02-01T00:00:00Z")
    run["source"] = {"cell": "model.fit(X, y)", "notebook": str(jp_root_dir / "nb" / "train.ipynb")}
    Journal(jp_root_dir).add(run)
    payload = await fetch_json("experiments", "n0teb00k01")
    assert_matches_schema(payload, "ExperimentDetail")
    assert payload["notebook_path"] == "nb/train.ipynb"
