"""The re-run alert end to end, in real IPython shells: the same ``%%kepler fit`` cell twice,
``--on-duplicate skip`` (also after a kernel restart), what counts as the same experiment, and
why failed or interrupted runs never count as done.

A "kernel restart" is a second, fresh ``InteractiveShell`` on the same project folder: nothing
of the first shell's namespace or of kepler's state in it survives, only the journal on disk.
"""

from __future__ import annotations

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from ipython_shells import run_cell

from kepler_jupyter.journal import Journal
from kepler_jupyter.run.events import read_events

SKLEARN_SETUP = """
import numpy as np
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = rng.normal(size=(120, 4))
y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
"""

SKLEARN_CELL = """
clf = LogisticRegression(C=1.0, max_iter=200)
clf.fit(X, y)
after_fit = "the rest of the cell ran"
"""

KERAS_SETUP = """
import numpy as np
import keras
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
X = rng.normal(size=(64, 4)).astype("float32")
y = (X[:, 0] > 0).astype("int64")

def build(learning_rate=0.01, hidden_name=None):
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="relu", name=hidden_name),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model
"""

KERAS_FIT = "history = model.fit(X, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0)\n"
KERAS_CELL = "model = build()\n" + KERAS_FIT


run = run_cell


def fit_cell(shell: InteractiveShell, options: str, cell: str) -> object:
    return shell.run_cell_magic("kepler", f"fit {options}", cell)


def last_session(shell: InteractiveShell):
    return shell.magics_manager.registry["KeplerMagics"].last_session


def restart(shell: InteractiveShell, setup: str) -> InteractiveShell:
    """A fresh shell on the same project, as after a kernel restart, with the setup re-run."""
    from ipython_shells import discard_shell

    shell.run_line_magic("unload_ext", "kepler_jupyter")
    discard_shell(shell)
    fresh = InteractiveShell.instance()
    assert fresh is not shell and "X" not in fresh.user_ns
    fresh.run_line_magic("load_ext", "kepler_jupyter")
    run(fresh, setup)
    return fresh


def experiments(project) -> list[dict]:
    return Journal(project).experiments()


# -------------------------------------------------------------------------------- scikit-learn


def test_sklearn_same_cell_twice_alerts_and_points_to_the_first_run(shell, project, capsys):
    run(shell, SKLEARN_SETUP)
    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    (first,) = experiments(project)
    assert first["status"] == "completed" and not first.get("duplicate_of")
    capsys.readouterr()

    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    shown = capsys.readouterr().out
    assert first["id"] in shown  # the notice names the earlier run

    second = experiments(project)[-1]
    assert second["id"] != first["id"]
    assert second["duplicate_of"] == first["id"]
    assert second["status"] == "completed"  # warn (the default) still trains
    assert second["fingerprint"] == first["fingerprint"]
    assert hasattr(shell.user_ns["clf"], "coef_")
    alerts = read_events(Journal(project).kepler_dir, kind="alert")
    assert [event.experiment_id for event in alerts] == [second["id"]]
    assert first["id"] in alerts[0].message


def test_sklearn_skip_does_not_train_and_the_rest_of_the_cell_runs(shell, project, capsys):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    run(shell, SKLEARN_SETUP)
    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    (first,) = experiments(project)
    del shell.user_ns["after_fit"]
    capsys.readouterr()

    value = fit_cell(shell, "--name logreg --on-duplicate skip", SKLEARN_CELL + "clf\n")
    shown = capsys.readouterr().out

    clf = shell.user_ns["clf"]
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)  # not trained: the estimator stays as it was built
    assert value is clf  # fit returned the estimator, as scikit-learn's fit does
    assert shell.user_ns["after_fit"] == "the rest of the cell ran"
    assert first["id"] in shown
    session = last_session(shell)
    assert session.skipped
    assert session.last["status"] == "skipped" and session.last["duplicate_of"] == first["id"]
    # nothing new trained: the journal holds only the first run
    assert [record["id"] for record in experiments(project)] == [first["id"]]
    skips = read_events(Journal(project).kepler_dir, kind="skipped")
    assert len(skips) == 1 and first["id"] in skips[0].message


def test_sklearn_skip_works_after_a_kernel_restart(shell, project, capsys):
    from sklearn.utils.validation import check_is_fitted

    run(shell, SKLEARN_SETUP)
    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    (first,) = experiments(project)

    shell = restart(shell, SKLEARN_SETUP)
    capsys.readouterr()
    fit_cell(shell, "--name logreg --on-duplicate skip", SKLEARN_CELL)
    assert first["id"] in capsys.readouterr().out
    with pytest.raises(Exception, match="not fitted"):
        check_is_fitted(shell.user_ns["clf"])
    assert shell.user_ns["after_fit"] == "the rest of the cell ran"
    assert last_session(shell).last["duplicate_of"] == first["id"]
    assert len(experiments(project)) == 1

    # and warn (the default) after the restart trains again, pointing at the first run
    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    assert experiments(project)[-1]["duplicate_of"] == first["id"]
    assert experiments(project)[-1]["status"] == "completed"


def test_sklearn_identity_changes_with_a_setting_or_one_data_value(shell, project):
    run(shell, SKLEARN_SETUP)
    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    (first,) = experiments(project)

    fit_cell(shell, "--name logreg", SKLEARN_CELL.replace("C=1.0", "C=0.1"))
    other_c = experiments(project)[-1]
    assert "duplicate_of" not in other_c
    assert other_c["fingerprint"]["settings"] != first["fingerprint"]["settings"]
    assert other_c["fingerprint"]["data"] == first["fingerprint"]["data"]

    run(shell, "X_changed = X.copy()\nX_changed[7, 2] += 0.001")
    fit_cell(shell, "--name logreg", SKLEARN_CELL.replace("fit(X, y)", "fit(X_changed, y)"))
    other_data = experiments(project)[-1]
    assert "duplicate_of" not in other_data
    assert other_data["fingerprint"]["data"] != first["fingerprint"]["data"]
    assert other_data["fingerprint"]["model"] == first["fingerprint"]["model"]
    # the record says which of the three fingerprints differ from its nearest earlier run
    assert other_data["changes"]["earlier"] == first["id"]
    assert other_data["changes"]["differs"] == ["data"]


def test_refitting_the_same_estimator_object_alerts_too(shell, project):
    # the commonest notebook pattern: the estimator is built in one cell, fitted in another
    run(shell, SKLEARN_SETUP + "clf = LogisticRegression(max_iter=200)\n")
    fit_cell(shell, "--name logreg", "clf.fit(X, y)")
    (first,) = experiments(project)
    fit_cell(shell, "--name logreg", "clf.fit(X, y)")  # clf is fitted now; same experiment
    assert experiments(project)[-1]["duplicate_of"] == first["id"]


def test_passing_a_fit_argument_at_its_default_is_the_same_experiment(shell, project):
    # fit(X, y) and fit(X, y, sample_weight=None) train exactly the same model
    run(shell, SKLEARN_SETUP)
    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    (first,) = experiments(project)
    fit_cell(shell, "--name logreg", SKLEARN_CELL.replace("fit(X, y)", "fit(X, y, sample_weight=None)"))
    second = experiments(project)[-1]
    assert second["fingerprint"]["settings"] == first["fingerprint"]["settings"]
    assert second.get("duplicate_of") == first["id"]


def test_ask_trains_again_only_when_the_user_says_yes(shell, project, monkeypatch):
    from sklearn.utils.validation import check_is_fitted

    run(shell, SKLEARN_SETUP)
    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    (first,) = experiments(project)

    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    fit_cell(shell, "--name logreg --on-duplicate ask", SKLEARN_CELL)
    with pytest.raises(Exception, match="not fitted"):
        check_is_fitted(shell.user_ns["clf"])
    assert len(experiments(project)) == 1

    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    fit_cell(shell, "--name logreg --on-duplicate ask", SKLEARN_CELL)
    check_is_fitted(shell.user_ns["clf"])
    assert experiments(project)[-1]["duplicate_of"] == first["id"]


def test_configured_default_skip_applies_to_every_cell(shell, project):
    run(shell, SKLEARN_SETUP)
    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    shell.run_line_magic("config", 'KeplerMagics.on_duplicate = "skip"')
    fit_cell(shell, "--name logreg", SKLEARN_CELL)
    assert last_session(shell).skipped
    assert len(experiments(project)) == 1


FLAKY_ESTIMATOR = """
from sklearn.linear_model import LogisticRegression

class FlakyLogisticRegression(LogisticRegression):
    # a class attribute, not a parameter: it must not change the experiment's identity
    raise_next = None

    def fit(self, X, y, sample_weight=None):
        error, type(self).raise_next = type(self).raise_next, None
        if error is not None:
            raise error
        return super().fit(X, y, sample_weight)
"""
FLAKY_CELL = "clf = FlakyLogisticRegression(max_iter=200)\nclf.fit(X, y)\n"


@pytest.mark.parametrize(
    "error, status",
    [("ValueError('the disk is full')", "failed"), ("KeyboardInterrupt()", "interrupted")],
)
def test_a_failed_or_interrupted_run_is_not_counted_as_done(shell, project, capsys, error, status):
    run(shell, SKLEARN_SETUP + FLAKY_ESTIMATOR)
    run(shell, f"FlakyLogisticRegression.raise_next = {error}")
    with pytest.raises(BaseException) as raised:
        fit_cell(shell, "--name flaky --on-duplicate skip", FLAKY_CELL)
    assert type(raised.value).__name__ == error.split("(")[0]  # the user's error, unchanged
    (broken,) = experiments(project)
    assert broken["status"] == status

    capsys.readouterr()
    fit_cell(shell, "--name flaky --on-duplicate skip", FLAKY_CELL)  # skip, yet it must train
    assert broken["id"] not in capsys.readouterr().out
    done = experiments(project)[-1]
    assert done["status"] == "completed" and "duplicate_of" not in done
    assert done["fingerprint"]["experiment"] == broken["fingerprint"]["experiment"]
    assert hasattr(shell.user_ns["clf"], "coef_")

    # the completed run is what a third run finds
    fit_cell(shell, "--name flaky --on-duplicate skip", FLAKY_CELL)
    assert last_session(shell).last["duplicate_of"] == done["id"]


# -------------------------------------------------------------------------------- Keras


@pytest.fixture
def keras_shell(shell):
    pytest.importorskip("keras")
    run(shell, KERAS_SETUP)
    return shell


def test_keras_rebuilt_model_twice_alerts_despite_new_auto_layer_names(keras_shell, project, capsys):
    fit_cell(keras_shell, "--name mlp", KERAS_CELL)
    (first,) = experiments(project)
    capsys.readouterr()
    fit_cell(keras_shell, "--name mlp", KERAS_CELL)
    shown = capsys.readouterr().out

    second = experiments(project)[-1]
    first_names = [layer["name"] for layer in first["model"]["layers"]]
    second_names = [layer["name"] for layer in second["model"]["layers"]]
    assert first_names != second_names  # Keras numbered the rebuilt layers anew (dense_2 ...)
    assert first["id"] in shown
    assert second["duplicate_of"] == first["id"]
    assert second["status"] == "completed" and len(second["history"]["loss"]) == 2
    assert second["fingerprint"] == first["fingerprint"]


def test_keras_skip_keeps_the_weights_and_returns_the_earlier_curves(keras_shell, project):
    import keras

    fit_cell(keras_shell, "--name mlp", KERAS_CELL)
    (first,) = experiments(project)

    run(keras_shell, "model = build()\nweights_before = [w.copy() for w in model.get_weights()]")
    fit_cell(keras_shell, "--name mlp --on-duplicate skip", KERAS_FIT + "after_fit = True\n")
    namespace = keras_shell.user_ns
    for before, after in zip(namespace["weights_before"], namespace["model"].get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    assert namespace["after_fit"] is True
    history = namespace["history"]
    assert isinstance(history, keras.callbacks.History)
    assert set(history.history) == set(first["history"])
    for key, values in first["history"].items():
        assert history.history[key] == pytest.approx(values)
    assert last_session(keras_shell).last["duplicate_of"] == first["id"]
    assert len(experiments(project)) == 1


def test_keras_skip_works_after_a_kernel_restart(keras_shell, project, capsys):
    fit_cell(keras_shell, "--name mlp", KERAS_CELL)
    (first,) = experiments(project)

    shell = restart(keras_shell, KERAS_SETUP)
    run(shell, "model = build()\nweights_before = [w.copy() for w in model.get_weights()]")
    capsys.readouterr()
    fit_cell(shell, "--name mlp --on-duplicate skip", KERAS_FIT)
    assert first["id"] in capsys.readouterr().out
    for before, after in zip(shell.user_ns["weights_before"], shell.user_ns["model"].get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    assert shell.user_ns["history"].history["loss"] == pytest.approx(first["history"]["loss"])
    assert len(experiments(project)) == 1


def test_keras_identity_ignores_layer_names_but_not_learning_rate_or_data(keras_shell, project):
    fit_cell(keras_shell, "--name mlp", "model = build(hidden_name='hidden')\n" + KERAS_FIT)
    (first,) = experiments(project)

    # renamed by hand: the same experiment
    fit_cell(keras_shell, "--name mlp", "model = build(hidden_name='features')\n" + KERAS_FIT)
    renamed = experiments(project)[-1]
    assert renamed["model"]["layers"][0]["name"] == "features"
    assert renamed["duplicate_of"] == first["id"]

    # another learning rate: another experiment, same model and data
    fit_cell(keras_shell, "--name mlp", "model = build(learning_rate=0.003)\n" + KERAS_FIT)
    other_lr = experiments(project)[-1]
    assert "duplicate_of" not in other_lr
    assert other_lr["fingerprint"]["model"] == first["fingerprint"]["model"]
    assert other_lr["fingerprint"]["data"] == first["fingerprint"]["data"]
    assert other_lr["fingerprint"]["settings"] != first["fingerprint"]["settings"]
    assert other_lr["changes"]["differs"] == ["settings"]
    assert "learning_rate" in other_lr["changes"]["settings"]

    # one changed value in X: another experiment
    run(keras_shell, "X_changed = X.copy()\nX_changed[3, 1] = X_changed[3, 1] + 0.5")
    fit_cell(keras_shell, "--name mlp", KERAS_CELL.replace("fit(X, y", "fit(X_changed, y"))
    other_data = experiments(project)[-1]
    assert "duplicate_of" not in other_data
    assert other_data["fingerprint"]["data"] != first["fingerprint"]["data"]
    assert other_data["fingerprint"]["settings"] == first["fingerprint"]["settings"]


def test_functional_model_renamed_layers_are_the_same_experiment(keras_shell, project):
    functional = """
def build_functional(prefix):
    inputs = keras.Input((4,), name=prefix + "_in")
    hidden = keras.layers.Dense(8, activation="relu", name=prefix + "_hidden")(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid", name=prefix + "_out")(hidden)
    model = keras.Model(inputs, outputs, name=prefix + "_model")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    return model
"""
    run(keras_shell, functional)
    fit_cell(keras_shell, "--name functional", "model = build_functional('a')\n" + KERAS_FIT)
    (first,) = experiments(project)
    fit_cell(keras_shell, "--name functional", "model = build_functional('b')\n" + KERAS_FIT)
    second = experiments(project)[-1]
    assert second["duplicate_of"] == first["id"]


KERAS_INTERRUPTER = """
class CtrlC(keras.callbacks.Callback):
    # armed is state, not a constructor parameter: it does not change the experiment
    armed = False

    def on_epoch_end(self, epoch, logs=None):
        if type(self).armed:
            type(self).armed = False
            raise KeyboardInterrupt
"""


def test_keras_interrupted_run_is_trained_again_without_an_alert(keras_shell, project):
    run(keras_shell, KERAS_INTERRUPTER)
    cell = "model = build()\n" + KERAS_FIT.replace("verbose=0", "verbose=0, callbacks=[CtrlC()]")
    run(keras_shell, "CtrlC.armed = True")
    with pytest.raises(KeyboardInterrupt):
        fit_cell(keras_shell, "--name mlp --on-duplicate skip", cell)
    (interrupted,) = experiments(project)
    assert interrupted["status"] == "interrupted"

    fit_cell(keras_shell, "--name mlp --on-duplicate skip", cell)
    done = experiments(project)[-1]
    assert done["status"] == "completed" and "duplicate_of" not in done
    assert done["fingerprint"]["experiment"] == interrupted["fingerprint"]["experiment"]
    assert len(keras_shell.user_ns["history"].history["loss"]) == 2  # it really trained


def test_what_changed_shows_an_inserted_layer_as_added(keras_shell, project):
    # not a repeat: the report of what changed since the nearest earlier run, layer by layer
    from kepler_jupyter.history.repeats import describe_changes

    run(keras_shell, """
def build_with_dropout():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.2), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return model
""")
    fit_cell(keras_shell, "--name mlp", KERAS_CELL)
    fit_cell(keras_shell, "--name mlp-dropout", "model = build_with_dropout()\n" + KERAS_FIT)
    before, after = experiments(project)
    assert after["changes"]["earlier"] == before["id"]
    assert after["changes"]["differs"] == ["model"]
    # a wider first layer and a Dropout inserted after it: the output layer only changes its
    # parameter count (its input is wider); it is neither removed nor turned into a Dropout
    layers = describe_changes(after, before)["architecture"]
    assert [(item["index"], item["layer"]) for item in layers["added"]] == [(1, "Dropout")]
    assert layers["removed"] == []
    assert [item["index"] for item in layers["changed"]] == [0, 2]
    assert all("class" not in item["fields"] for item in layers["changed"])
