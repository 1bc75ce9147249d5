"""Where a run came from, as the panel can open it: its notebook, relative to the server root."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any


def notebook_path(record: dict[str, Any], root_dir: Path) -> str | None:
    """``record``'s notebook as a path under ``root_dir`` in ``/`` form (the contents API's),
    or ``None`` when the record names none or one outside the root.

    Kernels started by Jupyter know their notebook as an absolute path (``JPY_SESSION_NAME``);
    older records or other front ends may hold a root-relative one.
    """
    source = record.get("source")
    notebook = source.get("notebook") if isinstance(source, dict) else None
    if not isinstance(notebook, str) or not notebook.strip():
        return None
    path = Path(notebook)
    if not path.is_absolute():
        relative = PurePosixPath(notebook.replace(os.sep, "/"))
        return None if ".." in relative.parts else str(relative)
    try:
        relative_path = Path(os.path.normpath(path)).relative_to(root_dir)
    except ValueError:
        return None
    return relative_path.as_posix()
