"""Similar models: ordering by similarity, same data first, transfer hints."""

from __future__ import annotations

import pytest

from kepler_jupyter.history.similarity import (
    Similar,
    record_features,
    similar_experiments,
    similarity_scores,
    transfer_hint,
)

from .records import keras_record, sklearn_record


def test_features_describe_architecture_and_settings():
    features = record_features(keras_record(hidden=(128, 64), dropout=0.2, learning_rate=1e-3))
    assert features["n:depth"] == 5.0  # two Dense, two Dropout, the output layer
    assert features["c:layer=Dense"] > features["c:layer=Dropout"] > 0
    assert features["n:learning_rate"] == pytest.approx(-3.0)
    assert "c:optimizer=adam" in features and "c:class=Sequential" in features
    sk = record_features(sklearn_record(estimator_params={"C": 0.1, "kernel": "rbf", "random_state": 0}))
    assert "n:p:C" in sk and "c:p:kernel=rbf" in sk and "n:p:random_state" not in sk


def test_scores_order_models_by_how_alike_they_are():
    query = keras_record(hidden=(64,), learning_rate=1e-3)
    twin = keras_record(hidden=(64,), learning_rate=1e-3, data="elsewhere")
    near = keras_record(hidden=(64,), learning_rate=3e-3)
    wider = keras_record(hidden=(256, 256), learning_rate=1e-3)
    far = keras_record(hidden=(512, 512, 512), activation="tanh", learning_rate=0.3, optimizer="sgd")
    forest = sklearn_record(estimator="RandomForestClassifier", estimator_params={"n_estimators": 100})
    scores = similarity_scores(query, [twin, near, wider, far, forest])
    assert scores[0] == pytest.approx(1.0)
    assert list(scores) == sorted(scores, reverse=True)


def test_same_data_comes_first_and_the_record_is_not_its_own_neighbour(journal):
    query = keras_record(hidden=(64,), data="digits")
    twin_other_data = keras_record(hidden=(64,), data="fashion")
    different_same_data = keras_record(hidden=(512, 256, 128), learning_rate=0.05, data="digits")
    failed_same_data = keras_record(hidden=(64,), data="digits", status="running")
    for record in (query, twin_other_data, different_same_data, failed_same_data):
        journal.add(record)
    found = similar_experiments(journal, query, k=5)
    assert [item.record["id"] for item in found] == [different_same_data["id"], twin_other_data["id"]]
    assert [item.same_data for item in found] == [True, False]
    assert found[1].score > found[0].score  # the twin is more alike, but on other data
    assert similar_experiments(journal, query, k=5, statuses=None)[0].record["id"] in (
        failed_same_data["id"], different_same_data["id"])
    assert len(similar_experiments(journal, query, k=1)) == 1


def test_transfer_hint_points_to_saved_weights_of_a_model_trained_on_other_data():
    saved = keras_record(artifacts={"model": ".kepler/models/abc.keras"}, data="imagenet-ish")
    assert "transfer learning" in transfer_hint(Similar(saved, 0.9, same_data=False))
    assert ".kepler/models/abc.keras" in transfer_hint(Similar(saved, 0.9, same_data=False))
    assert transfer_hint(Similar(saved, 0.9, same_data=True)) is None
    assert transfer_hint(Similar(keras_record(), 0.9, same_data=False)) is None


def test_search_over_ten_thousand_records():
    # the time it takes is measured by benchmarks/similarity_benchmark.py
    records = [keras_record(hidden=(32 * (1 + i % 8),) * (1 + i % 4), learning_rate=10 ** -(1 + i % 4),
                            data=f"d{i % 7}") if i % 3 else
               sklearn_record(estimator_params={"C": 0.01 * (1 + i % 50), "penalty": "l2"}, data=f"d{i % 7}")
               for i in range(10_000)]
    query = keras_record(hidden=(64, 64), data="d1")
    found = similar_experiments(records, query, k=5)
    assert len(found) == 5 and all(item.same_data for item in found)
    assert all(item.record["data"]["fingerprints"]["X"] == query["data"]["fingerprints"]["X"]
               for item in found)
