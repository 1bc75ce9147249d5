"""The iteration notebook runs top to bottom in a real kernel: goal, blocked mistake, baseline,
improved model, re-run alert, a grid that skips done work, note, comparison, list and search.

The notebook executes once per module (about 40 s); each test reads what it left behind.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from notebook_runs import NOTEBOOKS, execute_shipped

from kepler_jupyter.history.goal import Goal, get_goal
from kepler_jupyter.journal import Journal
from kepler_jupyter.run.events import read_events

NOTEBOOK = NOTEBOOKS / "iteration.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """(executed notebook, project folder) after a headless run in a fresh project."""
    project = tmp_path_factory.mktemp("iteration")
    return execute_shipped("iteration.ipynb", project), project


def cell_text(notebook, starts_with: str, exact: bool = False) -> str:
    """Everything the first code cell whose source starts with ``starts_with`` (or, with
    ``exact``, is exactly that) showed."""
    for cell in notebook.cells:
        source = cell.source.strip()
        if cell.cell_type == "code" and (source == starts_with if exact else source.startswith(starts_with)):
            return "\n".join(
                output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
                for output in cell.get("outputs", [])
            )
    raise AssertionError(f"no code cell starts with {starts_with!r}")


def code_cells(notebook, starts_with: str) -> list:
    return [cell for cell in notebook.cells
            if cell.cell_type == "code" and cell.source.lstrip().startswith(starts_with)]


def by_name(project: Path) -> dict[str, list[dict]]:
    records: dict[str, list[dict]] = {}
    for record in Journal(project).experiments():
        records.setdefault(record["name"], []).append(record)
    return records


def grid_records(project: Path) -> list[dict]:
    return [r for r in Journal(project).experiments() if "grid:mlp-grid" in r["tags"]]


def best_by_goal(project: Path) -> list[dict]:
    """The completed experiments sharing the best val_accuracy (re-runs tie with their original)."""
    completed = [r for r in Journal(project).experiments() if r["status"] == "completed"]
    top = max(r["metrics"]["val_accuracy"] for r in completed)
    return [r for r in completed if r["metrics"]["val_accuracy"] == top]


def test_the_notebook_sets_no_project_folder_itself():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    source = "\n".join(cell.source for cell in notebook.cells)
    assert "KEPLER_PROJECT_DIR" not in source and "%kepler init" not in source


def test_goal_is_set_and_reported(executed):
    notebook, project = executed
    assert get_goal(project) == Goal("val_accuracy", "max", 0.97)
    # %kepler goal (without arguments) names the best experiment so far
    shown = cell_text(notebook, "%kepler goal", exact=True)
    assert any(record["id"][:8] in shown for record in best_by_goal(project))


def test_the_mistake_is_caught_before_training(executed):
    notebook, project = executed
    (blocked,) = by_name(project)["grouped-split"]
    assert blocked["status"] == "blocked"
    assert not blocked["history"]  # not a single epoch ran
    codes = {finding["code"]: finding["severity"] for finding in blocked["findings"]}
    assert codes.get("K310") == "error"
    assert "K310" in cell_text(notebook, "%%kepler fit --name grouped-split")


def test_baseline_and_improved_model_are_journaled_with_their_notes(executed):
    notebook, project = executed
    records = by_name(project)
    (baseline,) = records["baseline"]
    assert baseline["status"] == "completed"
    assert len(baseline["history"]["val_accuracy"]) == 10
    assert set(baseline["tags"]) == {"digits", "baseline"}
    assert baseline["notes"]["hypothesis"]

    improved = records["wider-dropout"][0]
    assert improved["status"] == "completed" and len(improved["history"]["loss"]) == 20
    assert improved["metrics"]["val_accuracy"] > baseline["metrics"]["val_accuracy"]
    # what changed since the nearest earlier experiment: settings and architecture
    assert improved["changes"]["earlier"] == baseline["id"]
    assert set(improved["changes"]["differs"]) == {"model", "settings"}
    # --save stored the trained model beside the journal
    saved = project / improved["artifacts"]["model"]
    assert saved.is_file() and saved.suffix == ".keras"


def test_the_rerun_is_recognised_and_linked_to_the_first_run(executed):
    notebook, project = executed
    first, rerun = by_name(project)["wider-dropout"]
    assert rerun["duplicate_of"] == first["id"]
    assert rerun["fingerprint"] == first["fingerprint"]
    assert rerun["status"] == "completed"  # warn, the default, trains again
    # Keras named the rebuilt model's layers anew; the experiment is still the same
    assert [layer["name"] for layer in rerun["model"]["layers"]] != \
        [layer["name"] for layer in first["model"]["layers"]]
    rerun_cell = code_cells(notebook, "%%kepler fit --name wider-dropout")[1]
    shown = "\n".join(str(output.get("data", {}).get("text/plain", "")) + output.get("text", "")
                      for output in rerun_cell.outputs)
    assert first["id"][:8] in shown  # the notice names the earlier run


def test_the_grid_trains_only_the_points_not_done(executed):
    notebook, project = executed
    trained = grid_records(project)
    assert len(trained) == 3  # 4 points, one already trained by hand in section 5
    assert all(r["status"] == "completed" and "digits" in r["tags"] for r in trained)

    def point(record):
        has_dropout = any(layer["class"] == "Dropout" for layer in record["model"]["layers"])
        return record["model"]["layers"][0]["units"], has_dropout

    assert sorted(map(point, trained)) == [(64, False), (64, True), (128, False)]
    improved = by_name(project)["wider-dropout"][0]
    assert point(improved) == (128, True)
    # the first sweep skipped one point, the second sweep all four
    skipped = read_events(Journal(project).kepler_dir, kind="skipped")
    assert len(skipped) == 5
    assert "4 skipped" in cell_text(notebook, "again = kepler_jupyter.grid")


def test_the_note_is_stored_and_searchable(executed):
    notebook, project = executed
    noted = [r for r in Journal(project).experiments() if (r["notes"] or {}).get("conclusion")]
    assert len(noted) == 1
    assert "held-out test set" in noted[0]["notes"]["conclusion"]
    assert noted[0]["notes"]["hypothesis"]  # the note did not replace the hypothesis
    assert noted[0]["id"][:8] in cell_text(notebook, "%kepler search conclusion~held-out")
    assert any(event.experiment_id == noted[0]["id"]
               for event in read_events(Journal(project).kepler_dir, kind="note"))


def test_comparison_list_and_search_show_the_best_runs(executed):
    notebook, project = executed
    baseline = by_name(project)["baseline"][0]
    comparison = cell_text(notebook, "%kepler compare {baseline_id}")
    assert baseline["id"][:8] in comparison and "val_accuracy" in comparison
    others = by_name(project)["wider-dropout"] + grid_records(project)
    assert any(record["id"][:8] in comparison for record in others)
    assert "val_accuracy" in cell_text(notebook, "%kepler compare --tag digits")

    listing = cell_text(notebook, "%kepler list").splitlines()
    assert any("blocked" in line for line in listing)
    # sorted by the goal: the first row is the best, marked, and it reached the goal
    header = next(index for index, line in enumerate(listing) if line.startswith("id "))
    first_row = listing[header + 1]
    assert "★" in first_row
    assert any(record["id"] in first_row for record in best_by_goal(project))

    assert "same" in cell_text(notebook, "%kepler search --like")  # same data first
    found = cell_text(notebook, "%kepler search layers>2")
    assert baseline["id"][:8] not in found  # two layers only


def test_the_comparison_highlights_no_auto_generated_names(executed):
    # Keras numbers optimizers adam, adam_1, adam_2... in every session: a row that differs
    # only by such a name is noise, and should not be shown as a difference (kepler's own
    # "what changed" report already leaves these names out).
    notebook, _ = executed
    comparison = cell_text(notebook, "%kepler compare {baseline_id}")
    assert "optimizer_config.name" not in comparison


def test_no_cell_failed_or_warned_about_kepler_itself(executed):
    notebook, _ = executed
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", cell.source
            text = output.get("text", "")
            assert "KeplerInternalWarning" not in text, cell.source
            # a widget message with NaN in it is not valid JSON for the front end
            assert "not JSON compliant" not in text, cell.source
