"""Which folder a journal belongs to, and creating ``.kepler/``."""

from __future__ import annotations

import pytest

from kepler_jupyter.journal import Journal, init_project, resolve_project_dir, set_project_dir
from kepler_jupyter.journal.project import PROJECT_DIR_ENV


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv(PROJECT_DIR_ENV, raising=False)
    workdir = tmp_path / "work" / "notebooks" / "deep"
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    return workdir


def test_cwd_when_nothing_else(clean_env):
    assert resolve_project_dir() == clean_env.resolve()


def test_nearest_parent_with_kepler_folder(clean_env, tmp_path):
    (tmp_path / ".kepler").mkdir()
    (tmp_path / "work" / ".kepler").mkdir()
    assert resolve_project_dir() == (tmp_path / "work").resolve()


def test_kepler_file_is_not_a_project_marker(clean_env, tmp_path):
    (tmp_path / "work" / ".kepler").write_text("not a folder")
    assert resolve_project_dir() == clean_env.resolve()


def test_env_var_beats_upward_search(clean_env, tmp_path, monkeypatch):
    (tmp_path / "work" / ".kepler").mkdir()
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv(PROJECT_DIR_ENV, str(elsewhere))
    assert resolve_project_dir() == elsewhere.resolve()


def test_blank_env_var_is_ignored(clean_env, monkeypatch):
    monkeypatch.setenv(PROJECT_DIR_ENV, "  ")
    assert resolve_project_dir() == clean_env.resolve()


def test_override_beats_env_but_not_explicit(clean_env, tmp_path, monkeypatch):
    monkeypatch.setenv(PROJECT_DIR_ENV, str(tmp_path / "from_env"))
    set_project_dir(tmp_path / "from_init")
    assert resolve_project_dir() == (tmp_path / "from_init").resolve()
    assert resolve_project_dir(tmp_path / "explicit") == (tmp_path / "explicit").resolve()
    set_project_dir(None)
    assert resolve_project_dir() == (tmp_path / "from_env").resolve()


def test_relative_and_home_paths_become_absolute(clean_env, monkeypatch, tmp_path):
    assert resolve_project_dir("sub") == clean_env.resolve() / "sub"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_project_dir("~/proj") == (tmp_path / "proj").resolve()


def test_init_project_creates_folder_and_readme(tmp_path):
    kepler_dir = init_project(tmp_path / "new_project")
    assert kepler_dir == (tmp_path / "new_project" / ".kepler").resolve()
    assert kepler_dir.is_dir()
    assert "journal" in (kepler_dir / "README.txt").read_text()
    # idempotent, and an edited README is kept
    (kepler_dir / "README.txt").write_text("mine")
    assert init_project(tmp_path / "new_project") == kepler_dir
    assert (kepler_dir / "README.txt").read_text() == "mine"


def test_journal_uses_resolution_and_creates_folder_only_on_write(clean_env, tmp_path):
    set_project_dir(tmp_path / "proj")
    journal = Journal()
    assert journal.project_dir == (tmp_path / "proj").resolve()
    assert journal.kepler_dir == journal.project_dir / ".kepler"
    assert journal.experiments() == [] and len(journal) == 0
    assert not journal.kepler_dir.exists()
    journal.add({"id": "a1"})
    assert (journal.kepler_dir / "journal.jsonl").is_file()
    assert (journal.kepler_dir / "README.txt").is_file()
