"""DataFrames of every shape, dtype and column label go through the pre-fit checks: no check may
fail internally (K000), and findings name columns by their labels.

A hypothesis property test draws frames with int, str and MultiIndex column labels and float,
int, nullable-int, bool, nullable-bool, categorical, string, datetime and all-missing columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.tree import DecisionTreeClassifier

from kepler_jupyter import checks

COLUMN_KINDS = ("float", "int", "Int64", "bool", "boolean", "category", "string", "object",
                "datetime", "constant", "nan", "inf")


def _column(kind: str, n: int, rng: np.random.Generator) -> pd.Series:
    if kind == "float":
        return pd.Series(rng.normal(size=n) * rng.choice([1e-3, 1, 1e4]))
    if kind == "int":
        return pd.Series(rng.integers(-5, 300, size=n))
    if kind == "Int64":
        values = pd.array(rng.integers(0, 10, size=n), dtype="Int64")
        values[rng.random(n) < 0.2] = pd.NA
        return pd.Series(values)
    if kind == "bool":
        return pd.Series(rng.random(n) < 0.5)
    if kind == "boolean":
        values = pd.array(rng.random(n) < 0.5, dtype="boolean")
        values[rng.random(n) < 0.2] = pd.NA
        return pd.Series(values)
    if kind == "category":
        return pd.Series(pd.Categorical(rng.choice(["a", "b", "c"], size=n)))
    if kind == "string":
        values = pd.array(rng.choice(["x", "y", "zz"], size=n), dtype="string")
        values[rng.random(n) < 0.1] = pd.NA
        return pd.Series(values)
    if kind == "object":
        return pd.Series(rng.choice(["p", "q"], size=n).astype(object))
    if kind == "datetime":
        return pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 99, n), "D"))
    if kind == "constant":
        return pd.Series(np.full(n, 3.0))
    if kind == "nan":
        return pd.Series(np.full(n, np.nan))
    values = rng.normal(size=n)
    values[0] = np.inf
    return pd.Series(values)


@st.composite
def frames(draw: st.DrawFn) -> tuple[pd.DataFrame, np.ndarray]:
    n_rows = draw(st.integers(min_value=1, max_value=60))
    kinds = draw(st.lists(st.sampled_from(COLUMN_KINDS), min_size=1, max_size=6))
    labels = draw(st.sampled_from(["int", "str", "multi", "mixed"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    frame = pd.concat([_column(kind, n_rows, rng) for kind in kinds], axis=1)
    if labels == "str":
        frame.columns = [f"col {i}" for i in range(len(kinds))]
    elif labels == "multi":
        frame.columns = pd.MultiIndex.from_tuples([("group", i) for i in range(len(kinds))])
    elif labels == "mixed":
        frame.columns = [i if i % 2 else f"c{i}" for i in range(len(kinds))]
    y = rng.integers(0, draw(st.integers(1, 3)), size=n_rows)
    return frame, y


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_no_check_fails_internally_on_any_dataframe(data):
    frame, y = data
    for model in (DecisionTreeClassifier(), LogisticRegression()):
        findings = checks.run(model, frame, y, config={})
        failures = [f.message for f in findings if f.code == "K000"]
        assert failures == []


def test_constant_feature_with_integer_column_labels_is_named_by_its_label():
    """issue 12: K308 failed with ``KeyError: '0'`` on ``pd.DataFrame(X)``."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    X[:, 2] = 1.0
    y = (X[:, 0] > 0).astype(int)
    findings = checks.run(LogisticRegression(), pd.DataFrame(X), y, config={})
    assert not [f for f in findings if f.code == "K000"]
    (constant,) = [f for f in findings if f.code == "K308"]
    assert constant.evidence["columns"] == ["2"]


def test_multiindex_constant_column_is_named_by_its_label():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(100, 3)),
                         columns=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)]))
    frame[("b", 1)] = 0.5
    findings = checks.run(Ridge(), frame, rng.normal(size=100), config={})
    assert not [f for f in findings if f.code == "K000"]
    (constant,) = [f for f in findings if f.code == "K308"]
    assert constant.evidence["columns"] == ["('b', 1)"]


@pytest.mark.parametrize("form", ["csr", "csc", "coo"])
def test_sparse_inputs_get_cheap_checks_and_no_internal_failure(form):
    rng = np.random.default_rng(2)
    dense = rng.normal(size=(300, 20)) * (rng.random((300, 20)) < 0.1)
    dense[5, 3] = np.nan
    matrix = sparse.csr_matrix(dense).asformat(form)
    y = rng.integers(0, 2, size=300)
    findings = checks.run(LogisticRegression(), matrix, y, config={})
    assert not [f for f in findings if f.code == "K000"]
    assert [f.code for f in findings if f.code == "K301"] == ["K301"]  # found on .data
