"""Fixtures for the journal tests: isolated projects and independent views of one file."""

from __future__ import annotations

from pathlib import Path

import pytest

from kepler_jupyter.journal import Journal, logfile, set_project_dir


@pytest.fixture(autouse=True)
def isolated_journal_state(monkeypatch):
    """Each test starts with no cached journal views and no project override."""
    monkeypatch.setattr(logfile, "_open_files", {})
    set_project_dir(None)
    yield
    set_project_dir(None)


@pytest.fixture
def project_dir(tmp_path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


@pytest.fixture
def journal(project_dir) -> Journal:
    return Journal(project_dir)


@pytest.fixture
def no_index(monkeypatch):
    """The journal read without its index: the in-memory view of the file (the fallback)."""
    monkeypatch.setenv("KEPLER_INDEX", "off")
