"""A real jupyter_server with token authentication and the kepler extension enabled.

pytest-jupyter's fixtures are imported here rather than through ``pytest_plugins`` because
pytest refuses ``pytest_plugins`` outside the top-level conftest; importing them scopes the
server fixtures (and their async test hooks) to this folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"kepler_jupyter": True}}}


@pytest.fixture(autouse=True)
def _no_project_override(monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite's `project` fixture (and a developer's shell) may set it; these tests choose.
    monkeypatch.delenv("KEPLER_PROJECT_DIR", raising=False)


@pytest.fixture
def sample_root(jp_root_dir: Path) -> list[dict[str, Any]]:
    """The server root holds a project with the sample journal; returns its records."""
    from sample_journal import write_sample_journal

    return write_sample_journal(jp_root_dir)


@pytest.fixture
def fetch_json(jp_fetch):
    """``await fetch_json("experiments", params=...)`` -> decoded JSON of a 200 reply."""

    async def _fetch(*parts: str, **kwargs: Any) -> Any:
        response = await jp_fetch("kepler", "api", *parts, **kwargs)
        assert response.code == 200
        assert response.headers["Content-Type"].startswith("application/json")
        return json.loads(response.body)

    return _fetch

