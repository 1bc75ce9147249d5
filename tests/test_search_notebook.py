"""The search notebook runs headless in two kernels, as a user who restarts the kernel would:
the cells up to the "restart" cell in one, then the "setup" cell and the rest in a fresh one.
The second search resumes from the journal, importance and the next step are shown."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from notebook_runs import NOTEBOOKS, execute_in_project

from kepler_jupyter.journal import Journal

pytest.importorskip("optuna")

NOTEBOOK = NOTEBOOKS / "search.ipynb"


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _run(cells: list, project: Path, metadata: dict) -> list:
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    return execute_in_project(notebook, project).cells


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The cells of each kernel after running, and the project folder."""
    project = tmp_path_factory.mktemp("search")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    restart = next(i for i, cell in enumerate(notebook.cells) if "restart" in _tags(cell))
    setup = [cell for cell in notebook.cells if "setup" in _tags(cell)]
    before = _run(notebook.cells[:restart], project, notebook.metadata)
    after = _run([nbformat.from_dict(dict(cell)) for cell in setup] + notebook.cells[restart:], project,
                 notebook.metadata)
    return before, after, project


def _output(cells: list, starts_with: str) -> str:
    for cell in cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith(starts_with):
            return "\n".join(output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
                             for output in cell.get("outputs", []))
    raise AssertionError(f"no code cell starts with {starts_with!r}")


def test_the_search_resumes_after_a_restart_training_only_what_is_missing(executed):
    before, after, project = executed
    assert "8 points: 8 trained, 0 skipped" in _output(before, "first = ")
    assert "12 points: 4 trained, 8 skipped" in _output(after, "again = ")
    searched = [r for r in Journal(project).experiments() if r.get("search")]
    assert len(searched) == 12
    points = {(r["search"]["params"]["C"], r["search"]["params"]["gamma"]) for r in searched}
    assert len(points) == 12  # no point trained twice


def test_importance_and_the_next_step_are_shown(executed):
    _, after, _ = executed
    shown = _output(after, "%kepler importance")
    assert "What explains val_score over 12 experiments" in shown
    assert "gamma" in shown and "C" in shown
    # the hand-made run's val_score comes from clf.score() after its fit: the suggestion for it
    # is asked for once the cell has ended
    step = _output(after, "print(kepler_jupyter.next_step())")
    assert "The 3 best runs on this data" in step and "gamma" in step and "lower than this one (5)" in step
