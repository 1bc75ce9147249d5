"""The quickstart notebook runs top to bottom in a real kernel and fills the journal."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from kepler_jupyter.journal import Journal

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "quickstart.ipynb"


def test_quickstart_runs_headless_and_journals_its_experiments(tmp_path, monkeypatch):
    monkeypatch.setenv("KEPLER_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

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
