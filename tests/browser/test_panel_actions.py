"""The panel's actions in a real JupyterLab (Playwright + Debian's Chromium): an edited
conclusion lands in the journal, archive and delete with undo, the notebook opened at the
run's cell, a deep link opened in a fresh page, the CSV download of the table's view.

One lab server for the module (conftest's ``lab``: it loads the panel built into the imported
package, so a worktree's build is what is tested).
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse

import pytest
from lab_session import PANEL, TEST_OUTPUT, UI_TIMEOUT_MS, open_lab_page, open_sidebar
from sample_journal import make_record, write_sample_journal

from kepler_jupyter.journal import Journal

pytestmark = pytest.mark.timeout(900)
CELL_CODE = "model.fit(X, y, epochs=3)"
NOTEBOOK_RUN = "n0teb00k01"


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("actions_root")
    write_sample_journal(root)
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{index}", "metadata": {},
              "outputs": [], "source": source}
             for index, source in enumerate(["import numpy as np", "x = 1\n" * 40,
                                             f"%%kepler fit\n{CELL_CODE}\n", "print('after')"])]
    notebook = {"cells": cells,
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                            "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (root / "nb").mkdir()
    (root / "nb" / "train.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    run = make_record(NOTEBOOK_RUN, "run from a notebook", "2025-01-06T10:00:00+00:00",
                      cell=CELL_CODE, tags=["nb"])
    # what a kernel started by Jupyter records: the notebook's absolute path
    run["source"] = {"cell": CELL_CODE, "notebook": str(root / "nb" / "train.ipynb")}
    Journal(root).add(run)
    return root


def open_detail(page, name: str):
    page.locator(f"{PANEL} .jp-kepler-row").filter(
        has=page.locator(".jp-kepler-row-name", has_text=name)).click()
    view = page.locator(".jp-kepler-ExperimentView").filter(
        has=page.locator(".jp-kepler-detail-name", has_text=name))
    view.wait_for(timeout=UI_TIMEOUT_MS)
    return view


def listed_ids(lab, **params: str) -> list[str]:
    query = urllib.parse.urlencode({"limit": 1000, **params})
    return [item["id"] for item in lab.api("GET", f"kepler/api/experiments?{query}")["items"]]


def test_edited_conclusion_lands_in_the_journal(lab, lab_root, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    open_sidebar(page)
    view = open_detail(page, "wider hidden layer")
    view.get_by_role("button", name="Edit notes & tags").click()
    editor = view.locator("form.jp-kepler-notes-editor")
    editor.locator("textarea[name='conclusion']").fill("Wider helped: val_accuracy 0.92")
    editor.locator("input[name='tags']").fill("baseline, wide, keep")
    TEST_OUTPUT.mkdir(exist_ok=True)
    view.screenshot(path=str(TEST_OUTPUT / "panel-actions-editing.png"))
    editor.get_by_role("button", name="Save").click()
    view.locator(".jp-kepler-note", has_text="Wider helped: val_accuracy 0.92").wait_for(
        timeout=UI_TIMEOUT_MS)
    record = Journal(lab_root).get("w1der00002")  # what a kernel reads afterwards
    assert record["notes"] == {"hypothesis": "wider hidden layer fixes underfitting",
                               "conclusion": "Wider helped: val_accuracy 0.92"}
    assert record["tags"] == ["baseline", "wide", "keep"]
    assert view.locator(".jp-kepler-tag", has_text="keep").count() == 1
    page.wait_for_timeout(300)
    page.screenshot(path=str(TEST_OUTPUT / "panel-actions-detail.png"))
    page.close()


def test_archive_then_delete_and_undo(lab, lab_root, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    panel = open_sidebar(page)
    view = open_detail(page, "diverged run")
    view.get_by_role("button", name="Archive").click()
    view.get_by_role("button", name="Unarchive").wait_for(timeout=UI_TIMEOUT_MS)
    assert Journal(lab_root).get("d1verged04")["archived"] is True
    rows = panel.locator(".jp-kepler-row[data-experiment-id='d1verged04']")
    rows.wait_for(state="detached", timeout=UI_TIMEOUT_MS)  # hidden from the list
    panel.get_by_label("Show archived").check()
    rows.wait_for(timeout=UI_TIMEOUT_MS)  # listed again on request
    view.get_by_role("button", name="Unarchive").click()
    view.get_by_role("button", name="Archive").wait_for(timeout=UI_TIMEOUT_MS)
    panel.get_by_label("Show archived").uncheck()

    view.get_by_role("button", name="Delete").click()
    page.locator(".jp-kepler-deleted", has_text="d1verged04 was deleted").wait_for(
        timeout=UI_TIMEOUT_MS)
    assert "d1verged04" not in listed_ids(lab, archived="show")
    rows.wait_for(state="detached", timeout=UI_TIMEOUT_MS)
    page.locator(".jp-kepler-deleted").get_by_role("button", name="Undo").click()
    view.locator(".jp-kepler-detail-name", has_text="diverged run").wait_for(timeout=UI_TIMEOUT_MS)
    assert Journal(lab_root).get("d1verged04")["status"] == "failed"
    rows.wait_for(timeout=UI_TIMEOUT_MS)  # back in the list
    page.close()


def test_open_notebook_at_the_runs_cell(lab, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    open_sidebar(page)
    view = open_detail(page, "run from a notebook")
    view.get_by_role("button", name="Open notebook").click()
    notebook = page.locator(".jp-NotebookPanel").filter(
        has=page.locator(".jp-Cell", has_text="print('after')"))
    notebook.wait_for(timeout=UI_TIMEOUT_MS)
    active = notebook.locator(".jp-Cell.jp-mod-active")
    active.wait_for(timeout=UI_TIMEOUT_MS)
    assert CELL_CODE in active.inner_text()
    assert page.locator(".lm-TabBar-tab.lm-mod-current", has_text="train.ipynb").count() >= 1
    page.close()


def test_deep_link_opens_the_run_in_a_fresh_page(lab, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    open_sidebar(page)
    view = open_detail(page, "baseline mlp")
    view.get_by_role("button", name="Copy link").click()
    status = view.get_by_role("status").filter(has_text="Link copied")
    status.wait_for(timeout=UI_TIMEOUT_MS)
    link = re.search(r"Link copied: (\S+)", status.inner_text()).group(1)
    assert link == f"{lab.url}lab?kepler=b4se1ine01"
    page.close()

    # A fresh page (its own browser context: no state shared with the one above)
    fresh = open_link(browser, lab, link, dialogs)
    opened = fresh.locator(".jp-kepler-ExperimentView .jp-kepler-detail-name",
                           has_text="baseline mlp")
    opened.wait_for(timeout=90_000)
    assert fresh.locator(".lm-TabBar-tab.lm-mod-current", has_text="baseline mlp").count() >= 1
    fresh.close()

    compared = open_link(browser, lab, f"{lab.url}lab?kepler-compare=b4se1ine01,w1der00002",
                         dialogs)
    view = compared.locator(".jp-kepler-CompareView")
    view.locator("tr.jp-kepler-differs").first.wait_for(timeout=90_000)
    assert "baseline mlp" in view.inner_text() and "wider hidden layer" in view.inner_text()
    # the comparison's own toolbar offers the same link
    copy = compared.locator(".jp-Toolbar [title*='lab?kepler-compare=b4se1ine01,w1der00002']")
    assert copy.count() == 1 and "Copy link" in copy.inner_text()
    compared.close()


def open_link(browser, lab, link: str, dialogs: list[str]):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{link}&token={lab.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    return page


def test_csv_download_matches_the_table_view(lab, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    panel = open_sidebar(page)
    expected = listed_ids(lab, q="epochs>=1")
    assert expected and len(expected) < len(listed_ids(lab)), "the filter should keep some"
    panel.locator(".jp-kepler-search").fill("epochs>=1")
    count = f"{len(expected)} experiment" + ("s" if len(expected) > 1 else "")
    panel.locator(".jp-kepler-total").filter(has_text=re.compile(f"^{count}$")).wait_for(
        timeout=UI_TIMEOUT_MS)
    with page.expect_download(timeout=UI_TIMEOUT_MS) as caught:
        panel.get_by_role("button", name="Export CSV").click()
    download = caught.value
    assert download.suggested_filename.startswith("kepler-") and \
        download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows[0][:3] == ["id", "name", "status"]
    assert [row[0] for row in rows[1:]] == expected
    panel.screenshot(path=str(TEST_OUTPUT / "panel-actions-sidebar.png"))
    page.close()
