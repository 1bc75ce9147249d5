"""K301–K305, K308, K309: each fires on a minimal bad example and stays silent on good data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from kepler_jupyter import checks

from .check_helpers import alarms, codes


def run(model, X, y, **kwargs):
    return checks.run(model, X, y, config={}, **kwargs)


def test_good_standardised_data_has_no_findings(blobs):
    X, y = blobs
    assert run(DecisionTreeClassifier(), X, y) == []


def test_nan_in_inputs_is_an_error_naming_rows_and_columns(blobs):
    X, y = blobs
    X = X.copy()
    X[[5, 9], 3] = np.nan
    X[11, 6] = np.inf
    found = [f for f in run(DecisionTreeClassifier(), X, y) if f.code == "K301"]
    assert len(found) == 1 and found[0].severity == "error"
    assert found[0].evidence["nan"] == 2 and found[0].evidence["inf"] == 1
    assert found[0].evidence["first_rows"] == [5, 9, 11]
    assert found[0].evidence["columns"][:2] == ["3", "6"]


def test_nan_in_validation_inputs_and_dataframes(blobs):
    X, y = blobs
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])
    frame.loc[3, "f2"] = np.nan
    found = [f for f in run(DecisionTreeClassifier(), frame, y) if f.code == "K301"]
    assert found and found[0].evidence["columns"] == ["f2"]
    X_val = X[:50].copy()
    X_val[0, 0] = np.nan
    # sklearn has no validation_data, but the check reads it whenever a fit has it
    subject = checks.CheckSubject("sklearn", DecisionTreeClassifier(), X, y, validation=(X_val, y[:50]))
    found = [f for f in checks.run_checks(subject, "data", config={}) if f.code == "K301"]
    assert [f.evidence["part"] for f in found] == ["validation"]


def test_nan_is_info_when_the_pipeline_handles_missing_values(blobs):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = blobs
    X = X.copy()
    X[[1, 2], 0] = np.nan
    handled = [HistGradientBoostingClassifier(), make_pipeline(SimpleImputer(), LogisticRegression()),
               make_pipeline(StandardScaler(), SimpleImputer(), LogisticRegression()),
               make_pipeline(ColumnTransformer([("num", make_pipeline(SimpleImputer(), StandardScaler()),
                                                 list(range(8)))]), LogisticRegression())]
    for model in handled:
        found = [f for f in run(model, X, y) if f.code == "K301"]
        assert [f.severity for f in found] == ["info"], model
    for model in (LogisticRegression(), make_pipeline(StandardScaler(), LogisticRegression())):
        assert [f.severity for f in run(model, X, y) if f.code == "K301"] == ["error"]
    X[3, 1] = np.inf  # infinities are not missing values: still an error
    assert [f.severity for f in run(HistGradientBoostingClassifier(), X, y) if f.code == "K301"] == ["error"]


def test_nan_in_labels_is_an_error(blobs):
    X, _ = blobs
    y = X[:, 0].astype(float)
    y[[4, 40]] = np.nan
    found = [f for f in run(DecisionTreeRegressor(), X, y) if f.code == "K302"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].evidence["rows"] == 2
    labels = np.array(["a", "b", None] * 200, dtype=object)
    assert "K302" in codes(run(DecisionTreeClassifier(), X, labels))


def test_duplicates_warn_above_the_threshold_and_inform_below(blobs):
    X, y = blobs
    doubled = np.vstack([X, X[:60]])
    found = [f for f in run(DecisionTreeClassifier(), doubled, np.r_[y, y[:60]]) if f.code == "K303"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].evidence["duplicates"] == 60
    one_repeat = np.vstack([X, X[:1]])
    found = [f for f in run(DecisionTreeClassifier(), one_repeat, np.r_[y, y[:1]]) if f.code == "K303"]
    assert found[0].severity == "info" and found[0].evidence["duplicates"] == 1
    tuned = checks.run(DecisionTreeClassifier(), doubled, np.r_[y, y[:60]],
                       config={"thresholds": {"K303": {"max_fraction": 0.5}}})
    assert [f.severity for f in tuned if f.code == "K303"] == ["info"]


def test_duplicates_are_expected_in_a_small_discrete_feature_space(rng):
    # three categorical-like columns with 3 levels: only 27 distinct rows exist
    X = rng.integers(0, 3, size=(500, 3)).astype(float)
    y = rng.integers(0, 2, 500)
    assert codes(run(DecisionTreeClassifier(), X, y)) == []


def test_conflicting_labels(blobs):
    X, y = blobs
    X2 = np.vstack([X, X[:20]])
    y2 = np.r_[y, (y[:20] + 1) % 3]
    found = [f for f in run(DecisionTreeClassifier(), X2, y2) if f.code == "K304"]
    assert len(found) == 1 and found[0].evidence["groups"] == 20
    assert found[0].severity == "warning"
    assert "K303" not in codes(run(DecisionTreeClassifier(), X2, y2))  # conflicts are not duplicates


def test_train_validation_overlap_with_validation_data_and_split(blobs, rng):
    X, y = blobs
    subject = checks.CheckSubject("sklearn", DecisionTreeClassifier(), X[:500], y[:500],
                                  validation=(np.vstack([X[500:], X[:30]]), np.r_[y[500:], y[:30]]))
    found = [f for f in checks.run_checks(subject, "data", config={}) if f.code == "K305"]
    assert found and found[0].evidence["shared"] == 30 and found[0].evidence["n_validation"] == 130
    # validation_split: the tail repeats rows of the head
    X_tail = np.vstack([X, X[:150]])
    y_tail = np.r_[y, y[:150]]
    subject = checks.CheckSubject("sklearn", DecisionTreeClassifier(), X_tail, y_tail, validation_split=0.2)
    found = [f for f in checks.run_checks(subject, "data", config={}) if f.code == "K305"]
    assert found and found[0].evidence["shared"] == 150
    # a clean stratified split is silent
    subject = checks.CheckSubject("sklearn", DecisionTreeClassifier(), X[:500], y[:500],
                                  validation=(X[500:], y[500:]))
    assert alarms(checks.run_checks(subject, "data", config={})) == []


def test_constant_features_are_verified_on_all_rows(blobs):
    X, y = blobs
    X = X.copy()
    X[:, 4] = 3.0
    found = [f for f in run(DecisionTreeClassifier(), X, y) if f.code == "K308"]
    assert found and found[0].evidence["columns"] == ["4"] and found[0].severity == "info"
    # constant on the sample rows but not on the whole column: not reported
    big = np.random.default_rng(0).normal(size=(60_000, 3))
    big[:, 1] = 0.0
    big[12_345, 1] = 1.0
    found = [f for f in run(DecisionTreeClassifier(), big, np.arange(60_000) % 2) if f.code == "K308"]
    assert found == [] or "1" not in found[0].evidence["columns"]


def test_constant_category_column_in_a_dataframe(blobs):
    X, y = blobs
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "colour": pd.Categorical(["red"] * len(X))})
    found = [f for f in run(DecisionTreeClassifier(), frame, y) if f.code == "K308"]
    assert found and found[0].evidence["columns"] == ["colour"]


def test_correlated_features_but_not_one_hot_pairs(blobs, rng):
    X, y = blobs
    copy = np.column_stack([X, 2 * X[:, 0] + 1 + rng.normal(0, 1e-3, len(X))])
    found = [f for f in run(DecisionTreeClassifier(), copy, y) if f.code == "K309"]
    assert found and found[0].evidence["pairs"][0][:2] == ("0", "8")
    # a binary category encoded as two dummy columns is perfectly anti-correlated by design
    dummy = (rng.random(len(X)) > 0.5).astype("float32")
    one_hot = np.column_stack([X, dummy, 1 - dummy])
    assert "K309" not in codes(run(DecisionTreeClassifier(), one_hot, y))


@pytest.mark.parametrize("estimator", [LogisticRegression(), DecisionTreeClassifier()])
def test_pandas_frame_with_categoricals_is_quiet(rng, estimator):
    n = 400
    frame = pd.DataFrame({
        "age": rng.normal(0, 1, n),
        "income": rng.normal(0, 1, n),
        "city": pd.Categorical(rng.choice(["paris", "lyon", "nice"], n)),
        "member": rng.random(n) > 0.5,
    })
    y = rng.integers(0, 2, n)
    found = checks.run(estimator, frame, y, config={}, select=["K3"])
    assert alarms(found) == [] and codes(found) == []


def test_duplicates_in_a_frame_with_categories_and_strings(rng):
    n = 300
    frame = pd.DataFrame({
        "size": rng.normal(0, 1, n),
        "city": pd.Categorical(rng.choice(["paris", "lyon", "nice"], n)),
        "note": rng.choice(["a", "b", "c", "d"], n).astype(object),
    })
    y = rng.integers(0, 2, n)
    doubled = pd.concat([frame, frame.iloc[:30]], ignore_index=True)
    found = checks.run(DecisionTreeClassifier(), doubled, np.r_[y, y[:30]], config={})
    assert "K000" not in codes(found)
    assert [f.evidence["duplicates"] for f in found if f.code == "K303"] == [30]
