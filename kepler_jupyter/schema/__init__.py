"""The JSON schema of the ``/kepler/api/`` payloads, shared by the server and the JupyterLab panel.

The panel's TypeScript types are generated from the same file (``labextension/src/schema.ts``),
so a change here shows up as a type error or a failing jest test on the other side.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

API_SCHEMA_PATH = Path(__file__).with_name("journal_api.schema.json")


@cache
def load_api_schema() -> dict[str, Any]:
    """The parsed schema (draft 2020-12); payload shapes are under ``$defs``."""
    return json.loads(API_SCHEMA_PATH.read_text(encoding="utf-8"))


API_SCHEMA_VERSION: int = load_api_schema()["x-schema-version"]
