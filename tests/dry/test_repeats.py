"""Experiment identity in the journal: finding the same experiment, the nearest earlier one,
and what changed between them."""

from __future__ import annotations

import copy
import json

from kepler_jupyter.history.goal import Goal
from kepler_jupyter.history.repeats import (
    describe_changes,
    diff_layers,
    find_same_experiment,
    nearest_earlier,
)

from .records import keras_record, sklearn_record


def _rerun(record: dict, status: str) -> dict:
    """The same experiment run again later: same fingerprint, new id, another status."""
    again = copy.deepcopy(record)
    again["id"] = record["id"] + status[:3]
    again["created"] = record["created"].replace("+00:00", ".5+00:00")
    again["status"] = status
    return again


def test_same_experiment_ignores_unfinished_runs_and_finds_the_latest_done(journal):
    first = keras_record(status="completed")
    journal.add(first)
    for status in ("failed", "interrupted", "blocked", "running"):
        journal.add(_rerun(first, status))
    found = find_same_experiment(journal, first["fingerprint"])
    assert found is not None and found["id"] == first["id"]

    stopped = _rerun(first, "stopped")
    journal.add(stopped)
    assert find_same_experiment(journal, first["fingerprint"])["id"] == stopped["id"]
    # the string key works as well, and the new fit's own id is never its own duplicate
    assert find_same_experiment(journal, first["fingerprint"]["experiment"],
                                exclude_id=stopped["id"])["id"] == first["id"]


def test_only_failed_runs_are_not_a_duplicate(journal):
    failed = keras_record(status="failed")
    journal.add(failed)
    journal.add(_rerun(failed, "interrupted"))
    assert find_same_experiment(journal, failed["fingerprint"]) is None


def test_another_learning_rate_is_another_experiment(journal):
    journal.add(keras_record(learning_rate=1e-3))
    other = keras_record(learning_rate=1e-2)
    assert find_same_experiment(journal, other["fingerprint"]) is None


def test_nearest_earlier_prefers_same_data_then_similarity(journal):
    same_data_far = keras_record(hidden=(512, 512, 512), learning_rate=0.1, optimizer="sgd")
    other_data_close = keras_record(hidden=(64,), data="other-data")
    same_data_close = keras_record(hidden=(64,), learning_rate=2e-3)
    unrelated = sklearn_record()
    for record in (same_data_far, other_data_close, same_data_close, unrelated):
        journal.add(record)
    new = keras_record(hidden=(64,), learning_rate=1e-3)
    journal.add(new)
    later = keras_record(hidden=(64,), learning_rate=1e-3, name="later")
    journal.add(later)

    nearest = nearest_earlier(journal, new)
    assert nearest["id"] == same_data_close["id"]
    # nothing journaled after the record is "earlier"
    assert nearest_earlier(journal, same_data_far) is None


def test_describe_changes_lists_settings_layers_data_and_metric():
    earlier = keras_record(hidden=(64,), learning_rate=1e-3, final_accuracy=0.90)
    record = keras_record(hidden=(128, 64), learning_rate=1e-2, final_accuracy=0.93, n_samples=1200,
                          data="mnist-bigger")
    # Keras numbers optimizer names per session and copies the learning rate into its config:
    # neither is a change worth reporting
    earlier["params"]["optimizer_config"].update(name="adam", learning_rate=1e-3)
    record["params"]["optimizer_config"].update(name="adam_1", learning_rate=1e-2)
    changes = describe_changes(record, earlier, Goal("val_accuracy", "max", 0.97))

    assert set(changes["differs"]) == {"model", "data", "settings"}
    settings = {item["name"]: (item["before"], item["after"]) for item in changes["settings"]}
    assert settings == {"learning_rate": (1e-3, 1e-2)}
    layers = changes["architecture"]
    # 64→softmax became 128→64→softmax: the first layer widened, a 64-unit layer was added
    assert [change["fields"].get("units") for change in layers["changed"]] == [[64, 128]]
    assert [added["layer"] for added in layers["added"]] == ["Dense(64, relu)"]
    assert layers["removed"] == []
    data_names = {item["name"] for item in changes["data"]}
    assert {"n_samples", "X content", "y content"} <= data_names
    metric = changes["metric"]
    assert metric["metric"] == "val_accuracy" and metric["better"] is True
    assert abs(metric["delta"] - 0.03) < 1e-9
    assert abs(metric["distance"] - 0.04) < 1e-9

    summary = changes["summary"]
    json.dumps(summary)  # stored in the record: plain JSON only
    assert summary["earlier"] == earlier["id"]
    assert summary["layers"] == {"added": 1, "removed": 0, "changed": 1}
    assert "learning_rate 0.001 → 0.01" in summary["text"]
    assert "val_accuracy 0.9 → 0.93" in summary["text"]


def test_describe_changes_across_frameworks_lists_only_settings_both_have():
    """A Keras run after a scikit-learn one: the estimator's settings are not applicable to the
    network (and the other way round), so they are not listed as changed; the model class is."""
    earlier = sklearn_record()
    record = keras_record(learning_rate=1e-2)
    changes = describe_changes(record, earlier)
    assert changes["model_class"] is not None
    assert all(item["before"] is not None and item["after"] is not None
               for item in changes["settings"])
    # within one framework a setting that one run lacks is still a change
    plain = keras_record()
    tuned = keras_record()
    tuned["params"]["extra_setting"] = 3
    names = {item["name"] for item in describe_changes(tuned, plain)["settings"]}
    assert "extra_setting" in names


def test_describe_changes_of_the_same_experiment_says_so():
    earlier = keras_record()
    again = _rerun(earlier, "completed")
    changes = describe_changes(again, earlier)
    assert changes["differs"] == [] and changes["settings"] == []
    assert changes["summary"]["text"].startswith("Same experiment as")


def test_describe_changes_ignores_layer_names_and_sees_removed_layers():
    before = [{"name": "dense_1", "class": "Dense", "units": 32, "activation": "relu"},
              {"name": "dropout_1", "class": "Dropout", "units": None, "activation": None},
              {"name": "dense_2", "class": "Dense", "units": 10, "activation": "softmax"}]
    renamed = [dict(layer, name=layer["name"].replace("_", "_x")) for layer in before]
    assert diff_layers(before, renamed) == {"added": [], "removed": [], "changed": []}
    without_dropout = [renamed[0], renamed[2]]
    diff = diff_layers(before, without_dropout)
    assert diff["removed"] == [{"index": 1, "layer": "Dropout"}] and not diff["added"]


def test_describe_changes_for_sklearn_estimator_params():
    earlier = sklearn_record(estimator_params={"C": 1.0, "penalty": "l2"}, score=0.90)
    record = sklearn_record(estimator_params={"C": 0.1, "penalty": "l2"}, score=0.86)
    changes = describe_changes(record, earlier)  # no goal: val_score is the default metric
    assert "settings" in changes["differs"] and "data" not in changes["differs"]
    assert [item["name"] for item in changes["settings"]] == ["estimator_params.C"]
    assert changes["metric"]["metric"] == "val_score" and changes["metric"]["better"] is False


def _dense(units: int, activation: str, inputs: int) -> dict:
    return {"name": f"dense_{units}_{inputs}", "class": "Dense", "units": units, "activation": activation,
            "output_shape": [None, units], "n_params": inputs * units + units}


def _dropout(units: int, rate: float = 0.2) -> dict:
    return {"name": "dropout", "class": "Dropout", "units": None, "activation": None, "rate": rate,
            "output_shape": [None, units], "n_params": 0}


def test_an_inserted_layer_is_added_not_a_changed_neighbour():
    # Dense(8) → Dense(1) became Dense(16) → Dropout → Dense(1): no layer is identical any more
    # (the output layer's parameter count follows its wider input), yet only one was added
    before = [_dense(8, "relu", 4), _dense(1, "sigmoid", 8)]
    after = [_dense(16, "relu", 4), _dropout(16), _dense(1, "sigmoid", 16)]
    diff = diff_layers(before, after)
    assert diff["added"] == [{"index": 1, "layer": "Dropout"}] and diff["removed"] == []
    assert [(item["index"], item["fields"]) for item in diff["changed"]] == [
        (0, {"units": [8, 16], "output_shape": [[None, 8], [None, 16]], "n_params": [40, 80]}),
        (2, {"n_params": [9, 17]}),
    ]
    # and the other way round: the Dropout taken out again is removed, at its old place
    back = diff_layers(after, before)
    assert back["removed"] == [{"index": 1, "layer": "Dropout"}] and back["added"] == []
    assert [item["index"] for item in back["changed"]] == [0, 1]


def test_layers_of_another_class_are_removed_and_added_and_a_new_rate_is_a_change():
    before = [_dense(32, "relu", 4), _dropout(32, 0.2), _dense(3, "softmax", 32)]
    after = [{"name": "conv", "class": "Conv1D", "filters": 32, "activation": "relu",
              "output_shape": [None, 2, 32], "n_params": 128},
             _dropout(32, 0.5), _dense(3, "softmax", 32)]
    diff = diff_layers(before, after)
    assert diff["removed"] == [{"index": 0, "layer": "Dense(32, relu)"}]
    assert diff["added"] == [{"index": 0, "layer": "Conv1D(32, relu)"}]
    assert [(item["index"], item["fields"]) for item in diff["changed"]] == [(1, {"rate": [0.2, 0.5]})]
    # a new activation on a layer of the same class is a change of that layer
    tanh = diff_layers(before, [_dense(32, "tanh", 4), *before[1:]])
    assert not tanh["added"] and not tanh["removed"]
    assert tanh["changed"] == [{"index": 0, "layer": "Dense(32, tanh)",
                                "fields": {"activation": ["relu", "tanh"]}}]


def test_identical_layers_match_before_layers_of_the_same_kind():
    # removing the second of two equal hidden layers: the first keeps its place and parameters
    before = [_dense(64, "relu", 20), _dense(64, "relu", 64), _dense(10, "softmax", 64)]
    after = [_dense(64, "relu", 20), _dense(10, "softmax", 64)]
    diff = diff_layers(before, after)
    assert diff == {"added": [], "removed": [{"index": 1, "layer": "Dense(64, relu)"}], "changed": []}


def test_failed_runs_are_not_the_nearest_earlier_experiment():
    from kepler_jupyter.history.repeats import nearest_earlier

    done = {"id": "done1", "status": "completed", "created": "2026-01-01T00:00:00",
            "framework": "sklearn", "model": {"class": "LogisticRegression"}, "params": {}}
    failed = {**done, "id": "fail1", "status": "failed", "created": "2026-01-02T00:00:00"}
    new = {**done, "id": "new1", "status": "completed", "created": "2026-01-03T00:00:00"}
    assert nearest_earlier([done, failed, new], new)["id"] == "done1"
    assert nearest_earlier([failed, new], new) is None


def test_a_stream_without_data_fingerprint_is_never_called_the_same_data():
    """issue 11 defect 7: a tf.data fit has no data fingerprint; the text must not say "same"."""
    from kepler_jupyter.display.widgets.after_fit import AfterFitText
    from kepler_jupyter.history.repeats import AfterFit

    earlier = keras_record()
    earlier["fingerprint"]["data"] = None
    earlier["fingerprint"]["experiment"] = None
    again = _rerun(earlier, "completed")
    changes = describe_changes(again, earlier)
    assert changes["differs"] == [] and changes["unknown"] == ["data"]
    assert not changes["summary"]["text"].startswith("Same experiment")
    assert "data not comparable" in changes["summary"]["text"]
    text = AfterFitText(AfterFit(record=again, goal=None, earlier=earlier, changes=changes)).to_text()
    assert "Same model, data and settings" not in text
    assert "no data fingerprint" in text
