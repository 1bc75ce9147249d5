"""Which project folder a journal belongs to, and creating its ``.kepler/`` folder."""

from __future__ import annotations

import os
from pathlib import Path

KEPLER_DIR_NAME = ".kepler"
PROJECT_DIR_ENV = "KEPLER_PROJECT_DIR"

README_TEXT = """\
This folder is kepler's lab journal for the project in the folder above it.

journal.jsonl   one line per saved version of an experiment record (JSON); the last line
                for an id is the current version. Read it with kepler_jupyter.Journal or the
                `kepler` command rather than editing it by hand.
journal.lock    taken briefly by whoever writes, so that several notebooks can log at once.
journal.damaged-*.jsonl
                lines that could not be read, set aside when the journal was compacted.
index.sqlite*, index.vectors.npz
                derived from journal.jsonl to keep listings and look-ups fast; rebuilt when
                missing, so they can be deleted and need not go into version control.

Keep this folder with the project (and in version control if you like): it is the record of
what was tried. Deleting it deletes the journal.
"""

# Set by `%kepler init PATH`: wins over the environment and the upward search, not over an
# explicit argument.
_project_dir_override: Path | None = None


def set_project_dir(path: str | os.PathLike[str] | None) -> None:
    """Make ``path`` the project of every journal opened without an explicit folder.

    Parameters
    ----------
    path
        The project folder, or ``None`` to go back to the usual resolution.
    """
    global _project_dir_override
    _project_dir_override = None if path is None else _absolute(path)


def resolve_project_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The project folder a journal lives in.

    In order: ``explicit``; the folder set by ``set_project_dir`` (``%kepler init PATH``); the
    ``KEPLER_PROJECT_DIR`` environment variable; the nearest folder upward from the working
    directory that has a ``.kepler/`` folder; the working directory.

    Parameters
    ----------
    explicit
        A folder given by the caller, which always wins.

    Returns
    -------
    pathlib.Path
        An absolute path (it need not exist yet).
    """
    if explicit is not None:
        return _absolute(explicit)
    if _project_dir_override is not None:
        return _project_dir_override
    from_env = os.environ.get(PROJECT_DIR_ENV, "").strip()
    if from_env:
        return _absolute(from_env)
    cwd = Path.cwd()
    found = find_project_upward(cwd)
    return found if found is not None else cwd


def find_project_upward(start: str | os.PathLike[str]) -> Path | None:
    """The nearest folder at or above ``start`` that has a ``.kepler/`` folder, if any."""
    folder = _absolute(start)
    for candidate in (folder, *folder.parents):
        if (candidate / KEPLER_DIR_NAME).is_dir():
            return candidate
    return None


def init_project(path: str | os.PathLike[str]) -> Path:
    """Create ``<path>/.kepler/`` (with a README.txt saying what it is) if it does not exist.

    It does not make ``path`` the current project; ``set_project_dir`` does that.

    Parameters
    ----------
    path
        The project folder; created too if missing.

    Returns
    -------
    pathlib.Path
        The ``.kepler`` folder.
    """
    kepler_dir = _absolute(path) / KEPLER_DIR_NAME
    ensure_kepler_dir(kepler_dir)
    return kepler_dir


def ensure_kepler_dir(kepler_dir: Path) -> None:
    """Create a ``.kepler`` folder and its README if missing; harmless if they exist."""
    kepler_dir.mkdir(parents=True, exist_ok=True)
    readme = kepler_dir / "README.txt"
    if not readme.exists():
        try:
            readme.write_text(README_TEXT, encoding="utf-8")
        except OSError:
            # The README is a courtesy; a journal that can be written matters more.
            pass


def _absolute(path: str | os.PathLike[str]) -> Path:
    return Path(path).expanduser().resolve()
