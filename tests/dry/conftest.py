"""Fixtures of the don't-repeat-yourself tests (record factories live in ``records.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def journal(project: Any) -> Iterator[Any]:
    """An empty real journal in a fresh project folder (the suite's ``project`` fixture)."""
    from kepler_jupyter.journal import Journal

    yield Journal(project)
