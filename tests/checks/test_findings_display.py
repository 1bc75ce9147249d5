"""The findings as plain text and as the ipywidgets panel (escaping, toggles, ignore button)."""

from __future__ import annotations

import ipywidgets as widgets
import pytest
import tomlkit

from kepler_jupyter.checks.base import Finding
from kepler_jupyter.display.findings_text import render_findings_text, summary_line
from kepler_jupyter.display.widgets import FindingsPanel


@pytest.fixture
def findings():
    return [
        Finding("K104", "Batch size is not a power of two", "info", "settings", "batch_size=50",
                why="GPUs like powers of two.", fix="Use 64.", evidence={"batch_size": 50}),
        Finding("K303", "Exact duplicate training samples", "warning", "data",
                "60 of 660 samples repeat", why="Bias.", fix="Deduplicate.",
                evidence={"duplicates": 60, "example_rows": [[0, 600]]}),
        Finding("K301", "NaN or infinite values in the inputs", "error", "data",
                "column <script>alert(1)</script> has NaN", why="NaN spreads.", fix="Impute.",
                evidence={"columns": ["<img src=x onerror=alert(1)>"]}),
        Finding("K309", "Highly correlated features", "info", "data", "a ~ b"),
    ]


def test_summary_line_counts_each_severity(findings):
    assert summary_line(findings) == "1 error, 1 warning, 2 info"
    assert summary_line(findings + findings[1:2]) == "1 error, 2 warnings, 2 info"
    assert summary_line([]) == "no findings"


def test_plain_text_has_every_finding_errors_first(findings):
    text = render_findings_text(findings)
    lines = text.splitlines()
    assert lines[0] == "kepler: 1 error, 1 warning, 2 info"
    assert lines[1] == "[error] K301 NaN or infinite values in the inputs"
    assert text.index("K301") < text.index("K303") < text.index("K104")
    assert "    why: NaN spreads." in lines and "    fix: Deduplicate." in lines
    assert all(len(line) <= 100 for line in lines)
    assert render_findings_text([]) == "kepler: no findings"


def test_panel_structure_colours_and_escaping(findings):
    panel = FindingsPanel(findings)
    assert isinstance(panel, widgets.VBox)
    assert "1 error, 1 warning, 2 info" in panel.summary.value
    assert "var(--jp-error-color1" in panel.summary.value and "var(--jp-warn-color1" in panel.summary.value
    assert [entry.finding.code for entry in panel.entries] == ["K301", "K303", "K104", "K309"]
    error_entry = panel.entries[0]
    assert "kepler-finding-error" in error_entry.box._dom_classes
    header = error_entry.box.children[0].value
    assert "<script>" not in header and "&lt;script&gt;alert(1)&lt;/script&gt;" in header
    assert "<img" not in error_entry.details.value and "&lt;img src=x" in error_entry.details.value
    assert "Why it matters:" in error_entry.details.value and "Impute." in error_entry.details.value
    assert all(entry.ignore_button is None for entry in panel.entries)  # no callback, no button


def test_details_toggle_shows_and_hides(findings):
    entry = FindingsPanel(findings).entries[1]
    assert entry.details.layout.display == "none"
    entry.toggle.value = True
    assert entry.details.layout.display == "block"
    entry.toggle.value = False
    assert entry.details.layout.display == "none"


def test_ignore_button_calls_back_and_disables(findings):
    ignored = []
    panel = FindingsPanel(findings, on_ignore=ignored.append)
    entry = panel.entries[1]
    assert entry.ignore_button.description == "Ignore K303 for this project"
    entry.ignore_button.click()
    assert ignored == ["K303"]
    assert entry.ignore_button.disabled and "will not be reported again" in entry.status.value


def test_ignore_failure_is_shown_not_raised(findings):
    def refuse(code):
        raise OSError("read-only <folder>")

    panel = FindingsPanel(findings, on_ignore=refuse)
    panel.entries[0].ignore_button.click()
    status = panel.entries[0].status.value
    assert "Could not ignore K301" in status and "&lt;folder&gt;" in status
    assert not panel.entries[0].ignore_button.disabled


def test_panel_for_project_writes_the_config(tmp_path, findings):
    panel = FindingsPanel.for_project(findings, tmp_path)
    panel.entries[1].ignore_button.click()
    config = tomlkit.parse((tmp_path / ".kepler" / "config.toml").read_text()).unwrap()
    assert config["ignore"] == ["K303"]


def test_repr_is_the_plain_text(findings):
    panel = FindingsPanel(findings)
    assert repr(panel) == render_findings_text(findings)
    assert panel._repr_mimebundle_()["text/plain"].startswith("kepler: 1 error")
