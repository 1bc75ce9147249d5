"""Shared set-up of the browser and packaging tests."""

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
