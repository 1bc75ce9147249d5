"""The writing half of ``Journal``: add, update, archive, delete, restore, progress, compaction.

Every write is one locked, fsynced append to the journal file (``journal.logfile``); the index
follows through the file's append observer. A write that leaves many superseded lines behind
compacts the file (``journal.compaction``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kepler_jupyter.journal import logfile
from kepler_jupyter.journal.errors import JournalError
from kepler_jupyter.journal.index import IndexUnavailable
from kepler_jupyter.journal.index_rows import id_of_key
from kepler_jupyter.journal.indexed import StaleIndex
from kepler_jupyter.journal.journal_base import JournalBase
from kepler_jupyter.journal.pending import settle
from kepler_jupyter.journal.progress import drop_progress, save_progress, with_progress
from kepler_jupyter.journal.record import json_safe, normalize, to_stored
from kepler_jupyter.warnings import KeplerInternalWarning

if TYPE_CHECKING:  # pragma: no cover
    from kepler_jupyter.journal.compaction import CompactionReport


class JournalWrites(JournalBase):
    """The writes of ``Journal`` (see there)."""

    def add(self, record: Mapping[str, Any]) -> str:
        """Append a new experiment record.

        The record is converted to plain JSON (numpy values become Python numbers, NaN and
        infinity become ``None``) and gets ``format`` if it has none. This costs the same
        whatever the size of the journal: one locked, fsynced append.

        Parameters
        ----------
        record
            A dict with a string ``id`` (see ``new_experiment_id``).

        Returns
        -------
        str
            The record's id.

        Raises
        ------
        JournalError
            If the record has no id, has an id this process already knows, or cannot be
            written (the journal is then unchanged).
        """
        stored = self._normalized(record)
        record_id = stored["id"]
        # Only what this process has already read is checked: reading a whole journal to
        # check one random id would make every insert cost as much as an open.
        if record_id in self._file or self._reads.known(record_id):
            raise JournalError(
                f"the journal already has an experiment {record_id!r}; use update() to change it"
            )
        self._file.append([stored])
        self._maybe_compact()
        return record_id

    def update(self, exp_id: str, changes: Mapping[str, Any],
               merge_nested: Iterable[str] = ()) -> dict[str, Any]:
        """Merge ``changes`` into the top level of a record's latest version and save it.

        Parameters
        ----------
        exp_id
            The record's id, or a unique prefix of it.
        changes
            Top-level fields to set; a nested dict replaces the whole field.
        merge_nested
            Fields whose dict in ``changes`` is merged into the stored dict instead
            (``merge_nested=["notes"]`` sets the conclusion and keeps the hypothesis), under
            the same lock, so an edit never undoes another writer's change to the same field.

        Returns
        -------
        dict
            The new latest version.

        Raises
        ------
        JournalError
            If no record (or more than one) matches ``exp_id``, if ``changes`` tries to
            change the id, or if the write fails (the journal is then unchanged).
        """
        settle()  # a fit of this process may still be writing its final record
        if not isinstance(changes, Mapping):
            raise JournalError(f"update() takes a dict of changes, not {type(changes).__name__}")
        safe_changes = json_safe(changes)
        journal_file = self._file
        # The current version is read and the new one appended under one lock, so two
        # kernels updating the same record at once each merge into the other's version
        # instead of overwriting it. Through the index that is one line read; without it the
        # in-memory view catches up first, before the lock (other writers need not wait).
        indexed = self._reads.ready(block=False)
        if not indexed:
            journal_file.refresh()
        with journal_file.locked():
            current = None
            if indexed and self._reads.ready(block=False):
                try:
                    entry = self._resolve_indexed(exp_id)
                    record_id = id_of_key(entry[0])
                    current = self._reads.read_as_stored(entry)
                except (StaleIndex, IndexUnavailable):
                    self._index.invalidate()
                    journal_file.refresh()
            if current is None:
                record_id = self._resolve_id(exp_id)
                current = journal_file.record(record_id)
            if safe_changes.get("id", record_id) != record_id:
                raise JournalError(
                    f"the id of experiment {record_id!r} cannot be changed "
                    f"(to {safe_changes['id']!r})"
                )
            if current is None:  # its only version turned out unreadable just now
                raise JournalError(f"experiment {record_id!r} could not be read from {self.path}")
            merged = {**with_progress(self.kepler_dir, current), **safe_changes}
            for name in merge_nested:
                if isinstance(current.get(name), dict) and isinstance(safe_changes.get(name), dict):
                    merged[name] = {**current[name], **safe_changes[name]}
            journal_file.append([merged])
        drop_progress(self.kepler_dir, record_id)  # this version holds the progress now
        self._maybe_compact()
        return dict(merged)

    def archive(self, exp_id: str, archived: bool = True) -> dict[str, Any]:
        """Archive (or, with ``archived=False``, unarchive) an experiment; returns the record.

        An archived record stays in the journal and in every data read, but listings leave it
        out unless asked (see ``listing``).
        """
        return self.update(exp_id, {"archived": bool(archived)})

    def delete(self, exp_id: str) -> str:
        """Delete an experiment: it is gone from every read at once; returns its full id.

        Its earlier lines stay in the file until the next compaction, so ``restore`` can undo
        this until then.

        Raises
        ------
        JournalError
            If no record (or more than one) matches ``exp_id``, or the write fails.
        """
        from kepler_jupyter.journal.lines import tombstone

        if self._reads.ready():
            try:
                record_id = self._resolve_indexed(exp_id)[0]
            except (StaleIndex, IndexUnavailable):
                self._index.invalidate()
                record_id = self._resolve_id(exp_id)
        else:
            record_id = self._resolve_id(exp_id)
        self._file.append([tombstone(record_id)])
        self._maybe_compact()
        return record_id

    def restore(self, exp_id: str) -> dict[str, Any]:
        """Undo ``delete``: the experiment's last version becomes its latest again.

        Parameters
        ----------
        exp_id
            The full id of the deleted experiment (a prefix cannot name a deleted record).

        Raises
        ------
        JournalError
            If the experiment is not deleted, or compaction has already dropped it.
        """
        from kepler_jupyter.journal.removal import last_version_before_delete

        with self._file.locked():
            version = last_version_before_delete(self.path, exp_id)
            if version is None:
                self._file.refresh()
                if exp_id in self._file:
                    raise JournalError(f"experiment {exp_id!r} is not deleted")
                raise JournalError(
                    f"experiment {exp_id!r} cannot be restored: it is not in {self.path} "
                    "(a compaction drops deleted experiments for good)")
            self._file.append([version])
        return normalize(dict(version))

    def save_progress(self, exp_id: str, changes: Mapping[str, Any]) -> None:
        """Save a running experiment's progress (its curves so far) without a journal line.

        Kept in ``.kepler/progress/`` and merged into the record by every read while it is
        ``running``; the record's next ``update`` takes it in. Saving every few seconds during
        a long fit therefore costs one small file write and never grows the journal.

        Raises
        ------
        JournalError
            If the progress cannot be written.
        """
        try:
            save_progress(self.kepler_dir, exp_id, json_safe(changes))
        except (OSError, TypeError, ValueError) as error:
            raise JournalError(f"kepler could not save the progress of {exp_id!r}: {error}") from error

    def compact(self) -> CompactionReport:
        """Rewrite the journal keeping only the latest version of each record.

        Safe against crashes and concurrent writers; lines that cannot be read are first set
        aside in ``.kepler/journal.damaged-<time>.jsonl``. Runs by itself when the file holds
        many superseded versions.

        Returns
        -------
        CompactionReport
            Lines before and after, records kept, and the side file of damaged lines if any.

        Raises
        ------
        JournalError
            If the rewrite fails; the journal is then left as it was.
        """
        from kepler_jupyter.journal.compaction import compact

        return compact(self._file, self._index)

    @staticmethod
    def _normalized(record: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return to_stored(record)
        except (TypeError, ValueError) as error:
            raise JournalError(str(error)) from None

    def _maybe_compact(self) -> None:
        if not (self._file.needs_compaction() or self._index_says_compact()):
            return
        try:
            self.compact()
        except Exception as error:  # the write itself succeeded; compaction can wait
            warnings.warn(
                f"kepler could not compact its journal {self.path}: {error}",
                KeplerInternalWarning,
                stacklevel=3,
            )

    def _index_says_compact(self) -> bool:
        """Many superseded lines (over 1000 lines and over twice the records), per the index."""
        try:
            state = self._index.state() if self._index.path.exists() else None
            if state is None or state.lines <= logfile.AUTO_COMPACT_MIN_LINES:
                return False
            return state.lines > 2 * self._reads.count()
        except Exception:  # the index is an optimisation: never fail a write for it
            return False
