"""The events log (readable, one line per event, safe with concurrent writers) and saved models."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from kepler_jupyter.artifacts import ArtifactError, artifact_path, load_model, save_model
from kepler_jupyter.run.events import EVENTS_FILE, log_event, read_events


def test_events_are_readable_lines_that_read_back(tmp_path):
    kepler_dir = tmp_path / ".kepler"
    assert read_events(kepler_dir) == []
    log_event(kepler_dir, "started", "mlp (64,)", experiment_id="abc123")
    log_event(kepler_dir, "alert", "same experiment as\nabc123", experiment="def456")
    log_event(kepler_dir, "goal", "goal set: val_accuracy ≥ 0.97", metric="val_accuracy")
    lines = (kepler_dir / EVENTS_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert lines[0].split("\t")[1:] == ["started", "abc123", "mlp (64,)"]
    events = read_events(kepler_dir)
    assert [e.kind for e in events] == ["started", "alert", "goal"]
    assert events[1].experiment_id == "def456" and events[1].message == "same experiment as abc123"
    assert events[2].experiment_id is None and events[2].fields == {"metric": "val_accuracy"}
    assert [e.kind for e in read_events(kepler_dir, limit=2)] == ["alert", "goal"]
    assert [e.kind for e in read_events(kepler_dir, kind="started")] == ["started"]
    assert "started" in str(events[0]) and "abc123" in str(events[0])
    with pytest.raises(ValueError, match="Unknown event kind"):
        log_event(kepler_dir, "exploded", "nope")


def _write_many(kepler_dir: str, writer: int) -> None:
    for index in range(200):
        log_event(kepler_dir, "note", f"writer {writer} line {index} " + "x" * 300,
                  experiment_id=f"w{writer}")


def test_concurrent_writers_never_interleave_lines(tmp_path):
    kepler_dir = str(tmp_path / ".kepler")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(kepler_dir, n)) for n in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(60)
        assert process.exitcode == 0
    events = read_events(kepler_dir)
    assert len(events) == 800
    for writer in range(4):
        mine = [e for e in events if e.experiment_id == f"w{writer}"]
        assert [e.message.split()[3] for e in mine] == [str(i) for i in range(200)]


def test_sklearn_model_round_trip(tmp_path):
    from sklearn.linear_model import LogisticRegression

    X = np.random.default_rng(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    kepler_dir = tmp_path / ".kepler"
    relative = save_model(kepler_dir, "exp001", model, "sklearn")
    assert relative == ".kepler/models/exp001.joblib"
    assert artifact_path(kepler_dir, relative).exists()
    assert list((kepler_dir / "models").iterdir()) == [kepler_dir / "models" / "exp001.joblib"]
    with pytest.raises(ArtifactError, match="trust=True"):
        load_model(kepler_dir, {"artifacts": {"model": relative}})
    loaded = load_model(kepler_dir, {"artifacts": {"model": relative}}, trust=True)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_keras_model_round_trip(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    X = np.random.default_rng(1).normal(size=(16, 4)).astype("float32")
    model.fit(X, X[:, :1], epochs=1, verbose=0)
    kepler_dir = tmp_path / ".kepler"
    relative = save_model(kepler_dir, "k1", model, "keras")
    assert relative == ".kepler/models/k1.keras"
    loaded = load_model(kepler_dir, relative)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-5)


def test_artifact_errors(tmp_path):
    with pytest.raises(ArtifactError, match="file name"):
        save_model(tmp_path, "../escape", object(), "sklearn")
    with pytest.raises(ArtifactError, match="not 'torch'"):
        save_model(tmp_path, "ok", object(), "torch")
    with pytest.raises(ArtifactError, match="no saved model"):
        load_model(tmp_path, {"artifacts": {}})
    with pytest.raises(ArtifactError, match="missing"):
        load_model(tmp_path / ".kepler", ".kepler/models/gone.joblib")


class _RunsCodeWhenUnpickled:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


@pytest.mark.parametrize("pointer", ["absolute", "dotdot", "symlink"])
def test_models_outside_the_models_folder_are_never_opened(tmp_path, pointer):
    import joblib

    kepler_dir = tmp_path / "project" / ".kepler"
    (kepler_dir / "models").mkdir(parents=True)
    outside = tmp_path / "elsewhere" / "evil.joblib"
    outside.parent.mkdir()
    payload = _RunsCodeWhenUnpickled()
    payload.marker = str(tmp_path / "code-ran")
    joblib.dump(payload, outside)
    if pointer == "absolute":
        stored = str(outside)
    elif pointer == "dotdot":
        stored = ".kepler/models/../../../elsewhere/evil.joblib"
    else:
        (kepler_dir / "models" / "link.joblib").symlink_to(outside)
        stored = ".kepler/models/link.joblib"
    with pytest.raises(ArtifactError, match="outside"):
        load_model(kepler_dir, {"artifacts": {"model": stored}}, trust=True)
    assert not (tmp_path / "code-ran").exists()


def test_a_pickle_in_the_models_folder_needs_trust(tmp_path):
    import joblib

    kepler_dir = tmp_path / ".kepler"
    (kepler_dir / "models").mkdir(parents=True)
    payload = _RunsCodeWhenUnpickled()
    payload.marker = str(tmp_path / "code-ran")
    joblib.dump(payload, kepler_dir / "models" / "shared.joblib")
    with pytest.raises(ArtifactError, match="runs whatever code"):
        load_model(kepler_dir, ".kepler/models/shared.joblib")
    assert not (tmp_path / "code-ran").exists()
    with pytest.raises(ArtifactError, match="not a file path"):
        load_model(kepler_dir, {"artifacts": {"model": ".kepler/models/a\x00b"}})


def test_keras_models_load_in_safe_mode(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2)])
    kepler_dir = tmp_path / ".kepler"
    relative = save_model(kepler_dir, "lam", model, "keras")
    with pytest.raises(ValueError, match="safe_mode"):
        load_model(kepler_dir, relative)


def test_event_fields_are_strict_json_and_shown_in_the_readable_form(tmp_path):
    kepler_dir = tmp_path / ".kepler"
    log_event(kepler_dir, "ended", "mlp completed", experiment_id="abc123", status="completed",
              duration_s=12.34, metrics="val_accuracy 0.951, loss 0.132",
              odd={"curve": [1.0, float("nan")], "best": float("inf")}, note="two\nlines\tand a tab")
    line = (kepler_dir / EVENTS_FILE).read_text(encoding="utf-8")
    assert line.count("\n") == 1 and len(line.rstrip("\n").split("\t")) == 5
    assert "NaN" not in line and "Infinity" not in line
    (event,) = read_events(kepler_dir)
    assert event.fields["odd"] == {"curve": [1.0, None], "best": None}
    assert event.fields["duration_s"] == 12.34 and event.fields["note"] == "two\nlines\tand a tab"
    assert str(event).endswith("mlp completed (in 12.3 s, val_accuracy 0.951, loss 0.132)")


def test_a_fit_logs_its_duration_and_metrics_when_it_ends(shell, project):
    from kepler_jupyter.journal import Journal

    shell.run_cell("import numpy as np\nfrom sklearn.linear_model import LogisticRegression\n"
                   "X = np.random.default_rng(0).normal(size=(60, 3))\ny = (X[:, 0] > 0).astype(int)")
    shell.run_cell_magic("kepler", "fit --name logreg", "LogisticRegression().fit(X, y)\n")
    (record,) = Journal(project).experiments()
    (ended,) = read_events(Journal(project).kepler_dir, kind="ended")
    assert ended.experiment_id == record["id"] and ended.message == "logreg completed"
    assert ended.fields["status"] == "completed"
    assert ended.fields["duration_s"] == record["duration_s"] >= 0
    assert ended.fields["metrics"] == f"train_score {record['metrics']['train_score']:.4g}"
    assert f"in {record['duration_s']:.1f} s" in str(ended)
