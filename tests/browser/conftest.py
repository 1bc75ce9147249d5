"""Shared set-up of the browser and packaging tests.

A browser test module defines ``lab_root`` (a module-scoped fixture: the folder the lab serves,
with its journal written) and gets ``lab`` (a ``jupyter lab`` serving it), ``browser`` and
``dialogs`` from here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The sample journal (tests/server/sample_journal.py) is shared with the route tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: minutes long and needs the npm / PyPI registries (the wheel build)")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module."""
    from lab_session import launch_chromium
    from playwright import sync_api as playwright_sync

    with playwright_sync.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab(lab_root, tmp_path_factory):
    """A ``jupyter lab`` serving the module's ``lab_root``, with the panel built in this tree."""
    from lab_session import start_jupyter_lab, this_trees_panel

    workdir = tmp_path_factory.mktemp("lab_work")
    with start_jupyter_lab(lab_root, workdir=workdir, extra_env=this_trees_panel(workdir)) as server:
        yield server


@pytest.fixture
def dialogs():
    """JavaScript dialogs that fired during a test: an injected ``alert`` would land here."""
    fired: list[str] = []
    yield fired
    assert fired == [], f"a script from user text ran: {fired}"
