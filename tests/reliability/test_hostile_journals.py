"""Property: on any journal, every reader answers, no exception escapes, every well-formed record
stays visible, and memory stays bounded. Budgets: tests/conftest.py (``KEPLER_FUZZ``)."""

from __future__ import annotations

import tempfile
import tracemalloc
import warnings
from pathlib import Path

import pytest
from hypothesis import given

from .hostile import HostileJournal, hostile_journals
from .readers import READERS


@pytest.fixture(autouse=True)
def _no_project_override(monkeypatch):
    monkeypatch.delenv("KEPLER_PROJECT_DIR", raising=False)


@given(journal=hostile_journals())
def test_every_reader_answers_and_shows_every_well_formed_record(journal: HostileJournal):
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # damaged lines are announced; that is the point
        project = Path(folder)
        journal.write(project)
        size = sum(len(line) for line in journal.lines)
        for name, reader in READERS.items():
            # memory is traced for the server, the one reader that lives as long as Jupyter
            # (tracing every reader would triple the suite's time)
            traced = name == "server"
            if traced:
                tracemalloc.start()
            try:
                shown = reader(project)
                peak = tracemalloc.get_traced_memory()[1] if traced else 0
            finally:
                if traced:
                    tracemalloc.stop()
            for exp_id in journal.good_ids:
                assert exp_id in shown, f"{name} lost the well-formed record {exp_id}"
            # bounded: the journal held a few times over, never growing without limit
            assert peak < 20 * size + 32_000_000, (name, peak, size)
