"""The Kepler sidebar in a real JupyterLab, driven by Playwright with Debian's Chromium.

One lab server and one browser for the module; screenshots (light and dark theme) go to
``test-output/``. Needs ``/usr/bin/chromium`` and the package installed with its extensions
(``pip install -e .`` with Node, or the wheel).
"""

from __future__ import annotations

import json
import re

import pytest
from lab_session import (
    PANEL,
    TEST_OUTPUT,
    UI_TIMEOUT_MS,
    open_lab_page,
    open_notebook_in_lab,
    open_sidebar,
    set_lab_theme,
)
from sample_journal import XSS_NAME, XSS_TAG, make_record, write_sample_journal

pytestmark = pytest.mark.timeout(900)
BIG_JOURNAL_SIZE = 10_000


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab_root")
    write_sample_journal(root)
    _write_big_project(root / "big", BIG_JOURNAL_SIZE)
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": "probe",
                           "metadata": {}, "outputs": [], "source": "print(6 * 7)"}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                            "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (root / "probe.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (root / "big" / "analysis.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return root


def _write_big_project(folder, count: int) -> None:
    """A second project, in a subfolder, with ``count`` experiments."""
    from kepler_jupyter.journal import Journal

    journal = Journal(folder)
    for index in range(count):
        journal.add(make_record(f"big{index:07d}", f"big experiment {index}",
                                f"2025-02-01T00:00:00.{index:06d}+00:00",
                                history={"val_accuracy": [index / count]}))


def row(page, name: str):
    return page.locator(f"{PANEL} .jp-kepler-row").filter(
        has=page.locator(".jp-kepler-row-name", has_text=name))


def shot(page, name: str) -> None:
    TEST_OUTPUT.mkdir(exist_ok=True)
    page.wait_for_timeout(300)  # let the last render and the theme's CSS settle
    page.screenshot(path=str(TEST_OUTPUT / f"{name}.png"))


def test_list_shows_the_journal_newest_first_with_user_text_as_text(lab, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    panel = open_sidebar(page)
    names = panel.locator(".jp-kepler-row-name").all_inner_texts()
    assert names == ["blocked by leakage", "diverged run", XSS_NAME, "wider hidden layer",
                     "baseline mlp"]
    assert "5 experiments" in panel.locator(".jp-kepler-total").inner_text()
    assert "val_loss" in panel.locator(".jp-kepler-total").get_attribute("title")
    assert "val_loss" in panel.locator("select[aria-label='Sort by']").inner_text()
    # The injected markup is shown as characters and never became an element.
    assert page.locator("img[src='x']").count() == 0
    diverged = row(page, "diverged run")
    assert diverged.locator(".jp-kepler-status").inner_text() == "failed"
    assert diverged.locator(".jp-kepler-count-error").inner_text() == "1 err"
    assert row(page, "wider hidden layer").locator(".jp-kepler-row-metric").inner_text() == "0.165"

    panel.locator(".jp-kepler-search").fill("wider")
    page.wait_for_function(
        "document.querySelectorAll('#kepler-journal-panel .jp-kepler-row-name').length === 1",
        timeout=UI_TIMEOUT_MS)
    assert panel.locator(".jp-kepler-row-name").inner_text() == "wider hidden layer"
    panel.locator(".jp-kepler-search").fill("")
    page.wait_for_function(
        "document.querySelectorAll('#kepler-journal-panel .jp-kepler-row-name').length === 5",
        timeout=UI_TIMEOUT_MS)
    page.close()


def test_new_experiment_appears_without_reload(lab, browser, dialogs):
    from kepler_jupyter.journal import Journal

    page = open_lab_page(browser, lab, dialogs=dialogs)
    open_sidebar(page)
    Journal(lab.root_dir).add(make_record("n3wbr0ws3r", "finished in another kernel",
                                          "2026-01-01T00:00:00+00:00"))
    row(page, "finished in another kernel").wait_for(timeout=UI_TIMEOUT_MS)
    assert page.locator(f"{PANEL} .jp-kepler-row-name").first.inner_text() == \
        "finished in another kernel"
    page.close()


def test_detail_view_shows_findings_curves_settings_and_escaped_text(lab, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    open_sidebar(page)
    row(page, "diverged run").click()
    view = page.locator(".jp-kepler-ExperimentView")
    view.locator(".jp-kepler-detail-name", has_text="diverged run").wait_for(timeout=UI_TIMEOUT_MS)
    findings = view.locator(".jp-kepler-finding")
    assert findings.count() == 2
    assert "K501" in findings.first.inner_text()  # errors before warnings
    assert "Why K501 matters" in findings.first.inner_text()
    assert "How to fix K501" in findings.first.inner_text()
    assert view.locator("svg.jp-kepler-chart-svg").count() == 1  # loss only, NaN left as a gap
    assert "batch_size" in view.locator(".jp-kepler-table").first.inner_text() or \
        "batch_size" in view.inner_text()
    shot(page, "light-detail")

    row(page, XSS_NAME).click()
    xss_view = page.locator(".jp-kepler-ExperimentView").filter(
        has=page.locator(".jp-kepler-detail-name", has_text=XSS_NAME))
    xss_view.wait_for(timeout=UI_TIMEOUT_MS)
    text = xss_view.inner_text()
    for literal in (XSS_NAME, XSS_TAG, "<b>bold?</b> & <i>notes</i>", "<script>alert(3)</script>"):
        assert literal in text, literal
    assert page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel", has_text=XSS_NAME).count() >= 1
    assert page.locator("img[src='x'], b:text('bold?')").count() == 0
    page.close()


def test_compare_view_highlights_differences_and_overlays_curves(lab, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    panel = open_sidebar(page)
    compare = panel.locator("button", has_text="Compare")
    assert compare.is_disabled()
    row(page, "baseline mlp").locator(".jp-kepler-row-check").check()
    row(page, "wider hidden layer").locator(".jp-kepler-row-check").check()
    assert compare.inner_text() == "Compare (2)" and compare.is_enabled()
    compare.click()
    view = page.locator(".jp-kepler-CompareView")
    view.locator("tr.jp-kepler-differs").first.wait_for(timeout=UI_TIMEOUT_MS)
    differing = view.locator("tr.jp-kepler-differs th[scope='row']").all_inner_texts()
    assert "params.batch_size" in differing and "params.learning_rate" not in differing
    view.get_by_label("only the settings that differ").uncheck()  # on by default
    same_rows = view.locator("tr:not(.jp-kepler-differs) th[scope='row']").all_inner_texts()
    assert "params.learning_rate" in same_rows
    charts = view.locator(".jp-kepler-chart")
    assert charts.count() == 4  # loss, accuracy, val_loss, val_accuracy
    assert charts.first.locator("path.jp-kepler-chart-line").count() == 2  # one per experiment
    shot(page, "light-compare")
    view.locator("tr.jp-kepler-differs").first.scroll_into_view_if_needed()
    shot(page, "light-compare-settings")

    open_sidebar(page)
    page.locator(f"{PANEL}").screenshot(path=str(TEST_OUTPUT / "light-sidebar.png"))
    page.close()


def test_dark_theme_screenshots(lab, browser, dialogs):
    set_lab_theme(lab, "JupyterLab Dark")
    try:
        page = open_lab_page(browser, lab, dialogs=dialogs)
        page.wait_for_selector("body[data-jp-theme-light='false']", state="attached",
                               timeout=UI_TIMEOUT_MS)
        open_sidebar(page)
        background = page.evaluate(
            "getComputedStyle(document.querySelector('.jp-kepler-JournalPanelWidget'))"
            ".backgroundColor")
        channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
        assert sum(channels) < 3 * 128, f"panel background {background} is not dark"
        row(page, "wider hidden layer").click()
        page.locator(".jp-kepler-ExperimentView .jp-kepler-chart").first.wait_for(
            timeout=UI_TIMEOUT_MS)
        shot(page, "dark-detail")
        row(page, "baseline mlp").locator(".jp-kepler-row-check").check()
        row(page, "wider hidden layer").locator(".jp-kepler-row-check").check()
        row(page, "diverged run").locator(".jp-kepler-row-check").check()
        page.locator(f"{PANEL} button", has_text="Compare").click()
        page.locator(".jp-kepler-CompareView tr.jp-kepler-differs").first.wait_for(
            timeout=UI_TIMEOUT_MS)
        shot(page, "dark-compare")
        page.close()
    finally:
        set_lab_theme(lab, "JupyterLab Light")


def test_open_notebook_helper_runs_a_cell(lab, browser, dialogs):
    """The helper the quickstart-notebook test will use: open, run, read the output."""
    page = open_lab_page(browser, lab, dialogs=dialogs)
    panel = open_notebook_in_lab(page, lab, "probe.ipynb")
    panel.locator(".jp-Cell").first.click()
    page.keyboard.press("Shift+Enter")
    output = panel.locator(".jp-OutputArea-output").first
    try:
        output.wait_for(timeout=60_000)
    except Exception:
        shot(page, "failed-notebook-helper")
        raise
    assert output.inner_text().strip() == "42"
    page.close()


def test_ten_thousand_experiments_of_the_active_notebooks_project(lab, browser, dialogs):
    """The panel follows the notebook's folder, renders only visible rows, and scrolls fast."""
    page = open_lab_page(browser, lab, dialogs=dialogs)
    open_notebook_in_lab(page, lab, "big/analysis.ipynb")
    panel = open_sidebar(page)
    total = panel.locator(".jp-kepler-total")
    page.wait_for_function(
        "document.querySelector('#kepler-journal-panel .jp-kepler-total').textContent"
        ".startsWith('10,000')", timeout=UI_TIMEOUT_MS)
    assert panel.locator(".jp-kepler-project").inner_text() == "project big"
    assert total.inner_text() == "10,000 experiments"
    assert panel.locator(".jp-kepler-row-name").first.inner_text() == "big experiment 9999"
    rendered = panel.locator(".jp-kepler-VirtualList-row").count()
    assert 5 < rendered < 80, rendered  # only what is in view, not 10,000 rows

    panel.locator(".jp-kepler-VirtualList").evaluate("list => { list.scrollTop = list.scrollHeight; }")
    row(page, "big experiment 0").wait_for(timeout=UI_TIMEOUT_MS)
    assert panel.locator(".jp-kepler-VirtualList-row").count() < 80

    panel.locator("select[aria-label='Sort by']").select_option("metric")
    row(page, "big experiment 9999").wait_for(timeout=UI_TIMEOUT_MS)
    assert panel.locator(".jp-kepler-row-name").first.inner_text() == "big experiment 9999"
    shot(page, "light-10k")
    page.close()


def test_run_table_columns_sort_and_search_expression(lab, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    panel = open_sidebar(page)
    count = "document.querySelectorAll('#kepler-journal-panel .jp-kepler-row-name').length === {}"
    row(page, "wider hidden layer").wait_for(timeout=UI_TIMEOUT_MS)
    # the module's journal: the sample's five runs, plus what earlier tests in this file added
    everything = panel.locator(".jp-kepler-row-name").count()
    assert everything >= 5
    # The same expression `%kepler search` takes, evaluated by the server.
    panel.locator(".jp-kepler-search").fill("val_accuracy>0.9")
    page.wait_for_function(count.format(1), timeout=UI_TIMEOUT_MS)
    assert panel.locator(".jp-kepler-row-name").inner_text() == "wider hidden layer"
    panel.locator(".jp-kepler-search").fill("")
    page.wait_for_function(count.format(everything), timeout=UI_TIMEOUT_MS)

    columns = panel.locator(".jp-kepler-columns")
    columns.fill("learning_rate, val_accuracy")
    columns.press("Enter")
    cell = "#kepler-journal-panel .jp-kepler-cell[data-column='learning_rate']"
    page.wait_for_selector(cell, timeout=UI_TIMEOUT_MS)
    diverged = row(page, "diverged run").locator(".jp-kepler-cell[data-column='learning_rate']")
    assert diverged.inner_text().split() == ["learning_rate", "5"]
    panel.locator("select[aria-label='Sort by']").select_option("field:learning_rate")
    panel.locator("button[aria-label='Reverse order']").click()
    page.wait_for_function(
        "document.querySelector('#kepler-journal-panel .jp-kepler-row-name')?.textContent"
        " === 'diverged run'", timeout=UI_TIMEOUT_MS)
    shot(page, "run-table")

    page.reload()  # the choice is kept for the project
    page.wait_for_selector(f".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='{PANEL[1:]}']",
                           timeout=UI_TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let the layout restorer settle which sidebar is open
    panel = open_sidebar(page)
    page.wait_for_selector(cell, timeout=UI_TIMEOUT_MS)
    assert panel.locator(".jp-kepler-columns").input_value() == "learning_rate, val_accuracy"
    assert panel.locator("select[aria-label='Sort by']").input_value() == "field:learning_rate"
    page.close()
