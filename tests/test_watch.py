"""kepler_jupyter.watch() in a plain Python script: same journaling, plain-text output."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kepler_jupyter.journal import Journal

SCRIPT = """
import numpy as np
from sklearn.ensemble import RandomForestClassifier
import kepler_jupyter

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 3))
y = (X[:, 0] > 0).astype(int)
with kepler_jupyter.watch(name="forest", hypothesis="trees need no scaling", tags=["script"]) as run:
    model = RandomForestClassifier(n_estimators=10, random_state=0)
    returned = model.fit(X, y)
assert returned is model
print("RECORDS", len(run.records), run.last["status"])
"""


def test_watch_in_a_script_journals_and_prints_plain_text(project):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, cwd=project
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RECORDS 1 completed" in done.stdout
    assert "kepler: experiment" in done.stdout and "'forest' completed" in done.stdout
    assert "<div" not in done.stdout  # plain text, no widget markup
    (record,) = Journal(project).experiments()
    assert record["name"] == "forest" and record["tags"] == ["script"]
    assert record["notes"]["hypothesis"] == "trees need no scaling"
    assert record["params"]["estimator_params"]["n_estimators"] == 10


def test_watch_rejects_a_wrong_option_with_a_clear_message(project):
    import kepler_jupyter

    with pytest.raises(ValueError, match="on_duplicate must be one of warn, skip, ask"):
        with kepler_jupyter.watch(on_duplicate="maybe"):
            pass


def test_watch_records_each_fit_and_numbers_repeated_names(project):
    import numpy as np
    from sklearn.linear_model import LinearRegression

    import kepler_jupyter

    X = np.arange(20, dtype=float).reshape(-1, 1)
    y = 2 * X[:, 0] + 1
    with kepler_jupyter.watch(name="line", display="none") as run:
        LinearRegression().fit(X, y)
        LinearRegression().fit(X, y + 1)
    assert [r["name"] for r in run.records] == ["line", "line #2"]
    assert {r["id"] for r in Journal(project).experiments()} == {r["id"] for r in run.records}


def test_cross_val_score_is_journaled_once_with_the_fold_scores(project):
    import numpy as np
    from sklearn import model_selection
    from sklearn.linear_model import LogisticRegression

    import kepler_jupyter

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    with kepler_jupyter.watch(display="none") as run:
        scores = model_selection.cross_val_score(LogisticRegression(), X, y, cv=4)
    (record,) = Journal(project).experiments()
    assert record["id"] == run.last["id"] and record["kind"] == "cross_validation"
    assert record["params"]["cross_validation"]["cv"] == 4
    assert record["metrics"]["cv_fold_scores"] == pytest.approx(list(scores))
    assert record["metrics"]["cv_score"] == pytest.approx(scores.mean())
    assert record["data"]["n_samples"] == 120


def test_works_for_scikit_learn_users_without_tensorflow(project):
    # importing keras / tensorflow fails in this process, as on a machine without them
    script = (
        "import sys\n"
        "sys.modules['keras'] = None\n"
        "sys.modules['tensorflow'] = None\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'kepler_jupyter')\n"
        "shell.run_cell('from sklearn.tree import DecisionTreeClassifier')\n"
        "result = shell.run_cell('%%kepler fit --name tree\\n"
        "DecisionTreeClassifier().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])')\n"
        "assert result.success, result.error_in_exec\n"
        "print(shell.run_line_magic('kepler', 'list'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=project
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "KeplerInternalWarning" not in done.stderr
    (record,) = Journal(project).experiments()
    assert record["name"] == "tree" and record["status"] == "completed"
