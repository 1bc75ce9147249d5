"""Every way of training a scikit-learn estimator is journaled, preprocessing is not, through
``%%kepler fit`` in a real IPython shell and ``watch()``; calls return what they return
without kepler."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
from ipython_shells import run_cell
from sklearn.model_selection import cross_validate  # imported by name before any interception

import kepler_jupyter
from kepler_jupyter.journal import Journal
from kepler_jupyter.warnings import KeplerWarning

SETUP = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.normal(size=(120, 4))
y = (X[:, 0] + X[:, 1] > 0).astype(int)
X_val = rng.normal(size=(60, 4))
y_val = (X_val[:, 0] + X_val[:, 1] > 0).astype(int)
"""


@pytest.mark.parametrize("estimator", [
    "LogisticRegression()", "SVC()", "RidgeClassifier()", "KNeighborsClassifier()",
])
def test_a_score_inherited_from_a_mixin_is_the_validation_score(shell, project, estimator):
    run_cell(shell, SETUP + "from sklearn.linear_model import LogisticRegression, RidgeClassifier\n"
             "from sklearn.svm import SVC\nfrom sklearn.neighbors import KNeighborsClassifier\n")
    shell.run_cell_magic("kepler", "fit", f"clf = {estimator}.fit(X, y)\nval = clf.score(X_val, y_val)")
    (record,) = Journal(project).experiments()
    assert record["metrics"]["val_score"] == pytest.approx(shell.user_ns["val"])
    assert record["data"]["validation_scored"]["n_samples"] == 60


def test_fit_transform_and_fit_predict_are_experiments_returning_the_same(shell, project):
    run_cell(shell, SETUP + (
        "from sklearn.decomposition import PCA\nfrom sklearn.manifold import TSNE\n"
        "from sklearn.cluster import DBSCAN, KMeans\n"
        "def train():\n"
        "    return (PCA(2).fit_transform(X),\n"
        "            TSNE(2, perplexity=5, max_iter=250, random_state=0).fit_transform(X[:40]),\n"
        "            DBSCAN(eps=1.5).fit_predict(X),\n"
        "            KMeans(3, n_init=2, random_state=0).fit_predict(X))\n"
        "plain = train()\n"))
    shell.run_cell_magic("kepler", "fit", "watched = train()")
    for plain, watched in zip(shell.user_ns["plain"], shell.user_ns["watched"], strict=True):
        np.testing.assert_array_equal(plain, watched)
    records = Journal(project).experiments()
    assert [r["model"]["class"] for r in records] == ["PCA", "TSNE", "DBSCAN", "KMeans"]
    assert all(r["status"] == "completed" for r in records)
    assert records[0]["data"]["n_samples"] == 120 and records[1]["data"]["n_samples"] == 40


def test_preparation_is_not_an_experiment_and_is_noted_by_the_next_one(shell, project):
    run_cell(shell, SETUP + (
        "from sklearn.preprocessing import StandardScaler, LabelEncoder, OneHotEncoder\n"
        "from sklearn.impute import SimpleImputer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        # labels that would draw findings (imbalance) if they were training data
        "names = ['cat'] * 95 + ['dog'] * 5 + ['cat'] * 20\n"))
    cell = ("encoder = LabelEncoder().fit(names)\n"
            "Xs = StandardScaler().fit_transform(SimpleImputer().fit_transform(X))\n"
            "OneHotEncoder().fit(X[:, :1] > 0)\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shell.run_cell_magic("kepler", "fit", cell)
    assert not [w for w in caught if issubclass(w.category, KeplerWarning)]
    assert Journal(project).experiments() == []  # preparation alone journals nothing
    assert list(shell.user_ns["encoder"].classes_) == ["cat", "dog"]

    shell.run_cell_magic("kepler", "fit", cell + "clf = LogisticRegression().fit(Xs, encoder.transform(names))\n"
                         "second = LogisticRegression(C=0.5).fit(Xs, y)\n")
    first, second = Journal(project).experiments()
    expected = ["LabelEncoder", "SimpleImputer", "StandardScaler", "OneHotEncoder"]
    assert first["data"]["preparation"] == second["data"]["preparation"] == expected
    assert first["model"]["class"] == "LogisticRegression"


def test_cross_validation_functions_imported_by_name_are_one_experiment_each(shell, project):
    run_cell(shell, SETUP + (
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.model_selection import cross_validate, cross_val_score\n"
        "from sklearn.model_selection import learning_curve as curve  # under any name\n"
        "sizes = [0.5, 1.0]\n"
        "plain = (cross_validate(LogisticRegression(), X, y, cv=3)['test_score'],\n"
        "         cross_val_score(LogisticRegression(), X, y, cv=4),\n"
        "         curve(LogisticRegression(), X, y, cv=3, train_sizes=sizes)[2])\n"))
    shell.run_cell_magic("kepler", "fit", (
        "watched = (cross_validate(LogisticRegression(), X, y, cv=3)['test_score'],\n"
        "           cross_val_score(LogisticRegression(), X, y, cv=4),\n"
        "           curve(LogisticRegression(), X, y, cv=3, train_sizes=sizes)[2])\n"))
    for plain, watched in zip(shell.user_ns["plain"], shell.user_ns["watched"], strict=True):
        np.testing.assert_array_equal(plain, watched)
    cv, score, curve = Journal(project).experiments()
    assert (cv["kind"], score["kind"], curve["kind"]) == ("cross_validation", "cross_validation", "learning_curve")
    assert cv["metrics"]["cv_fold_scores"] == pytest.approx(list(shell.user_ns["plain"][0]))
    assert score["metrics"]["n_splits"] == 4
    test_scores = shell.user_ns["plain"][2]
    assert curve["history"]["val_score"] == pytest.approx(list(test_scores.mean(axis=1)))
    assert curve["metrics"]["cv_score"] == pytest.approx(test_scores[-1].mean())
    assert len(curve["history"]["train_size"]) == 2
    from sklearn.model_selection import _validation

    # after the cell the user's names are scikit-learn's functions again
    assert shell.user_ns["cross_validate"] is _validation.cross_validate
    assert shell.user_ns["curve"] is _validation.learning_curve


def test_cross_validate_imported_by_a_module_before_watch(project):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 3))
    y = (X[:, 0] > 0).astype(int)
    with kepler_jupyter.watch(display="none") as run:
        # this test module bound cross_validate at import time, before the interception
        result = cross_validate(LogisticRegression(), X, y, cv=3)
    (record,) = Journal(project).experiments()
    assert record["id"] == run.last["id"] and record["kind"] == "cross_validation"
    assert record["metrics"]["cv_fold_scores"] == pytest.approx(list(result["test_score"]))
    assert not hasattr(sys.modules[__name__].cross_validate, "__kepler_original__")


def test_a_partial_fit_loop_is_one_experiment_with_its_history(shell, project, monkeypatch):
    from kepler_jupyter.run import loops

    # the score's time budget would let a loaded machine score fewer calls: no limit here
    monkeypatch.setattr(loops, "SCORE_GRACE_S", 60.0)
    run_cell(shell, SETUP + (
        "from sklearn.linear_model import SGDClassifier\n"
        "from sklearn.neural_network import MLPClassifier\n"
        "def loop(model):\n"
        "    for start in range(0, 120, 20):\n"
        "        returned = model.partial_fit(X[start:start + 20], y[start:start + 20], classes=[0, 1])\n"
        "        assert returned is model\n"
        "    return model\n"
        "plain = loop(SGDClassifier(random_state=0))\n"))
    shell.run_cell_magic("kepler", "fit --name online", (
        "sgd = loop(SGDClassifier(random_state=0))\n"
        "mlp = loop(MLPClassifier((8,), random_state=0))\n"))
    np.testing.assert_array_equal(shell.user_ns["plain"].coef_, shell.user_ns["sgd"].coef_)
    sgd, mlp = Journal(project).experiments()
    assert sgd["kind"] == "loop" and sgd["status"] == "completed"
    assert sgd["params"]["loop"] == {"method": "partial_fit", "calls": 6, "evaluations": 0,
                                     "point": "call", "samples_seen": 120}
    # the score on each batch before training on it: every call but the first
    scores = sgd["history"]["batch_score"]
    assert len(scores) == 5 and all(0.0 <= s <= 1.0 for s in scores)
    assert sgd["data"]["first_batch_only"] and sgd["data"]["n_samples"] == 20
    assert sgd["fingerprint"]["experiment"] is None  # a first batch does not identify a loop
    assert mlp["history"]["loss"] == pytest.approx(list(shell.user_ns["mlp"].loss_curve_))
    assert mlp["metrics"]["loss"] == pytest.approx(shell.user_ns["mlp"].loss_curve_[-1])


def test_the_batch_score_stays_within_its_time_budget(project, monkeypatch):
    from sklearn.linear_model import SGDClassifier

    from kepler_jupyter.run import loops

    monkeypatch.setattr(loops, "SCORE_GRACE_S", 0.0)
    monkeypatch.setattr(loops, "SCORE_BUDGET", 0.0)  # no time at all for scoring
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] > 0).astype(int)
    with kepler_jupyter.watch(display="none") as run:
        model = SGDClassifier(random_state=0)
        for start in range(0, 100, 10):
            model.partial_fit(X[start:start + 10], y[start:start + 10], classes=[0, 1])
    record = run.last
    assert record["params"]["loop"]["calls"] == 10
    assert record["history"].get("batch_score", []) == []


def test_scores_inside_a_partial_fit_loop_are_its_validation_rounds(project):
    from sklearn.linear_model import SGDClassifier

    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    with kepler_jupyter.watch(display="none") as run:
        model = SGDClassifier(random_state=0)
        scores = []
        for _ in range(3):  # three epochs of four batches, a validation score after each
            for start in range(0, 80, 20):
                model.partial_fit(X[start:start + 20], y[start:start + 20], classes=[0, 1])
            scores.append(model.score(X[80:], y[80:]))
    record = run.last
    assert record["params"]["loop"]["point"] == "round"
    assert record["history"]["val_score"] == pytest.approx(scores)
    assert record["metrics"]["val_score"] == pytest.approx(scores[-1])


def test_watch_notes_preparation_and_journals_only_the_model(project):
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(4)
    X = rng.normal(size=(80, 5)) * 100.0
    with kepler_jupyter.watch(display="none") as run:
        scaled = StandardScaler().fit_transform(X)
        reduced = PCA(2, random_state=0).fit_transform(scaled)
    np.testing.assert_array_equal(reduced, PCA(2, random_state=0).fit_transform(scaled))
    (record,) = Journal(project).experiments()
    assert record["id"] == run.last["id"] and record["model"]["class"] == "PCA"
    assert record["data"]["preparation"] == ["StandardScaler"]
