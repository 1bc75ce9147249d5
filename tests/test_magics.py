"""%kepler / %%kepler in a real IPython shell: loading, parsing and the journal they write."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from ipython_shells import run_cell

from kepler_jupyter.journal import Journal

SKLEARN_SETUP = """
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 4))
y = (X[:, 0] + X[:, 1] > 0).astype(int)
X_val = rng.normal(size=(50, 4))
y_val = (X_val[:, 0] + X_val[:, 1] > 0).astype(int)
clf = make_pipeline(StandardScaler(), LogisticRegression())
"""


run = run_cell


def test_load_twice_is_harmless_and_unload_removes_everything(shell):
    magics = shell.magics_manager.magics
    assert "kepler" in magics["line"] and "kepler" in magics["cell"]
    shell.run_line_magic("load_ext", "kepler_jupyter")
    from kepler_jupyter import load_ipython_extension

    load_ipython_extension(shell)  # a direct second call too
    assert sum(1 for name in shell.magics_manager.registry if name == "KeplerMagics") == 1
    shell.run_line_magic("unload_ext", "kepler_jupyter")
    assert "kepler" not in magics["line"] and "kepler" not in magics["cell"]
    assert not any(type(c).__name__ == "KeplerMagics" for c in shell.configurables)
    shell.run_line_magic("load_ext", "kepler_jupyter")
    assert "kepler" in magics["cell"]


def test_help_documents_every_option(shell):
    doc = shell.find_magic("kepler").__doc__
    for option in ("--name", "--hypothesis", "--tag", "--ignore", "--force", "--on-duplicate", "--save"):
        assert option in doc
    for subcommand in ("list", "show", "init", "compare", "grid"):
        assert f"%kepler {subcommand}" in doc


@pytest.mark.parametrize(
    "line, cell, message",
    [
        ("fit --nmae x", "pass", "unrecognized arguments"),
        ("fly", None, "unknown %kepler subcommand"),
        ("fit", None, "cell magic"),
        ("list", "pass", "line magic"),
        ("fit --on-duplicate never", "pass", "invalid choice"),
        ("show", None, "the following arguments are required"),
    ],
)
def test_user_mistakes_are_short_usage_errors(shell, line, cell, message):
    with pytest.raises(UsageError, match=message):
        if cell is None:
            shell.run_line_magic("kepler", line)
        else:
            shell.run_cell_magic("kepler", line, cell)


def test_sklearn_cell_is_journaled_with_real_values(shell, project):
    run(shell, SKLEARN_SETUP)
    cell = (
        '%%kepler fit --name baseline --hypothesis "linear is enough" --tag a --tag b\n'
        "returned = clf.fit(X, y)\n"
        "val = clf.score(X_val, y_val)\n"
    )
    run(shell, cell)
    assert shell.user_ns["returned"] is shell.user_ns["clf"]
    records = Journal(project).experiments()
    assert len(records) == 1
    record = records[0]
    assert record["status"] == "completed"
    assert record["name"] == "baseline"
    assert record["notes"]["hypothesis"] == "linear is enough"
    assert record["tags"] == ["a", "b"]
    assert record["framework"] == "sklearn"
    assert record["model"]["class"] == "Pipeline"
    assert record["data"]["n_samples"] == 200 and record["data"]["n_features"] == 4
    assert record["data"]["fingerprints"]["X"]
    assert 0.5 < record["metrics"]["train_score"] <= 1.0
    assert record["metrics"]["val_score"] == pytest.approx(shell.user_ns["val"])
    assert "clf.fit(X, y)" in record["source"]["cell"]
    assert record["env"]["packages"]["scikit-learn"]
    assert record["started"] and record["ended"] and record["duration_s"] >= 0


def test_a_failing_fit_reaches_the_user_unchanged_and_is_journaled(shell, project):
    run(shell, SKLEARN_SETUP)
    with pytest.raises(ValueError, match="Found input variables with inconsistent numbers"):
        shell.run_cell_magic("kepler", "fit --name broken", "clf.fit(X, y[:10])")
    (record,) = Journal(project).experiments()
    assert record["status"] == "failed"
    assert record["error"]["type"] == "ValueError"
    from sklearn.linear_model import LogisticRegression

    assert not hasattr(LogisticRegression.__dict__["fit"], "__kepler_original__")


def test_keyboard_interrupt_is_journaled_as_interrupted(shell, project):
    run(shell, SKLEARN_SETUP)
    run(
        shell,
        "from sklearn.base import BaseEstimator\n"
        "class Slow(BaseEstimator):\n"
        "    def fit(self, X, y):\n"
        "        raise KeyboardInterrupt\n",
    )
    with pytest.raises(KeyboardInterrupt):
        shell.run_cell_magic("kepler", "fit", "Slow().fit(X, y)")
    (record,) = Journal(project).experiments()
    assert record["status"] == "interrupted"


def test_fits_outside_kepler_cells_are_not_journaled(shell, project):
    run(shell, SKLEARN_SETUP)
    run(shell, "clf.fit(X, y)")
    assert Journal(project).experiments() == []


def test_list_and_show(shell, project):
    run(shell, SKLEARN_SETUP)
    shell.run_cell_magic("kepler", "fit --name first", "clf.fit(X, y)")
    table = shell.run_line_magic("kepler", "list")
    assert "first" in repr(table) and "completed" in repr(table)
    (record,) = Journal(project).experiments()
    view = shell.run_line_magic("kepler", f"show {record['id'][:6]}")
    assert record["id"] in repr(view) and "estimator_params" in repr(view)
    with pytest.raises(UsageError):
        shell.run_line_magic("kepler", "show nosuchid")


def test_init_points_the_kernel_at_another_project(shell, project, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    message = shell.run_line_magic("kepler", f"init {other}")
    assert str(other) in message and (other / ".kepler").is_dir()
    try:
        run(shell, SKLEARN_SETUP)
        shell.run_cell_magic("kepler", "fit", "clf.fit(X, y)")
        assert len(Journal(other).experiments()) == 1
    finally:
        from kepler_jupyter.journal import set_project_dir

        set_project_dir(None)


def test_last_expression_of_the_cell_is_its_value(shell):
    run(shell, SKLEARN_SETUP)
    value = shell.run_cell_magic("kepler", "fit", "clf.fit(X, y)\n41 + 1")
    assert value == 42


KERAS_SETUP = """
import numpy as np
import keras
keras.utils.set_random_seed(1)
X = np.random.default_rng(0).normal(size=(64, 5)).astype("float32")
y = (X[:, 0] > 0).astype("int64")
model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
"""


def test_keras_cell_is_journaled_with_history_and_returns_the_history(shell, project):
    pytest.importorskip("keras")
    run(shell, KERAS_SETUP)
    run(
        shell,
        "%%kepler fit --name mlp\n"
        "history = model.fit(X, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)",
    )
    history = shell.user_ns["history"]
    import keras

    assert isinstance(history, keras.callbacks.History)
    assert len(history.history["loss"]) == 3
    (record,) = Journal(project).experiments()
    assert record["status"] == "completed"
    assert record["history"]["loss"] == pytest.approx(history.history["loss"])
    assert record["metrics"]["val_loss"] == pytest.approx(history.history["val_loss"][-1])
    assert record["params"]["epochs"] == 3 and record["params"]["batch_size"] == 16
    assert record["params"]["optimizer"] == "adam"
    assert record["params"]["learning_rate"] == pytest.approx(0.01)
    assert record["model"]["n_params"] == model_params(shell)
    assert [layer["class"] for layer in record["model"]["layers"]] == ["Dense", "Dense"]
    assert record["data"]["label_distribution"]


def model_params(shell):
    return int(shell.user_ns["model"].count_params())


def test_records_carry_a_light_summary_for_listings(shell, project):
    run(shell, SKLEARN_SETUP)
    shell.run_cell_magic("kepler", "fit --name summarised", "clf.fit(X, y)")
    (record,) = Journal(project).experiments()
    assert record["summary"]["model_class"] == "Pipeline"
    assert record["summary"]["n_errors"] == 0
    # an older record without a summary is still listed, from its full fields
    Journal(project).add({"id": "old0000001", "name": "from-before", "status": "completed",
                          "created": "2026-01-01T00:00:00+00:00", "framework": "keras",
                          "model": {"class": "Sequential", "n_params": 10}, "params": {"epochs": 3}})
    table = repr(shell.run_line_magic("kepler", "list"))
    assert "summarised" in table and "Pipeline" in table
    assert "from-before" in table and "Sequential (10 params)" in table and "epochs=3" in table


def test_an_unwritable_journal_never_breaks_the_fit(shell, project, monkeypatch, capsys):
    import warnings

    from kepler_jupyter.journal import JournalError
    from kepler_jupyter.journal.journal import Journal as JournalClass

    def disk_full(self, *args, **kwargs):
        raise JournalError("the journal could not be written: no space left on device")

    monkeypatch.setattr(JournalClass, "add", disk_full)
    monkeypatch.setattr(JournalClass, "update", disk_full)
    run(shell, SKLEARN_SETUP)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(shell, "%%kepler fit --name no-space\nreturned = clf.fit(X, y)")
    assert shell.user_ns["returned"] is shell.user_ns["clf"]
    assert hasattr(shell.user_ns["clf"], "classes_")  # trained as usual
    # said once, plainly, under the cell (not as an internal-error warning)
    out = capsys.readouterr().out
    assert out.count("this experiment could not be saved: the journal could not be written: "
                     "no space left on device — your fit is unaffected") == 1, out
    assert "'no-space' completed" in out and "not saved" in out
    assert not [w for w in caught if "no space" in str(w.message)]
    session = shell.magics_manager.registry["KeplerMagics"].last_session
    assert session.last["status"] == "completed"  # the report still ran to the end


def test_a_fit_called_with_wrong_arguments_gets_only_its_own_error(shell, project):
    import warnings

    run(shell, SKLEARN_SETUP)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError):
            shell.run_cell_magic("kepler", "fit", "clf.fit()")
    assert not [w for w in caught if "kepler" in str(w.message)]
    assert Journal(project).experiments() == []
