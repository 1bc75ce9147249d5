"""The record's one owner: field types, normalising what a journal holds, summary, schema."""

from __future__ import annotations

import json
import warnings

import pytest

from kepler_jupyter.journal import Journal, JournalDamageWarning
from kepler_jupyter.journal.record import (
    FIELDS,
    MAX_NESTING,
    json_safe,
    metric_items,
    normalize,
    record_json_schema,
    score_meaning,
    summarize,
    summary,
)
from kepler_jupyter.schema import API_SCHEMA_PATH


def _good(record_id: str = "goodrecord", **fields) -> dict:
    record = {
        "id": record_id, "name": "mlp", "status": "completed", "created": "2026-01-02T03:04:05+00:00",
        "duration_s": 1.5, "framework": "keras",
        "model": {"class": "Sequential", "n_params": 10, "layers": [{"name": "d"}]},
        "params": {"epochs": 2, "optimizer": "Adam", "learning_rate": 0.01},
        "history": {"loss": [0.5, None]}, "metrics": {"loss": 0.4, "score_name": "accuracy"},
        "findings": [{"code": "K101", "severity": "warning"}], "tags": ["a"],
        "notes": {"hypothesis": "h", "conclusion": None},
    }
    record.update(fields)
    return record


def test_a_well_formed_record_is_returned_as_is():
    record = _good()
    assert normalize(record) is record
    assert "damaged" not in record


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("metrics", "abc", "metrics: expected an object, got a string"),
        ("created", 12345, "created: expected a string, got an integer"),
        ("duration_s", "x", "duration_s: expected a number, got a string"),
        ("tags", "a,b", "tags: expected an array, got a string"),
        ("name", ["x"], "name: expected a string, got an array"),
        ("status", {"s": 1}, "status: expected a string, got an object"),
        ("notes", "text", "notes: expected an object, got a string"),
        ("history", [1, 2], "history: expected an object, got an array"),
        ("findings", {"a": 1}, "findings: expected an array, got an object"),
    ],
)
def test_a_wrong_typed_field_becomes_missing_and_says_why(field, value, reason):
    record = _good(**{field: value})
    fixed = normalize(record)
    assert field not in fixed
    assert fixed["damaged"] == [reason]
    assert record[field] == value  # the caller's dict is not changed
    assert fixed["id"] == "goodrecord" and fixed["model"] is record["model"]


def test_wrong_typed_parts_are_dropped_and_the_rest_kept():
    record = _good(history={"loss": "abc", "val_loss": [0.1, "x"], "accuracy": [0.5, 0.6]},
                   metrics={"loss": 0.2, "accuracy": "high", "score_name": 3, "n_iter": 4},
                   tags=["ok", 3, None], notes={"hypothesis": 5, "conclusion": "c"},
                   model={"class": "M", "n_params": "many", "layers": "none"},
                   findings=[{"code": "K1"}, "oops"])
    fixed = normalize(record)
    assert fixed["history"] == {"accuracy": [0.5, 0.6]}
    assert fixed["metrics"] == {"loss": 0.2, "n_iter": 4}
    assert fixed["tags"] == ["ok"]
    assert fixed["notes"] == {"conclusion": "c"}
    assert fixed["model"] == {"class": "M"}
    assert fixed["findings"] == [{"code": "K1"}]
    assert "history.loss: expected an array, got a string" in fixed["damaged"]
    assert "history.val_loss: expected an array of numbers" in fixed["damaged"]
    assert "metrics.accuracy: expected a number, got a string" in fixed["damaged"]
    assert "tags: 2 item(s) dropped, not a string" in fixed["damaged"]


def test_every_field_of_the_spec_has_a_json_type():
    assert {"id", "metrics", "history", "tags", "notes", "summary", "created", "duration_s",
            "findings", "changes", "duplicate_of", "artifacts", "epochs_done"} <= set(FIELDS)
    assert {spec.type for spec in FIELDS.values()} <= {
        "string", "integer", "number", "boolean", "object", "array", "any"}


def test_the_panel_schema_is_generated_from_the_fields():
    # fails when journal/record_fields.py and the schema file drift apart:
    # run `python -m kepler_jupyter.schema.generate` (and `npm run build:schema`)
    schema = json.loads(API_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$defs"]["ExperimentRecord"] == record_json_schema()


def _write_lines(journal: Journal, lines: list[str]) -> None:
    journal.kepler_dir.mkdir(parents=True, exist_ok=True)
    journal.path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth):
        value = {"a": value}
    return value


def test_journal_reads_hand_out_normalised_records_and_keep_the_others(journal):
    bad = _good("badrecord1", metrics="abc", created=12345)
    _write_lines(journal, [json.dumps(_good()), json.dumps(bad)])
    records = {record["id"]: record for record in journal.experiments()}
    assert "damaged" not in records["goodrecord"]
    assert records["badrecord1"]["damaged"] == [
        "created: expected a string, got an integer", "metrics: expected an object, got a string"]
    assert "metrics" not in journal.get("badrec")
    listed = {r["id"]: r for r in journal.experiments(fields=("name", "metrics"))}
    assert "metrics" in listed["goodrecord"] and "metrics" not in listed["badrecord1"]
    assert {r["id"] for r in journal.search(status="completed")} == {"goodrecord", "badrecord1"}
    assert [r["id"] for r in journal.query(lambda r: "metrics" not in r)] == ["badrecord1"]
    frame = journal.to_dataframe()
    assert set(frame["id"]) == {"goodrecord", "badrecord1"}


def test_a_line_nested_too_deeply_is_a_damaged_line(journal):
    deep = _good("deeprecord", params=_nested(MAX_NESTING + 5))
    deep_in_tail = _good("deeptail00", env={"x": "y" * 300, **_nested(MAX_NESTING + 5)})
    _write_lines(journal, [json.dumps(_good()), json.dumps(deep), json.dumps(deep_in_tail)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ids = [record["id"] for record in journal.experiments()]
    assert ids == ["goodrecord"]
    assert any(issubclass(w.category, JournalDamageWarning) for w in caught)
    fine = _good("shallow000", params=_nested(MAX_NESTING - 10))
    _write_lines(journal, [json.dumps(fine)])
    assert Journal(journal.project_dir).get("shallow000")["params"] == fine["params"]


def _chain(depth: int, inner) -> list:
    value = inner
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(("closers", "openers"), [
    ("]" * 29, "[" * 29),
    ('}\\"]' * 15, '{\\"[' * 15),  # escaped quotes inside the strings
    ("\\" + "]" * 29, "[" * 29 + "\\"),  # escaped backslashes before the closing quote
])
def test_brackets_in_strings_neither_hide_nor_fake_depth(journal, closers, openers):
    # a string of closing brackets, then one of opening ones, would make a line 73 levels deep
    # look 44 deep to a count of its brackets
    hidden = _good("hiddendeep", params={"x": _chain(30, [closers, _chain(40, 1), openers])})
    fake = _good("fakedeeper", source={"cell": "[" * 200 + closers + "{" * 200})
    _write_lines(journal, [json.dumps(hidden), json.dumps(fake)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JournalDamageWarning)
        assert [record["id"] for record in journal.experiments()] == ["fakedeeper"]


def test_json_safe_never_recurses_without_bound():
    deep: list = []
    for _ in range(50_000):
        deep = [deep]
    safe = json_safe({"deep": deep})
    json.dumps(safe)  # would raise RecursionError if the depth were not bounded
    looped: dict = {}
    looped["self"] = looped
    assert json_safe(looped) == {"self": "<recursion>"}


def test_a_very_deep_value_is_written_shallow_enough_to_read_back(journal):
    journal.add({"id": "deepwrite0", "params": _nested(5_000)})
    assert Journal(journal.project_dir).get("deepwrite0")["id"] == "deepwrite0"


def test_summary_reads_the_stored_one_and_computes_only_when_missing():
    record = _good()
    computed = summarize(record)
    assert computed["model_class"] == "Sequential" and computed["n_layers"] == 1
    assert computed["settings"] == {"optimizer": "Adam", "learning_rate": 0.01, "epochs": 2}
    assert (computed["n_errors"], computed["n_warnings"]) == (0, 1)
    stored = {**computed, "model_class": "Stored"}
    assert summary({**record, "summary": stored})["model_class"] == "Stored"
    assert summary(record) == computed
    assert summarize(_good(model="x", findings="y", params=None))["n_errors"] == 0


def test_metrics_are_scores_not_their_bookkeeping():
    record = _good(metrics={"train_score": 0.9, "train_score_n": 100, "score_name": "accuracy",
                            "n_iter": 7, "cv_fold_scores": [0.8], "val_loss": float("nan")})
    assert metric_items(record) == {"train_score": 0.9}


def test_scores_mean_what_their_estimator_computes():
    pca = _good(model={"class": "PCA"}, metrics={"train_score": 8.99, "score_name": "score"})
    logistic = _good(model={"class": "LogisticRegression"},
                     metrics={"train_score": 0.989, "score_name": "accuracy"})
    forest = _good(model={"class": "RandomForestClassifier"},
                   metrics={"train_score": 0.95, "score_name": "accuracy"})
    assert score_meaning(pca, "train_score") != score_meaning(logistic, "train_score")
    assert score_meaning(forest, "train_score") == score_meaning(logistic, "train_score")
    assert score_meaning(pca, "val_loss") == score_meaning(logistic, "val_loss")


def test_to_dataframe_has_hypothesis_and_conclusion(journal):
    journal.add(_good(notes={"hypothesis": "wider helps", "conclusion": "it did"}))
    frame = journal.to_dataframe()
    assert frame.loc[0, "hypothesis"] == "wider helps"
    assert frame.loc[0, "conclusion"] == "it did"
