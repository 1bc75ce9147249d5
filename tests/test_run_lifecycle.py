"""The run of one fit as a lifecycle of events (started, finding, epoch, ended, blocked,
skipped) that observers subscribe to; real scikit-learn and Keras fits through ``watch()``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from kepler_jupyter.journal import Journal
from kepler_jupyter.run.lifecycle import RunObserver

keras = pytest.importorskip("keras")


def _keras_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    return model


def _keras_data(n: int = 200):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4)).astype("float32")
    y = (X[:, 0] > 0).astype("int32")
    return X, y


def test_forced_keras_fit_on_nan_validation_rows_stops_with_the_nan_finding(project):
    """NaN rows only in the part ``validation_split`` takes: the training loss stays finite
    but every validation loss is NaN. Forced past K301, the run must not end ``completed``."""
    import kepler_jupyter

    X, y = _keras_data()
    X[-10:, 1] = np.nan
    model = _keras_model()
    with pytest.warns(Warning), kepler_jupyter.watch(force=True, display="none") as run:
        history = model.fit(X, y, epochs=4, batch_size=32, validation_split=0.2, verbose=0)
    record = Journal(project).get(run.last["id"])
    assert record["status"] == "stopped"
    assert record["stop_reason"].startswith("K501")
    assert "K501" in [finding["code"] for finding in record["findings"]]
    assert len(history.history["loss"]) == 1  # stopped at the end of the first epoch


class EventRecorder(RunObserver):
    """A new sink is one class: this one records what it hears, with the record's status."""

    def __init__(self):
        self.events = []

    def on_started(self, run):
        self.events.append(("started", run.record["status"]))

    def on_finding(self, run, finding):
        self.events.append(("finding", finding.code))

    def on_epoch(self, run, epoch, logs):
        assert len(run.record["history"]["loss"]) == epoch + 1  # the epoch is in the record
        self.events.append(("epoch", epoch))

    def on_ended(self, run):
        self.events.append(("ended", run.record["status"]))

    def on_blocked(self, run):
        self.events.append(("blocked", run.record["status"]))

    def on_skipped(self, run):
        self.events.append(("skipped", run.record["status"]))


def _sklearn_data(n: int = 120):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(int)


def _watched(recorder, **options):
    """A ``watch()`` block whose runs ``recorder`` also follows."""
    import contextlib

    import kepler_jupyter
    from kepler_jupyter.run import after_fit

    @contextlib.contextmanager
    def block():
        with kepler_jupyter.watch(display="none", **options) as session:
            session.lifecycle.subscribe(recorder)
            yield session
        # ``ended`` is announced by the after-fit worker, once the fit has returned
        after_fit.wait()

    return block()


def test_sklearn_runs_announce_started_ended_then_skipped(project):
    from sklearn.linear_model import LogisticRegression

    X, y = _sklearn_data()
    recorder = EventRecorder()
    with _watched(recorder):
        returned = LogisticRegression().fit(X, y)
    assert isinstance(returned, LogisticRegression)
    assert recorder.events == [("started", "running"), ("ended", "completed")]

    recorder.events.clear()
    with _watched(recorder, on_duplicate="skip") as session:
        LogisticRegression().fit(X, y)
    assert recorder.events == [("skipped", "skipped")]
    assert session.last["duplicate_of"] == Journal(project).experiments()[0]["id"]


def test_blocked_run_is_announced_and_written_to_the_events_log(project):
    from sklearn.linear_model import LogisticRegression

    import kepler_jupyter
    from kepler_jupyter.run.events import read_events

    X, y = _sklearn_data()
    X[4, 1] = np.nan
    recorder = EventRecorder()
    with pytest.warns(Warning), pytest.raises(kepler_jupyter.FitBlocked), _watched(recorder):
        LogisticRegression().fit(X, y)
    assert recorder.events[-1] == ("blocked", "blocked")
    assert ("finding", "K301") in recorder.events[:-1]  # findings come before the verdict
    (record,) = Journal(project).experiments()
    assert record["status"] == "blocked"
    kepler_dir = Journal(project).kepler_dir
    (blocked,) = read_events(kepler_dir, kind="blocked")
    assert blocked.experiment_id == record["id"] and "K301" in blocked.message
    assert any(event.experiment_id == record["id"] and event.message.startswith("K301")
               for event in read_events(kepler_dir, kind="finding"))


def test_keras_run_announces_each_epoch_between_started_and_ended(project):
    X, y = _keras_data()
    recorder = EventRecorder()
    model = _keras_model()
    with _watched(recorder):
        history = model.fit(X, y, epochs=3, batch_size=32, verbose=0)
    assert isinstance(history, keras.callbacks.History)
    kinds = [event for event in recorder.events if event[0] != "finding"]
    assert kinds == [("started", "running"), ("epoch", 0), ("epoch", 1), ("epoch", 2),
                     ("ended", "completed")]


def test_a_failing_observer_is_one_warning_and_the_run_goes_on(project):
    from sklearn.linear_model import LogisticRegression

    from kepler_jupyter.warnings import KeplerInternalWarning

    class Broken(RunObserver):
        def on_started(self, run):
            raise RuntimeError("sink down")

        def on_epoch(self, run, epoch, logs):
            raise RuntimeError("sink down")

    X, y = _keras_data()
    recorder = EventRecorder()
    model = _keras_model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _watched(Broken()) as session:
            session.lifecycle.subscribe(recorder)  # after the broken one: still hears all
            history = model.fit(X, y, epochs=3, batch_size=32, verbose=0)
            LogisticRegression().fit(*_sklearn_data())
    internal = [str(w.message) for w in caught if issubclass(w.category, KeplerInternalWarning)]
    # once per hook and run: on_started twice (two runs), on_epoch once (not once per epoch)
    assert len(internal) == 3 and all("sink down" in message for message in internal)
    assert len(history.history["loss"]) == 3
    assert [event for event in recorder.events if event[0] in ("started", "ended")] == [
        ("started", "running"), ("ended", "completed")] * 2
    assert [r["status"] for r in Journal(project).experiments()] == ["completed", "completed"]


def test_the_journal_holds_the_partial_history_while_a_keras_fit_trains(project, monkeypatch):
    """The journal writer saves progress on ``epoch`` (throttled; here on every epoch): a
    killed kernel leaves the epochs done so far in the journal."""
    from kepler_jupyter.run import journal_writer

    monkeypatch.setattr(journal_writer, "PROGRESS_SAVE_INTERVAL", -1.0)

    class ReadsTheJournal(RunObserver):
        def __init__(self):
            self.seen = []

        def on_epoch(self, run, epoch, logs):
            saved = Journal(project).get(run.record["id"])
            self.seen.append((saved["status"], saved["epochs_done"], len(saved["history"]["loss"])))

    X, y = _keras_data()
    reader = ReadsTheJournal()
    with _watched(reader):
        _keras_model().fit(X, y, epochs=3, batch_size=64, verbose=0)
    assert reader.seen == [("running", 1, 1), ("running", 2, 2), ("running", 3, 3)]
