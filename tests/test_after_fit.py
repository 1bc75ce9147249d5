"""The after-fit worker (run/after_fit.py): a fit returns before its remaining work is done,
and no record is ever lost or read unfinished for it.

The work is slowed down on purpose (a real fit and journal, with a sleep added to the
comparison step), so that each test meets it still running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from kepler_jupyter.journal import Journal

_SLOW_AFTER_FIT = """
import time
from kepler_jupyter.run import stages

_compare = stages.compare_with_earlier
def slow_compare(ctx):
    time.sleep({delay})
    _compare(ctx)
stages.compare_with_earlier = slow_compare
from kepler_jupyter.run import experiment
experiment.compare_with_earlier = slow_compare
"""

_SCRIPT = """
import sys
import numpy as np
from sklearn.linear_model import LogisticRegression
import kepler_jupyter
from kepler_jupyter.run import after_fit
{slow}
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 4)); y = (X[:, 0] > 0).astype(int)
with kepler_jupyter.watch(project_dir=sys.argv[1], display="none"):
    LogisticRegression().fit(X, y)
print("pending", after_fit._worker.pending, flush=True)
{then}
"""


def _script(then: str, delay: float = 2.0) -> str:
    slow = _SLOW_AFTER_FIT.format(delay=delay)
    return textwrap.dedent(_SCRIPT).format(slow=slow, then=then)


def _pending(output: str) -> int:
    """The number of unfinished after-fit jobs the script printed (``pending N``)."""
    return int(output.split("pending", 1)[1].split()[0])


def _final_record(project: Path) -> dict:
    records = list(Journal(project).experiments())
    assert len(records) == 1
    record = records[0]
    assert record["status"] == "completed"
    assert record["metrics"]["train_score"] > 0.9  # the training score, read after the fit
    assert record["summary"]["model_class"] == "LogisticRegression"
    return record


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("KEPLER_AFTER_FIT", None)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                         env.get("PYTHONPATH", "")])
    return env


def test_a_script_that_exits_right_after_its_fit_writes_the_final_record(tmp_path):
    done = subprocess.run([sys.executable, "-c", _script(""), str(tmp_path)], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    # the script ended while the work was still going on (the running record's write, the
    # events log's line and the after-fit work: 1 to 3 jobs, depending on how far it got)
    assert _pending(done.stdout) >= 1, done.stdout
    _final_record(tmp_path)


def test_an_interrupt_after_the_fit_still_writes_the_final_record(tmp_path):
    # Ctrl-C (SIGINT) while the script goes on after its fit: the interrupt ends the script,
    # the exit waits for the work
    process = subprocess.Popen([sys.executable, "-c", _script("import time; time.sleep(60)"), str(tmp_path)],
                               cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line and _pending(line) >= 1, process.stderr.read()[-2000:] if not line else line
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert "KeyboardInterrupt" in stderr  # it was interrupted, not finished
    _final_record(tmp_path)


@pytest.fixture
def slow_after_fit(monkeypatch):
    from kepler_jupyter.run import experiment

    original = experiment.compare_with_earlier

    def slow(ctx):
        time.sleep(0.5)
        original(ctx)

    monkeypatch.setattr(experiment, "compare_with_earlier", slow)
    monkeypatch.delenv("KEPLER_AFTER_FIT", raising=False)


def test_the_fit_returns_first_and_every_read_sees_the_final_record(tmp_path, slow_after_fit):
    from sklearn.linear_model import LogisticRegression

    import kepler_jupyter
    from kepler_jupyter.run import after_fit

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] > 0).astype(int)
    started = time.perf_counter()
    with kepler_jupyter.watch(project_dir=tmp_path, display="none") as session:
        LogisticRegression().fit(X, y)
    assert time.perf_counter() - started < 0.5 or after_fit._worker.pending >= 1
    assert after_fit._worker.pending >= 1  # the comparison is still running
    # a read in this process waits for it: never the "running" version
    record = Journal(tmp_path).get(session.last["id"])
    assert record["status"] == "completed" and "train_score" in record["metrics"]
    assert session.last["metrics"] == record["metrics"]


def test_a_second_fit_of_the_same_model_waits_for_the_first_ones_work(tmp_path, slow_after_fit):
    from sklearn.linear_model import LogisticRegression

    import kepler_jupyter

    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression()
    with kepler_jupyter.watch(project_dir=tmp_path, display="none") as session:
        model.fit(X[:150], y[:150])
        model.fit(X, y)  # the first fit's training score must be the first model's
        score = model.score(X[150:], y[150:])
    first, second = session.records
    assert first["data"]["n_samples"] == 150 and second["data"]["n_samples"] == 300
    assert first["metrics"]["train_score_n"] == 150
    assert second["metrics"]["val_score"] == pytest.approx(score)
    journal = Journal(tmp_path)
    assert [r["status"] for r in journal.experiments()] == ["completed", "completed"]
    assert json.dumps(journal.get(second["id"])["metrics"]["val_score"]) == json.dumps(score)


def test_the_running_record_is_in_the_journal_while_the_fit_trains(tmp_path, monkeypatch):
    """The worker makes the run's first write while the fit trains: read from the file itself,
    as another process would, before the fit returns (the trace a killed kernel leaves)."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    import kepler_jupyter

    monkeypatch.delenv("KEPLER_AFTER_FIT", raising=False)
    journal_file = tmp_path / ".kepler" / "journal.jsonl"

    def running_ids() -> list[str]:
        if not journal_file.exists():
            return []
        lines = [json.loads(line) for line in journal_file.read_text().splitlines() if line.strip()]
        return [line.get("id") for line in lines if line.get("status") == "running"]

    class WaitsForItsRecord(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            deadline = time.monotonic() + 30
            while not running_ids() and time.monotonic() < deadline:
                time.sleep(0.01)
            self.seen_running_ = running_ids()
            self.classes_ = np.unique(y)
            return self

    X = np.random.default_rng(2).normal(size=(50, 3))
    with kepler_jupyter.watch(project_dir=tmp_path, display="none") as session:
        model = WaitsForItsRecord().fit(X, (X[:, 0] > 0).astype(int))
    assert model.seen_running_ == [session.last["id"]]
    assert Journal(tmp_path).get(session.last["id"])["status"] == "completed"
