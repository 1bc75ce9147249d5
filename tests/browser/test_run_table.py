"""The run table's groups, column picker, sortable headers and quick filters in a real JupyterLab
(Playwright + Debian's Chromium), on a journal with every kind of group (grouped_journal.py).

The lab (conftest's ``lab``) loads the panel built into the imported package
(``kepler_jupyter/labextension``), so a worktree's build is what is tested.
"""

from __future__ import annotations

import statistics

import pytest
from grouped_journal import RERUN_ACCURACY, write_grouped_journal
from lab_session import PANEL, TEST_OUTPUT, UI_TIMEOUT_MS, open_lab_page, open_sidebar

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("groups_root")
    write_grouped_journal(root)
    return root


def _widen_sidebar(page, panel, width: int) -> None:
    """Drag the sidebar's edge so that the screenshot shows a roomier table."""
    box = panel.bounding_box()
    edge_x, middle_y = box["x"] + box["width"] + 2, box["y"] + box["height"] / 2
    page.mouse.move(edge_x, middle_y)
    page.mouse.down()
    page.mouse.move(box["x"] + width, middle_y, steps=5)
    page.mouse.up()
    page.wait_for_timeout(300)


def _first_row_name(page) -> str:
    return page.locator(f"{PANEL} .jp-kepler-row[data-experiment-id] .jp-kepler-row-name").first.inner_text()


def test_groups_columns_sort_and_quick_filters(lab, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    page.set_viewport_size({"width": 1400, "height": 900})
    panel = open_sidebar(page)
    _widen_sidebar(page, panel, 460)
    group_switch = panel.locator(".jp-kepler-group-toggle input")
    assert group_switch.is_checked()  # grouping is on by default
    page.wait_for_function(
        f"document.querySelector('{PANEL} .jp-kepler-total')?.textContent === '13 experiments in 6 rows'",
        timeout=UI_TIMEOUT_MS)

    # Re-runs of one experiment: one row with the count and mean ± std of the metric.
    rerun = panel.locator(".jp-kepler-row[data-group-key='f:same-experiment']")
    rerun.wait_for(timeout=UI_TIMEOUT_MS)
    assert rerun.locator(".jp-kepler-group-count").inner_text() == "×4"
    mean, std = statistics.mean(RERUN_ACCURACY), statistics.stdev(RERUN_ACCURACY)
    spread = rerun.locator(".jp-kepler-group-spread").inner_text()
    shown_mean, shown_std = (float(part) for part in spread.split("±"))
    assert shown_mean == pytest.approx(mean, rel=1e-3) and shown_std == pytest.approx(std, rel=1e-3)

    # A grid's parent row expands to its points.
    sweep = panel.locator(".jp-kepler-row[data-group-key='s:lr-sweep']")
    assert sweep.get_attribute("aria-expanded") == "false"
    sweep.locator(".jp-kepler-row-expand").click()
    children = panel.locator(".jp-kepler-row-child[data-experiment-id]")
    page.wait_for_function(
        f"document.querySelectorAll('{PANEL} .jp-kepler-row-child[data-experiment-id]').length === 3",
        timeout=UI_TIMEOUT_MS)
    assert sorted(children.locator(".jp-kepler-row-name").all_inner_texts()) == [
        "run sweep0", "run sweep1", "run sweep2"]
    assert sweep.get_attribute("aria-expanded") == "true"
    TEST_OUTPUT.mkdir(exist_ok=True)
    page.wait_for_timeout(300)
    panel.screenshot(path=str(TEST_OUTPUT / "run-table-groups.png"))  # docs/panel.md

    # Sortable headers: the metric (groups by their mean), then the other way round.
    panel.locator(".jp-kepler-sort-header[data-sort='metric']").click()
    page.wait_for_function(
        f"document.querySelector('{PANEL} .jp-kepler-sort-header[data-sort=\"metric\"]')"
        "?.getAttribute('aria-sort') === 'descending'", timeout=UI_TIMEOUT_MS)
    page.wait_for_function(
        f"document.querySelector('{PANEL} .jp-kepler-row-name')?.textContent === 'run single0'",
        timeout=UI_TIMEOUT_MS)  # 0.99: the best value
    panel.locator(".jp-kepler-sort-header[data-sort='metric']").click()
    page.wait_for_function(
        f"document.querySelector('{PANEL} .jp-kepler-row[data-experiment-id]')"
        "?.getAttribute('data-group-key') === 's:old-grid'", timeout=UI_TIMEOUT_MS)  # mean 0.3

    # The column picker: a setting from the server's list becomes a column and a header.
    panel.locator("button[aria-label='Choose columns']").click()
    picker = panel.locator(".jp-kepler-picker")
    picker.locator(".jp-kepler-picker-field", has_text="batch_size").locator("input").check()
    page.wait_for_selector(f"{PANEL} .jp-kepler-cell[data-column='batch_size']", timeout=UI_TIMEOUT_MS)
    assert panel.locator(".jp-kepler-sort-header[data-sort='field:batch_size']").count() == 1
    picker.locator("button[aria-label='Close the column picker']").click()

    # Quick filters: a row's status filters the list; the chip removes the filter.
    panel.locator(".jp-kepler-row[data-experiment-id='single1'] .jp-kepler-status-filter").click()
    chip = panel.locator(".jp-kepler-chip", has_text="status failed")
    chip.wait_for(timeout=UI_TIMEOUT_MS)
    page.wait_for_function(
        f"[...document.querySelectorAll('{PANEL} .jp-kepler-row[data-experiment-id]')]"
        ".every(row => row.querySelector('.jp-kepler-status')?.textContent === 'failed')",
        timeout=UI_TIMEOUT_MS)
    chip.click()
    chip.wait_for(state="detached", timeout=UI_TIMEOUT_MS)

    # Without groups every run is a row of its own.
    group_switch.uncheck()
    page.wait_for_function(
        f"!document.querySelector('{PANEL} .jp-kepler-row-group')", timeout=UI_TIMEOUT_MS)
    page.wait_for_function(
        f"document.querySelector('{PANEL} .jp-kepler-total')?.textContent === '13 experiments'",
        timeout=UI_TIMEOUT_MS)
    page.close()
