"""The per-fit look-ups answered from the journal's index agree with reading every record."""

from __future__ import annotations

import random

import pytest

from kepler_jupyter.history.goal import Goal, best_experiment
from kepler_jupyter.history.repeats import after_fit_report, find_same_experiment, nearest_earlier
from kepler_jupyter.history.similarity import similar_experiments

from .records import keras_record, sklearn_record


def _fill(journal, n: int = 40) -> list[dict]:
    rng = random.Random(7)
    records = []
    for index in range(n):
        if index % 3 == 0:
            record = sklearn_record(
                estimator=rng.choice(["LogisticRegression", "RandomForestClassifier"]),
                estimator_params={"C": rng.choice([0.1, 1.0, 10.0]), "max_iter": 100},
                data=rng.choice(["iris", "wine"]), score=rng.random(),
                status=rng.choice(["completed", "completed", "failed"]))
        else:
            record = keras_record(hidden=(rng.choice([16, 64, 256]),) * rng.randint(1, 3),
                                  learning_rate=rng.choice([1e-2, 1e-3, 1e-4]),
                                  data=rng.choice(["mnist-small", "digits"]),
                                  final_accuracy=rng.random(), dropout=rng.choice([None, 0.2]),
                                  status=rng.choice(["completed", "stopped", "interrupted"]))
        journal.add(record)
        records.append(record)
    return records


def _ids(found) -> list[str]:
    return [item.record["id"] for item in found]


def test_similar_models_from_stored_vectors_match_the_full_computation(journal):
    records = _fill(journal)
    assert journal.indexed() is not None
    for query in (records[5], records[9], keras_record(hidden=(64, 64)), sklearn_record()):
        from_index = similar_experiments(journal, query, k=5)
        from_records = similar_experiments(records, query, k=5)
        assert _ids(from_index) == _ids(from_records)
        assert [item.score for item in from_index] == pytest.approx(
            [item.score for item in from_records], abs=1e-5)
        assert [item.same_data for item in from_index] == [item.same_data for item in from_records]


def test_per_fit_lookups_agree_with_the_records(journal):
    records = _fill(journal)
    repeat = dict(records[4], id="again", created="2030-01-01T00:00:00+00:00", status="running")
    journal.add(repeat)
    everything = [*records, repeat]
    assert find_same_experiment(journal, repeat["fingerprint"], exclude_id="again") == \
        find_same_experiment(everything, repeat["fingerprint"], exclude_id="again")
    for record in (records[20], records[33], repeat):
        assert nearest_earlier(journal, record) == nearest_earlier(everything, record)
        indexed = after_fit_report(journal, record, Goal("val_accuracy"), k=3)
        listed = after_fit_report(everything, record, Goal("val_accuracy"), k=3)
        assert _ids(indexed.similar) == _ids(listed.similar)
        assert indexed.summary == listed.summary
    for goal in (Goal("val_accuracy"), Goal("val_score", "min"), Goal("missing")):
        assert best_experiment(journal, goal) == best_experiment(everything, goal)


def test_vectors_follow_updates_of_the_journal(journal):
    records = _fill(journal, 10)
    query = records[1]
    first = similar_experiments(journal, query, k=3)
    journal.update(first[0].record["id"], {"status": "failed", "params": {"learning_rate": 1.0}})
    journal.add(dict(query, id="twin", created="2031-01-01T00:00:00+00:00"))
    again = similar_experiments(journal, query, k=3)
    assert again[0].record["id"] == "twin" and again[0].score == pytest.approx(1.0)
    assert _ids(again) == _ids(similar_experiments(list(journal.experiments()), query, k=3))


def test_matrices_kept_up_to_date_in_place_equal_a_fresh_load(journal):
    from kepler_jupyter.history import similar_index

    records = _fill(journal, 12)
    query = records[2]
    similar_experiments(journal, query, k=3)  # loads the matrices
    before = similar_index._cache[journal.indexed().index.path].arrays
    for index, record in enumerate(records[:6]):  # new fits of known kinds, one by one
        again = dict(record, id=f"again{index}", created=f"2031-01-0{index + 1}T00:00:00+00:00",
                     status="running")
        journal.add(again)
        journal.update(again["id"], {"status": "completed" if index % 2 else "stopped"})
        similar_experiments(journal, query, k=3)
    kept = similar_index._cache[journal.indexed().index.path]
    assert kept.arrays is before  # updated in place, not rebuilt
    in_place = similar_experiments(journal, query, k=8)
    similar_index._cache.clear()
    fresh = similar_experiments(journal, query, k=8)
    assert _ids(in_place) == _ids(fresh)
    assert [item.score for item in in_place] == pytest.approx([item.score for item in fresh])


def test_partial_selection_orders_as_a_full_sort_with_ties_at_the_cut():
    import numpy as np

    from kepler_jupyter.history.similar_index import _top

    rng = np.random.default_rng(3)
    for size, k in ((1, 5), (7, 5), (200, 5), (200, 40)):
        # few distinct scores: many ties at the k-th place, broken by same data then order
        scores = rng.choice([0.2, 0.5, 0.5000001, 0.9, 1.0], size=size)
        same = rng.random(size) < 0.3
        rank = rng.permutation(size)
        full = np.lexsort((rank, -np.round(scores, 5), ~same))[:k]
        assert _top(scores, same, rank, k).tolist() == full.tolist()


def _kept_file(journal):
    from kepler_jupyter.history import similar_cache

    return similar_cache.cache_path(journal.indexed().index.path)


def test_matrices_kept_beside_the_index_give_a_new_process_the_same_answers(journal, monkeypatch):
    from kepler_jupyter.history import similar_cache, similar_index

    monkeypatch.setattr(similar_cache, "MIN_ROWS", 1)
    records = _fill(journal, 30)
    queries = (records[4], records[11], keras_record(hidden=(64, 64)))
    expected = [similar_experiments(journal, query, k=6) for query in queries]
    state = journal.indexed().index.state()
    from_file = similar_cache.load(_kept_file(journal), state.generation, state.next_rev)
    assert from_file is not None and from_file.arrays is not None and len(from_file.ids) == 30
    similar_index._cache.clear()  # as a new process: the kept file, not SQLite
    loaded = [similar_experiments(journal, query, k=6) for query in queries]
    kept = similar_index._cache[journal.indexed().index.path]
    assert kept.cache is not None and len(kept.ids) == 30
    for found, wanted in zip(loaded, expected, strict=True):
        assert _ids(found) == _ids(wanted)
        assert [item.score for item in found] == pytest.approx([item.score for item in wanted])
    # rows written after the file: read from SQLite on top of it, as the records say
    journal.update(expected[0][0].record["id"], {"status": "failed"})
    journal.add(dict(records[4], id="twin", created="2031-01-01T00:00:00+00:00", status="completed"))
    similar_index._cache.clear()
    after = similar_experiments(journal, records[4], k=6)
    assert "twin" in _ids(after) and after[_ids(after).index("twin")].score == pytest.approx(1.0)
    assert _ids(after) == _ids(similar_experiments(list(journal.experiments()), records[4], k=6))


def test_a_stale_or_damaged_kept_file_is_ignored(journal, monkeypatch):
    from kepler_jupyter.history import similar_cache, similar_index

    monkeypatch.setattr(similar_cache, "MIN_ROWS", 1)
    records = _fill(journal, 12)
    similar_experiments(journal, records[2], k=4)
    path = _kept_file(journal)
    stale = path.read_bytes()
    journal.delete(records[3]["id"])  # a removal: a new generation of the index
    for content in (stale, b"not a numpy file", stale[: len(stale) // 2]):
        path.write_bytes(content)
        similar_index._cache.clear()
        found = similar_experiments(journal, records[2], k=4)
        assert records[3]["id"] not in _ids(found)
        assert _ids(found) == _ids(similar_experiments(list(journal.experiments()), records[2], k=4))
