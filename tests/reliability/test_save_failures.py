"""A journal that cannot be written (read-only folder, lock held, full disk): one plain message,
the end-of-fit line says "not saved", and the user's fit runs and returns as without kepler."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import kepler_jupyter
from kepler_jupyter.journal import Journal, write_lock


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    return X, (X[:, 0] > 0).astype(int)


def _inject(fault: str, project, patch, cleanup) -> None:
    """Make every journal write fail the way ``fault`` does on a real machine."""
    if fault == "read-only folder":
        real_open = os.open

        def read_only(path, flags, *args, **kwargs):
            if str(project) in str(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real_open(path, flags, *args, **kwargs)

        patch.setattr(os, "open", read_only)
    elif fault == "full disk":
        def no_space(fd, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        patch.setattr(os, "write", no_space)
    else:  # another process holds the lock past the timeout
        from filelock import FileLock

        patch.setattr(write_lock, "LOCK_TIMEOUT_S", 0.2)
        holder = FileLock(str(project / ".kepler" / "journal.lock"), thread_local=False)
        holder.acquire()
        cleanup.callback(holder.release)


@pytest.mark.parametrize("fault", ["read-only folder", "full disk", "lock held"])
def test_a_fit_that_cannot_be_saved_says_so_once_and_goes_on(project, monkeypatch, capsys, fault):
    Journal(project).add({"id": "earlier0001", "name": "earlier", "status": "completed"})
    X, y = _data()
    expected = LogisticRegression().fit(X, y).coef_
    # a context of its own: undoing it must not undo the project fixture's settings
    with contextlib.ExitStack() as cleanup, monkeypatch.context() as patch, \
            warnings.catch_warnings(record=True) as caught:
        _inject(fault, project, patch, cleanup)
        warnings.simplefilter("always")
        with kepler_jupyter.watch(name="unsaved", display="text") as run:
            model = LogisticRegression()
            returned = model.fit(X, y)
    out = capsys.readouterr().out
    assert returned is model
    np.testing.assert_array_equal(model.coef_, expected)
    assert out.count("this experiment could not be saved") == 1, out
    assert "your fit is unaffected" in out
    end_line = next(line for line in out.splitlines() if "'unsaved' completed" in line)
    assert end_line.rstrip().endswith("not saved"), end_line
    assert "Errno" not in out and [str(w.message) for w in caught if "kepler" in str(w.message)] == []
    assert run.last["status"] == "completed"
    # the journal is as it was, and the next fit saves again
    assert [r["id"] for r in Journal(project).experiments()] == ["earlier0001"]
    with kepler_jupyter.watch(name="saved", display="text"):
        LogisticRegression().fit(X, y)
    out = capsys.readouterr().out
    assert "could not be saved" not in out and "not saved" not in out
    assert [r["name"] for r in Journal(project).experiments()] == ["earlier", "saved"]


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.mark.skipif(not _can_mount(), reason="needs root to mount a read-only file system")
def test_a_really_read_only_project(tmp_path, monkeypatch, capsys):
    """The same on a real read-only mount (where this machine allows mounting)."""
    project = tmp_path / "ro"
    project.mkdir()
    Journal(project).add({"id": "earlier0001", "name": "earlier", "status": "completed"})
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(project), str(project)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount refused here: {done.stderr.strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(project)], check=False)
        with pytest.raises(OSError):
            (project / "probe").write_text("x")
        monkeypatch.setenv("KEPLER_PROJECT_DIR", str(project))
        X, y = _data()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with kepler_jupyter.watch(name="unsaved", display="text"):
                LogisticRegression().fit(X, y)
        out = capsys.readouterr().out
        assert [str(w.message) for w in caught if "kepler" in str(w.message)] == []
        assert out.count("this experiment could not be saved") == 1, out
        assert "not saved" in next(line for line in out.splitlines() if "'unsaved'" in line)
        assert [r["id"] for r in Journal(project).experiments()] == ["earlier0001"]
    finally:
        subprocess.run(["umount", str(project)], check=False)
