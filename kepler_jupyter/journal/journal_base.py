"""What every part of ``Journal`` shares: where the journal is, and which record an id names.

``Journal`` (``journal.journal``) is this base with its writes (``journal.writes``) and its
reads (``journal.reads``); each part reaches the file, the index and the index's read paths
through the attributes set here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from kepler_jupyter.journal.errors import JournalError
from kepler_jupyter.journal.index import index_for
from kepler_jupyter.journal.indexed import Entry, IndexedReads
from kepler_jupyter.journal.logfile import journal_file_for
from kepler_jupyter.journal.pending import settle
from kepler_jupyter.journal.project import KEPLER_DIR_NAME, resolve_project_dir

if TYPE_CHECKING:  # pragma: no cover
    from tinydb.table import Table


class JournalBase:
    """A project's journal file, its index and the index's read paths (see ``Journal``)."""

    def __init__(self, project_dir: str | os.PathLike[str] | None = None) -> None:
        self._project_dir = resolve_project_dir(project_dir)
        self._file = journal_file_for(self._project_dir / KEPLER_DIR_NAME)
        self._index = index_for(self._file.kepler_dir)
        if self._file.append_observer is None:
            self._file.append_observer = self._index.record_appended
        self._reads = IndexedReads(self._index)
        self._table: Table | None = None  # the TinyDB table, opened when first asked for

    # ----------------------------------------------------------------- where
    @property
    def project_dir(self) -> Path:
        """The project folder."""
        return self._project_dir

    @property
    def kepler_dir(self) -> Path:
        """``<project>/.kepler``, which holds the journal."""
        return self._file.kepler_dir

    @property
    def path(self) -> Path:
        """The journal file, ``<project>/.kepler/journal.jsonl``."""
        return self._file.path

    @property
    def damaged_lines(self) -> list[int]:
        """Line numbers of the journal file that could not be read (already reported)."""
        settle()  # a fit of this process may still be writing its final record
        self._file.refresh()
        return sorted(self._file.damaged)

    def __repr__(self) -> str:
        return f"Journal({str(self._project_dir)!r})"

    @property
    def index_rebuilding(self) -> bool:
        """Whether this process is rebuilding the index in the background right now."""
        return self._index.rebuilding

    def indexed(self, block: bool = True) -> IndexedReads | None:
        """The index's read paths, brought up to date; ``None`` where it cannot be used.

        With ``block=False`` (a fit must not wait) a rebuild runs in the background and
        ``None`` is returned meanwhile.
        """
        settle()  # a fit of this process may still be writing its final record
        return self._reads if self._reads.ready(block=block) else None

    # ----------------------------------------------------------------- which record
    def _resolve_indexed(self, exp_id: str) -> Entry:
        """(id, offset, length) of the one experiment ``exp_id`` names, through the index."""
        if not isinstance(exp_id, str) or not exp_id.strip():
            raise JournalError(f"an experiment id must be a non-empty string, not {exp_id!r}")
        # the exact id first: one with spaces around it (a foreign journal) opens as listed
        matches = self._reads.resolve(exp_id)
        if not matches and exp_id != exp_id.strip():
            exp_id = exp_id.strip()
            matches = self._reads.resolve(exp_id)
        if len(matches) == 1:
            entry = self._reads.locate(matches[0])
            if entry is not None:
                return entry
        if not matches:
            raise JournalError(f"no experiment with an id starting with {exp_id!r} in {self.path}")
        more = len(matches) > 5
        count = f"{len(matches)}+" if more else str(len(matches))
        shown = ", ".join(matches[:5]) + (", ..." if more else "")
        raise JournalError(f"{exp_id!r} matches {count} experiments ({shown}); type more of the id")

    def _resolve_id(self, exp_id: str) -> str:
        """The full id of the one experiment ``exp_id`` names, from the in-memory view."""
        if not isinstance(exp_id, str) or not exp_id.strip():
            raise JournalError(f"an experiment id must be a non-empty string, not {exp_id!r}")
        journal_file = self._file
        journal_file.refresh()
        # the exact id first: one written with spaces around it (a foreign journal) is listed
        # as it is, so it must open as it is
        if exp_id in journal_file:
            return exp_id
        exp_id = exp_id.strip()
        if exp_id in journal_file:
            return exp_id
        matches = [record_id for record_id in journal_file.ids() if record_id.startswith(exp_id)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise JournalError(f"no experiment with an id starting with {exp_id!r} in {self.path}")
        shown = ", ".join(sorted(matches)[:5]) + (", ..." if len(matches) > 5 else "")
        raise JournalError(
            f"{exp_id!r} matches {len(matches)} experiments ({shown}); type more of the id"
        )
