"""Fixtures shared by the whole suite: an isolated project folder and a fresh IPython shell."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ banner out of test logs

import pytest
from hypothesis import HealthCheck, settings
from ipython_shells import discard_shell

# Property-based suites (hypothesis): a small fixed budget by default (CI), derandomized so a
# run is reproducible; KEPLER_FUZZ=full for the larger local run (docs/reliability.md). A test
# that sets its own max_examples keeps it.
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                 HealthCheck.function_scoped_fixture]
settings.register_profile("kepler-ci", max_examples=30, deadline=None, derandomize=True,
                          suppress_health_check=_SLOW_IS_FINE)
settings.register_profile("kepler-full", max_examples=400, deadline=None,
                          suppress_health_check=_SLOW_IS_FINE)
settings.load_profile("kepler-full" if os.environ.get("KEPLER_FUZZ") == "full" else "kepler-ci")


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
