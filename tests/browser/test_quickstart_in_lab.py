"""The quickstart notebook run in a real JupyterLab: its widgets render in the page.

The notebook is copied into a fresh project (a root with an empty ``.kepler/``), opened in
``jupyter lab`` and run with the Run menu's "Run All Cells", as a user would. Then the page must
show kepler's findings panel for the deliberately flawed fit as a live ipywidget, the plotly
chart of ``%kepler compare --tag quickstart`` actually drawn, and the Kepler sidebar listing the
three experiments the notebook made. Screenshots go to ``test-output/quickstart-*.png``.

Needs ``/usr/bin/chromium`` and the package installed with its extensions; the notebook trains
two small Keras models and a logistic regression (about half a minute on two cores).
"""

from __future__ import annotations

import json
import time

import pytest
from lab_session import (
    REPO,
    TEST_OUTPUT,
    open_lab_page,
    open_notebook_in_lab,
    start_jupyter_lab,
)
from playwright import sync_api as playwright_sync
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(900)

QUICKSTART = REPO / "notebooks" / "quickstart.ipynb"
QUICKSTART_EXPERIMENTS = ("digits-mlp", "digits-logreg", "digits-mlp-raw-pixels")
PANEL = "#kepler-journal-panel"
RUN_ALL_TIMEOUT_S = 240
UI_TIMEOUT_MS = 30_000

# True once every code cell has an execution count ("[12]:"), none is queued or running
# ("[*]:") and none is unrun ("[ ]:"). All cells are in the DOM: JupyterLab 4's default
# windowing mode ("contentVisibility") only skips painting cells out of view.
ALL_CELLS_RAN_JS = """() => {
  const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
}"""


@pytest.fixture(scope="module")
def quickstart_root(tmp_path_factory):
    """A project folder holding only the quickstart (outputs cleared) and an empty journal.

    Cleared, so that every output the tests look at comes from this run, and the wait for the
    run to end cannot pass on execution counts saved in the file.
    """
    root = tmp_path_factory.mktemp("quickstart_root")
    (root / ".kepler").mkdir()
    notebook = json.loads(QUICKSTART.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook["metadata"].pop("widgets", None)  # saved widget state would render without a kernel
    (root / "quickstart.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def lab(quickstart_root, tmp_path_factory):
    with start_jupyter_lab(quickstart_root, workdir=tmp_path_factory.mktemp("quickstart_lab")) as server:
        yield server


@pytest.fixture(scope="module")
def dialogs():
    """JavaScript dialogs fired while the notebook ran and its outputs were looked at."""
    return []


@pytest.fixture(scope="module")
def ran_quickstart(lab, browser, dialogs):
    """The page, and the notebook's panel, once "Run All Cells" on the quickstart finished."""
    page = open_lab_page(browser, lab, dialogs=dialogs)
    notebook = open_notebook_in_lab(page, lab, "quickstart.ipynb")
    code_cells = notebook.locator(".jp-CodeCell").count()
    assert code_cells >= 10, f"the quickstart shows only {code_cells} code cells"
    started = time.perf_counter()
    run_all_cells(page)
    try:
        page.wait_for_function(ALL_CELLS_RAN_JS, timeout=RUN_ALL_TIMEOUT_S * 1000)
        wait_for_idle_kernel(page)
    except playwright_sync.TimeoutError:
        shot(page, "quickstart-failed-run")
        raise
    run_s = time.perf_counter() - started
    print(f"quickstart: {code_cells} code cells ran in {run_s:.1f} s")
    yield page, notebook
    page.close()


def run_all_cells(page) -> None:
    """Run > Run All Cells, from the menu bar."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()


def wait_for_idle_kernel(page) -> None:
    page.locator("#jp-main-statusbar").get_by_text("| Idle").wait_for(timeout=UI_TIMEOUT_MS)


def code_cell(notebook, source_text: str):
    """The code cell whose input contains ``source_text``."""
    return notebook.locator(".jp-CodeCell").filter(
        has=notebook.page.locator(".jp-InputArea", has_text=source_text))


def bring_into_view(page, element, block: str = "start") -> None:
    """Scroll ``element`` into the notebook's view and let JupyterLab paint it.

    Cells out of view are not painted (JupyterLab's "contentVisibility" windowing), and their
    ``innerText`` stays empty until the cell is drawn again after scrolling.
    """
    element.evaluate(f"node => node.scrollIntoView({{block: '{block}'}})")
    page.wait_for_timeout(300)


def shot(page, name: str) -> None:
    """A screenshot of the window as the user sees it."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    page.wait_for_timeout(500)  # let the last render settle (plotly transitions, fonts)
    page.screenshot(path=str(TEST_OUTPUT / f"{name}.png"))


def test_every_cell_ran_without_an_error_from_kepler(ran_quickstart, dialogs):
    page, notebook = ran_quickstart
    outputs = notebook.locator(".jp-OutputArea-output")
    assert outputs.count() > 0
    # textContent, not innerText: it includes outputs scrolled out of view as well
    texts = outputs.evaluate_all("nodes => nodes.map(node => node.textContent)")
    for text in texts:
        assert "Traceback" not in text, text[-2000:]
        assert "KeplerInternalWarning" not in text, text[-2000:]
    # A cell that raised is drawn with the error mimetype even when its text is short.
    assert notebook.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    assert dialogs == []


def test_findings_widget_renders_for_the_flawed_fit(ran_quickstart, dialogs):
    page, notebook = ran_quickstart
    cell = code_cell(notebook, "--name digits-mlp-raw-pixels")
    expect(cell).to_have_count(1)
    # A live ipywidget: the widget manager turned the view into DOM (a text fallback or an
    # unrendered "Loading widget..." has no such element). The panel before training holds
    # K306 (raw pixels) and K308 (constant border pixels).
    panel = cell.locator(".jupyter-widgets.kepler-findings").filter(has_text="K306").first
    panel.wait_for(timeout=UI_TIMEOUT_MS)
    bring_into_view(page, panel)
    # innerText, which only has what is laid out: the panel is drawn, not just present
    expect(panel.locator(".kepler-findings-summary")).to_contain_text(
        "1 warning", use_inner_text=True, timeout=UI_TIMEOUT_MS)
    entry = panel.locator(".widget-vbox.kepler-finding-warning").filter(has_text="K306").first
    header = entry.locator(".kepler-finding.kepler-finding-warning")
    expect(header).to_be_visible()
    expect(header.locator(".kepler-severity-warning")).to_have_text("warning")
    expect(header.locator(".kepler-finding-code")).to_have_text("K306")
    expect(header).to_contain_text("raw 0–255 pixel values", use_inner_text=True)
    expect(cell.get_by_text("Loading widget")).to_have_count(0)

    # The Details toggle is a working widget: the kernel answers and shows the evidence.
    details = entry.locator(".kepler-findings-details")
    expect(details).to_be_hidden()
    entry.locator("button", has_text="Details").click()
    expect(details).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(details).to_contain_text("How to fix", use_inner_text=True)
    bring_into_view(page, panel)
    shot(page, "quickstart-findings")
    assert dialogs == []


def test_a_fit_cell_is_one_block_with_one_chart_and_its_findings_shown_once(ran_quickstart, dialogs):
    page, notebook = ran_quickstart
    cell = code_cell(notebook, "--name digits-mlp-raw-pixels")
    expect(cell).to_have_count(1)
    # one kepler block (Keras' own epoch log is a stream output of its own)
    block = cell.locator(".jp-OutputArea-output .kepler-cell-output")
    expect(block).to_have_count(1, timeout=UI_TIMEOUT_MS)
    # one chart: the live curves, ended as the overlay with the earlier run (digits-mlp)
    charts = block.locator(".js-plotly-plot")
    expect(charts).to_have_count(1, timeout=UI_TIMEOUT_MS)
    bring_into_view(page, charts.first, block="center")
    legend = charts.first.locator(".legend").first.text_content()
    assert "digits-mlp (" in legend and "digits-mlp-raw-pixels (" in legend, legend
    # the findings are in the widget only, not printed again as warnings in the stderr area
    stderr = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    texts = stderr.evaluate_all("nodes => nodes.map(node => node.textContent)")
    assert not any("K306" in text or "K504" in text for text in texts), texts
    assert dialogs == []


def test_comparison_chart_is_drawn(ran_quickstart, dialogs):
    page, notebook = ran_quickstart
    cell = code_cell(notebook, "%kepler compare --tag quickstart")
    expect(cell).to_have_count(1)
    view = cell.locator(".jp-OutputArea-output > .jupyter-widgets.widget-vbox").first
    view.wait_for(timeout=UI_TIMEOUT_MS)
    table = view.locator("table.kepler-table").first
    bring_into_view(page, table)
    header_text = table.locator("thead").inner_text()
    for name in QUICKSTART_EXPERIMENTS:
        assert name in header_text, header_text

    # plotly drew the overlaid curves: one line per curve of the two Keras experiments (the
    # logistic regression has no per-epoch history) and a legend naming both.
    curves = view.locator(".js-plotly-plot").first
    curves.wait_for(timeout=UI_TIMEOUT_MS)
    bring_into_view(page, curves, block="center")
    expect(curves.locator(".main-svg").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    lines = curves.locator(".scatterlayer .trace path.js-line")
    expect(lines).to_have_count(8, timeout=UI_TIMEOUT_MS)  # (loss, val_loss, acc, val_acc) × 2
    box = curves.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200, box
    legend_text = curves.locator(".legend").first.text_content()
    assert "digits-mlp (" in legend_text and "digits-mlp-raw-pixels (" in legend_text, legend_text
    # The --tag set also gets the parallel-coordinates view of settings against the metric.
    parallel = view.locator(".js-plotly-plot").nth(1)
    expect(parallel.locator(".parcoords")).not_to_have_count(0, timeout=UI_TIMEOUT_MS)
    expect(cell.get_by_text("Loading widget")).to_have_count(0)
    bring_into_view(page, curves, block="center")
    shot(page, "quickstart-compare")
    assert dialogs == []


def test_sidebar_lists_the_quickstart_experiments(ran_quickstart, lab, dialogs):
    page, _notebook = ran_quickstart
    if not page.locator(PANEL).is_visible():
        page.click(f".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='{PANEL[1:]}']")
    names = page.locator(f"{PANEL} .jp-kepler-row-name")
    # The panel polls the journal: wait until the three fits of the notebook are listed.
    page.wait_for_function(
        "count => document.querySelectorAll('#kepler-journal-panel .jp-kepler-row-name').length"
        " >= count", arg=len(QUICKSTART_EXPERIMENTS), timeout=UI_TIMEOUT_MS)
    listed = names.all_inner_texts()
    assert sorted(listed) == sorted(QUICKSTART_EXPERIMENTS), listed
    assert listed[0] == "digits-mlp-raw-pixels"  # newest first
    raw_row = page.locator(f"{PANEL} .jp-kepler-row").filter(
        has=page.locator(".jp-kepler-row-name", has_text="digits-mlp-raw-pixels"))
    assert raw_row.locator(".jp-kepler-count-warning").count() == 1  # K306 and K504
    # the kernel wrote the journal the server reads: the project of the notebook's folder
    expect(page.locator(f"{PANEL} .jp-kepler-project")).to_have_text(
        f"project {lab.root_dir.name}")
    shot(page, "quickstart-sidebar")
    assert dialogs == []
