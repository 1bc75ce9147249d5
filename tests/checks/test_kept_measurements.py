"""Data measurements kept between fits on the same data (checks/measure/kept.py): the next fit
starts from them, a change to the data's content (in place too) measures it again."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import kepler_jupyter
from kepler_jupyter.checks.measure import column_stats, kept


@pytest.fixture
def summaries(monkeypatch):
    """The names of the inputs whose column statistics were computed, in order."""
    kept.clear()
    computed: list[str] = []
    original = column_stats._summarise

    def counting(name, array, *args, **kwargs):
        computed.append(name)
        return original(name, array, *args, **kwargs)

    monkeypatch.setattr(column_stats, "_summarise", counting)
    yield computed
    kept.clear()


def _fit(X, y) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with kepler_jupyter.watch(display="none") as session:
            LogisticRegression().fit(X, y)
    return {finding["code"] for finding in session.last["findings"]}


def _data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 6))
    X[:, 5] = X[:, 4] * 2.0 + 1.0  # a redundant copy: K309
    return X, (X[:, 0] > 0).astype(int)


def test_a_second_fit_on_the_same_data_reuses_its_measurements(project, summaries):
    X, y = _data()
    first = _fit(X, y)
    assert summaries == ["X"]
    second = _fit(X.copy(), y)  # another object, the same content
    assert summaries == ["X"]  # nothing read again
    assert first == second and "K309" in first


def test_data_changed_in_place_is_measured_again(project, summaries):
    X, y = _data()
    assert "K308" not in _fit(X, y)
    X[:, 2] = 7.0  # the same array object, now with a constant column
    assert "K308" in _fit(X, y)
    assert summaries == ["X", "X"]


def test_large_data_is_not_kept(project, summaries, monkeypatch):
    monkeypatch.setattr(kept, "MAX_BYTES", 1000)
    X, y = _data()
    _fit(X, y)
    _fit(X, y)
    assert summaries == ["X", "X"]


def test_only_the_last_data_sets_are_kept(project, summaries):
    X, y = _data()
    others = [X + shift for shift in (1.0, 2.0, 3.0)]
    for data in [X, *others, X]:  # X was pushed out by the three others
        _fit(data, y)
    assert len(summaries) == 5
