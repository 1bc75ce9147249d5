"""Find the project (and its ``.kepler/`` journal folder) a request is about.

The rule is the kernel's rule (``KEPLER_PROJECT_DIR``, else the nearest folder upward that has
``.kepler/``, else the starting folder), with one difference that keeps the server safe: the
upward search stops at the server's root, and nothing a request names may resolve outside the
root. A kernel started for a notebook in ``<root>/sub/`` has ``<root>/sub`` as its working
directory, so the panel passes ``?path=sub`` to see the journal that kernel writes to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kepler_jupyter.journal.project import KEPLER_DIR_NAME
from kepler_jupyter.journal.project import PROJECT_DIR_ENV as PROJECT_ENV_VAR

if TYPE_CHECKING:  # pragma: no cover
    from kepler_jupyter.journal import Journal
    from kepler_jupyter.journal.indexed import IndexedReads


class ProjectPathError(Exception):
    """A request named a folder it may not see (403) or one that does not exist (404)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ProjectLocation:
    """Where one request's journal lives.

    Attributes
    ----------
    project_dir
        The project folder (real path, symlinks resolved).
    kepler_dir
        ``<project_dir>/.kepler``; it may not exist yet.
    display_path
        The project folder relative to the server root (``"."`` for the root itself), or the
        override's path when ``KEPLER_PROJECT_DIR`` is set: what the panel shows.
    """

    project_dir: Path
    kepler_dir: Path
    display_path: str

    @property
    def has_journal(self) -> bool:
        return self.kepler_dir.is_dir()

    def journal(self) -> Journal:
        """The project's journal (opening it reads and creates nothing)."""
        from kepler_jupyter.journal import Journal

        return Journal(self.project_dir)

    def indexed_reads(self) -> tuple[Journal, IndexedReads] | None:
        """The journal and its index's read paths, brought up to date; ``None`` where the
        folder has no journal (a read never creates one) or the index cannot be used."""
        if not self.has_journal:
            return None
        journal = self.journal()
        reads = journal.indexed()
        return None if reads is None else (journal, reads)


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _checked_relative_parts(relative: str, allow_hidden: bool) -> list[str]:
    """Split a request's ``?path=`` into folder names, refusing anything that could climb out.

    Containment is checked again on the resolved path (symlinks); refusing ``..``, absolute
    paths and backslashes up front gives every traversal attempt the same clear 403 instead of
    a 404 that depends on what happens to exist on disk.
    """
    if "\x00" in relative or "\\" in relative:
        raise ProjectPathError(403, "The path may not contain backslashes or NUL characters.")
    if relative.startswith("/") or (len(relative) > 1 and relative[1] == ":"):
        raise ProjectPathError(403, "The path must be relative to the Jupyter server's root.")
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise ProjectPathError(403, "The path may not leave the Jupyter server's root ('..').")
    if not allow_hidden and any(part.startswith(".") for part in parts):
        raise ProjectPathError(403, "The path names a hidden folder, which this server hides.")
    return parts


def _nearest_project(start: Path, root: Path) -> Path:
    """The nearest folder from ``start`` up to ``root`` (inclusive) with ``.kepler/``."""
    for folder in (start, *start.parents):
        if (folder / KEPLER_DIR_NAME).is_dir():
            return folder
        if folder == root:
            break
    return start


def _check_linked_files(project: Path, kepler_dir: Path, root: Path) -> None:
    """Refuse a project whose journal files link outside the root.

    The folders are checked above; a file inside them (``journal.jsonl``, ``config.toml``, an
    index, ``pyproject.toml``) can itself be a symlink, and opening it would follow the link.
    Checking every link in ``.kepler/`` (one ``scandir``, which the cache does anyway) covers
    files other modules add later too.
    """
    candidates = [project / "pyproject.toml"]
    try:
        with os.scandir(kepler_dir) as entries:
            candidates += [Path(entry.path) for entry in entries if entry.is_symlink()]
    except OSError:  # no .kepler yet, or unreadable: the journal reports that itself
        pass
    for candidate in candidates:
        if candidate.is_symlink() and not _is_within(candidate.resolve(), root):
            raise ProjectPathError(
                403, f"The project's {candidate.relative_to(project).as_posix()} links outside "
                     "the server root.")


def locate_project(root_dir: str | os.PathLike[str], relative: str | None = None, *,
                   allow_hidden: bool = False) -> ProjectLocation:
    """Resolve the project a request is about.

    Parameters
    ----------
    root_dir
        The Jupyter server's root folder (``ServerApp.root_dir``).
    relative
        The request's ``?path=``: a folder or file relative to the root, typically the folder
        of the notebook the user has open. ``None`` or ``""`` means the root.
    allow_hidden
        The contents manager's ``allow_hidden``: whether hidden folders may be named.

    Returns
    -------
    ProjectLocation

    Raises
    ------
    ProjectPathError
        403 when the path (or the journal folder it leads to) resolves outside the root,
        404 when it does not exist.
    """
    root = Path(root_dir).expanduser().resolve()
    override = os.environ.get(PROJECT_ENV_VAR, "").strip()
    if override:
        # Set by whoever started the server (kernels inherit it), never by a request: the
        # operator chose this folder, so it is served even when it lies outside the root.
        project = Path(override).expanduser().resolve()
        return ProjectLocation(project, project / KEPLER_DIR_NAME, str(project))

    parts = _checked_relative_parts(relative or "", allow_hidden)
    start = root.joinpath(*parts).resolve()
    if not _is_within(start, root):
        raise ProjectPathError(403, "The path leads outside the Jupyter server's root.")
    if not start.exists():
        raise ProjectPathError(404, f"No such folder under the server root: {'/'.join(parts)}")
    if not start.is_dir():
        start = start.parent

    project = _nearest_project(start, root)
    kepler_dir = project / KEPLER_DIR_NAME
    if kepler_dir.exists() and not _is_within(kepler_dir.resolve(), root):
        # A .kepler symlink pointing elsewhere would otherwise let a request read outside.
        raise ProjectPathError(403, "The project's .kepler folder links outside the server root.")
    _check_linked_files(project, kepler_dir, root)
    display = project.relative_to(root).as_posix() or "."
    return ProjectLocation(project, kepler_dir, display)
