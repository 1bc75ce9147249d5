"""Fixtures shared by the whole suite: an isolated project folder and a fresh IPython shell."""

from __future__ import annotations

import atexit
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ banner out of test logs

import pytest


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder used as the working directory and the journal's home."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEPLER_PROJECT_DIR", str(tmp_path))
    try:
        from kepler_jupyter.journal import set_project_dir

        set_project_dir(None)
    except ImportError:
        pass
    return tmp_path


def discard_shell(ip) -> None:
    """Forget a test shell for good. Each shell registers an exit hook that runs a full garbage
    collection; hundreds of them at the end of the suite cost a minute or more."""
    from IPython.core.interactiveshell import InteractiveShell

    atexit.unregister(ip.atexit_operations)
    ip.history_manager.end_session()
    InteractiveShell.clear_instance()


@pytest.fixture
def shell(project):
    """A fresh, real IPython shell with kepler loaded; unloaded and discarded afterwards."""
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "kepler_jupyter")
    yield ip
    ip.run_line_magic("unload_ext", "kepler_jupyter")
    discard_shell(ip)
