"""The record's ``env`` field: versions, machine, git state, seeds, and what it costs."""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import subprocess
import sys
from importlib import metadata

import numpy as np
import pytest

from kepler_jupyter.run import environment
from kepler_jupyter.run.environment import capture_environment, detect_seeds, git_state

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(cwd, *args):
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_fields_and_versions(tmp_path):
    env = capture_environment("sklearn", cwd=str(tmp_path))
    json.dumps(env, allow_nan=False)
    assert env["python"] == platform.python_version()
    assert env["packages"]["numpy"] == metadata.version("numpy")
    assert env["packages"]["scikit-learn"] == metadata.version("scikit-learn")
    assert env["packages"]["kepler_jupyter"] is not None
    assert set(env["packages"]) == set(environment.PACKAGES)
    assert env["cpu"]["count"] == os.cpu_count()
    assert env["hostname"] and env["platform"]
    assert env["git"] is None  # tmp_path is no repository
    assert isinstance(env["gpus"], list)
    assert "keras_backend" not in env


def test_cached_parts_cannot_be_changed_by_a_caller():
    env = capture_environment(None)
    env["packages"]["numpy"] = "0.0"
    assert capture_environment(None)["packages"]["numpy"] == metadata.version("numpy")


def test_the_static_part_is_read_once_per_process(tmp_path, monkeypatch):
    # a call per fit must stay cheap: versions, CPU and platform are not read again
    capture_environment(None, cwd=str(tmp_path))  # fills the per-process cache
    import kepler_jupyter.run.environment as environment

    def no_second_read(name):
        raise AssertionError(f"package metadata read again for {name}")

    monkeypatch.setattr(environment.metadata, "version", no_second_read)
    assert capture_environment(None)["packages"]["numpy"] == np.__version__


@needs_git
def test_git_commit_branch_and_dirty(tmp_path):
    _git(tmp_path, "init", "-q", "-b", "trunk")
    assert git_state(str(tmp_path)) == {"commit": None, "branch": "trunk", "dirty": False}
    (tmp_path / "train.py").write_text("print('v1')\n")
    _git(tmp_path, "add", "train.py")
    _git(tmp_path, "commit", "-q", "-m", "first")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True
    ).stdout.strip()
    assert git_state(str(tmp_path)) == {"commit": head, "branch": "trunk", "dirty": False}
    (tmp_path / "notes.txt").write_text("untracked files do not make the tree dirty")
    assert git_state(str(tmp_path))["dirty"] is False
    (tmp_path / "train.py").write_text("print('v2')\n")
    state = capture_environment(None, cwd=str(tmp_path))["git"]
    assert state["dirty"] is True and state["commit"] == head
    assert not (tmp_path / ".git" / "index.lock").exists()


@needs_git
def test_a_fit_records_the_git_state_of_its_start_without_waiting_for_git(tmp_path, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    import kepler_jupyter
    from kepler_jupyter.journal import Journal

    _git(tmp_path, "init", "-q", "-b", "trunk")
    (tmp_path / "train.py").write_text("print('v1')\n")
    _git(tmp_path, "add", "train.py")
    _git(tmp_path, "commit", "-q", "-m", "first")
    head = git_state(str(tmp_path))["commit"]
    (tmp_path / "train.py").write_text("print('v2')\n")  # dirty when the fit starts
    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(0).normal(size=(60, 2))
    with kepler_jupyter.watch(project_dir=tmp_path, display="none") as session:
        LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    saved = Journal(tmp_path).get(session.last["id"])
    assert saved["env"]["git"] == {"commit": head, "branch": "trunk", "dirty": True}


def test_numpy_seed_is_seen_until_something_is_drawn(monkeypatch):
    # another test may have called keras.utils.set_random_seed, which also seeds numpy
    import kepler_jupyter.run.environment as environment

    monkeypatch.setattr(environment, "_keras_seed", lambda: None)
    np.random.seed(1234)
    assert detect_seeds()["numpy"] == 1234
    assert detect_seeds()["any_set"] is True
    np.random.random()
    assert detect_seeds()["numpy"] is None  # unknown rather than a stale value
    np.random.seed(None)  # entropy: not a user seed
    assert detect_seeds()["numpy"] is None


def test_seed_recorder_wraps_and_restores(monkeypatch):
    monkeypatch.setattr(environment, "_keras_seed", lambda: None)  # see the test above
    original_numpy, original_random = np.random.seed, random.seed
    environment.install_seed_recorder()
    environment.install_seed_recorder()  # twice is harmless
    try:
        assert np.random.seed is not original_numpy
        np.random.seed(99)
        random.seed(7)
        np.random.random(10)
        random.random()
        seeds = detect_seeds()
        assert (seeds["numpy"], seeds["python_random"]) == (99, 7)
        assert (
            np.random.random() == np.random.RandomState(99).random_sample(11)[-1]
        )  # seeding still works
    finally:
        environment.uninstall_seed_recorder()
    assert np.random.seed is original_numpy and random.seed is original_random
    assert detect_seeds()["python_random"] is None


def test_pythonhashseed(monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    assert detect_seeds()["PYTHONHASHSEED"] == "0"


def test_keras_and_tensorflow_seeds():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(21)
    seeds = detect_seeds()
    assert (seeds["keras"], seeds["tensorflow"], seeds["numpy"], seeds["python_random"]) == (
        21,
        21,
        21,
        21,
    )
    assert seeds["tensorflow_op_determinism"] is False
    tf.random.set_seed(5)
    assert detect_seeds()["tensorflow"] == 5
    env = capture_environment("keras")
    assert env["keras_backend"] == "tensorflow"
    assert env["packages"]["tensorflow"] == metadata.version("tensorflow")
    devices = tf.config.list_physical_devices("GPU")
    assert [gpu["name"] for gpu in env["gpus"]] == [device.name for device in devices]
    assert all(gpu["device_type"] == "GPU" for gpu in env["gpus"])


def test_nothing_imports_tensorflow_on_its_own():
    code = (
        "import sys\n"
        "from kepler_jupyter import adapters\n"
        "from kepler_jupyter.run.environment import capture_environment\n"
        "from kepler_jupyter.fingerprint import fingerprint_data\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "model = LogisticRegression()\n"
        "assert adapters.framework_of(model) == 'sklearn' and adapters.framework_of(object()) is None\n"
        "adapter = adapters.get('sklearn')\n"
        "data = adapter.split_fit_arguments(model, ([[0.0], [1.0]], [0, 1]), {})\n"
        "adapter.describe_model(model); adapter.describe_settings(model, {}, data); adapter.describe_data(data)\n"
        "env = capture_environment('sklearn'); fingerprint_data([1, 2])\n"
        "assert env['gpus'] == [] and env['packages']['tensorflow'] is not None\n"
        "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
