"""Shared set-up of the browser and packaging tests."""

from __future__ import annotations

import sys
from pathlib import Path

# The sample journal (tests/server/sample_journal.py) is shared with the route tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: minutes long and needs the npm / PyPI registries (the wheel build)")
