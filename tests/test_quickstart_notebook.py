"""The quickstart notebook runs top to bottom in a real kernel and fills the journal; the executed
notebook reads right where widgets do not run (nbconvert's HTML).

The notebook executes once per module; each test reads what it left behind.
"""

from __future__ import annotations

import copy

import nbformat
import pytest
from nbconvert import HTMLExporter
from notebook_runs import execute_shipped

from kepler_jupyter.journal import Journal

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """(executed notebook, project folder) after a headless run in a fresh project."""
    project = tmp_path_factory.mktemp("quickstart")
    return execute_shipped("quickstart.ipynb", project), project


def fit_cells(notebook) -> list:
    return [cell for cell in notebook.cells
            if cell.cell_type == "code" and cell.source.startswith("%%kepler fit")]


def test_quickstart_runs_headless_and_journals_its_experiments(executed):
    notebook, tmp_path = executed
    records = Journal(tmp_path).experiments()
    by_name = {record["name"]: record for record in records}
    assert {"digits-mlp", "digits-logreg"} <= set(by_name)
    mlp, logreg = by_name["digits-mlp"], by_name["digits-logreg"]
    assert mlp["status"] == "completed" and logreg["status"] == "completed"
    assert len(mlp["history"]["val_accuracy"]) == 8
    assert mlp["metrics"]["val_accuracy"] > 0.85
    assert logreg["metrics"]["val_score"] > 0.85
    raw = by_name["digits-mlp-raw-pixels"]
    assert raw["status"] == "completed"  # a warning never stops a fit
    assert "K306" in {finding["code"] for finding in raw["findings"]}
    # its training symptom names the cause kepler read before the fit, not the bare symptom
    symptoms = [f for f in raw["findings"] if str(f["code"]).startswith("K5")]
    assert symptoms, "the raw-pixel run should show a training symptom"
    assert any("unscaled inputs" in f["message"] and "K306" in f["message"] for f in symptoms), \
        [f["message"] for f in symptoms]
    assert not any(f["severity"] in ("error", "warning") for f in mlp["findings"] if f["stage"] != "results")
    outputs = "".join(
        output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    assert "digits-mlp" in outputs and "digits-logreg" in outputs  # %kepler list's table
    # charts travel as plotly's JSON, not as a FigureWidget carrying plotly.js (5 MB each)
    assert len(nbformat.writes(notebook)) < 5_000_000


def test_each_fit_cell_is_one_block_whose_bundle_has_a_static_twin(executed):
    notebook, _ = executed
    for cell in fit_cells(notebook):
        shown = [output for output in cell.outputs if output.output_type == "display_data"]
        assert len(shown) == 1, cell.source  # one block per cell (Keras' own log is a stream)
        data = shown[0].data
        assert WIDGET_VIEW in data and "text/html" in data and "text/plain" in data
    keras_cells = [cell for cell in fit_cells(notebook) if "model.fit(" in cell.source]
    for cell in keras_cells:  # one chart per fit, sent again with its final state
        static = next(o for o in cell.outputs if o.output_type == "display_data").data["text/html"]
        assert static.count("<svg") == 1 and "<polyline" in static, cell.source


def test_the_executed_quickstart_reads_right_as_html(executed):
    """As JupyterLab saves a notebook (no widget state, its default), converted to HTML by
    nbconvert: the findings and the charts are in the page, without any script to run."""
    notebook, _ = executed
    saved = copy.deepcopy(notebook)
    saved.metadata.pop("widgets", None)
    page, _resources = HTMLExporter().from_notebook_node(saved)
    assert "K306" in page and "raw 0–255 pixel values" in page  # the flawed fit's finding
    assert "How to fix" in page  # its details, folded in a <details> element
    assert page.count("<svg") >= 3  # the curves of the two Keras fits and the comparison
    assert page.count("<polyline") >= 8
    assert "Error displaying widget" not in page and "Loading widget" not in page

    # as executed (nbclient stores the widget state), nbconvert renders the widgets with
    # ipywidgets' HTML manager: the state it loads carries the findings and the charts' SVG
    # (the plotly outputs' own text/html, for a manager without plotly's renderer)
    page_with_state, _resources = HTMLExporter().from_notebook_node(notebook)
    assert "widget-state+json" in page_with_state
    assert "K306" in page_with_state and "<svg xmlns" in page_with_state
