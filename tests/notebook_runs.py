"""Running the shipped notebooks headless in a real kernel (importable by any test module)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute_in_project(notebook: nbformat.NotebookNode, project: Path) -> nbformat.NotebookNode:
    """Run every cell of ``notebook`` (in place, outputs kept) in a fresh kernel whose working
    directory and kepler project are ``project``; a cell's error fails the test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KEPLER_PROJECT_DIR", str(project))
        patch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(project)}}).execute()
    return notebook


def execute_shipped(name: str, project: Path) -> nbformat.NotebookNode:
    """``notebooks/<name>`` run in ``project`` (see ``execute_in_project``)."""
    return execute_in_project(nbformat.read(NOTEBOOKS / name, as_version=4), project)
