"""``Journal``: the public API over a project's experiment records."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kepler_jupyter.journal import logfile
from kepler_jupyter.journal.errors import JournalError
from kepler_jupyter.journal.frame import FRAME_FIELDS, records_to_dataframe
from kepler_jupyter.journal.index import IndexUnavailable, index_for
from kepler_jupyter.journal.index_rows import id_of_key
from kepler_jupyter.journal.indexed import (
    Entry,
    IndexedReads,
    ListingPage,
    RecordList,
    StaleIndex,
    indexed_condition,
    only_listing_fields,
)
from kepler_jupyter.journal.logfile import journal_file_for
from kepler_jupyter.journal.pending import settle
from kepler_jupyter.journal.progress import drop_progress, save_progress, with_progress
from kepler_jupyter.journal.project import KEPLER_DIR_NAME, resolve_project_dir
from kepler_jupyter.journal.record import json_safe, normalize, to_stored
from kepler_jupyter.journal.removal import ArchivedView, check_view, keep_for_view
from kepler_jupyter.warnings import KeplerInternalWarning

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from tinydb.table import Table

    from kepler_jupyter.journal.compaction import CompactionReport

class Journal:
    """The experiment records of one project, stored in ``<project>/.kepler/journal.jsonl``.

    Opening a journal reads nothing and creates nothing; the ``.kepler`` folder is created by
    the first write. Beside the journal, ``.kepler/index.sqlite`` (see ``journal.index``)
    locates each record's latest line and holds the fields listings show, so ``get`` reads
    one line, listings and searches on indexed fields are SQL queries, and nothing reads the
    whole file unless asked for every record. The index is derived: it is checked against the
    journal before each read and rebuilt from it when missing or stale. Where it cannot be
    used (a read-only folder), every Journal of the same project in one process shares one
    in-memory view of the file instead.

    Records handed out (by ``get``, ``experiments``, ``search``, ``query``) are fresh dicts at
    the top level, but their nested dicts and lists are shared with that view: treat them as
    read-only, and change a record with ``update``.

    Parameters
    ----------
    project_dir
        The project folder. ``None``: the folder set by ``%kepler init``, else
        ``KEPLER_PROJECT_DIR``, else the nearest folder upward with a ``.kepler/`` folder,
        else the working directory.

    Examples
    --------
    >>> journal = Journal("my_project")                    # doctest: +SKIP
    >>> journal.add({"id": new_experiment_id(), "status": "running"})  # doctest: +SKIP
    >>> journal.search(status="completed", **{"params.optimizer": "adam"})  # doctest: +SKIP
    """

    def __init__(self, project_dir: str | os.PathLike[str] | None = None) -> None:
        self._project_dir = resolve_project_dir(project_dir)
        self._file = journal_file_for(self._project_dir / KEPLER_DIR_NAME)
        self._index = index_for(self._file.kepler_dir)
        if self._file.append_observer is None:
            self._file.append_observer = self._index.record_appended
        self._reads = IndexedReads(self._index)
        self._table: Table | None = None

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

    def __len__(self) -> int:
        settle()  # a fit of this process may still be writing its final record
        if self._reads.ready():
            try:
                return self._reads.count()
            except IndexUnavailable:
                pass
        self._file.refresh()
        return len(self._file)

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

    # ----------------------------------------------------------------- writing
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

    # ----------------------------------------------------------------- reading
    def get(self, exp_id: str) -> dict[str, Any]:
        """The latest version of one experiment.

        Parameters
        ----------
        exp_id
            Its id, or a prefix of the id that no other experiment shares.

        Raises
        ------
        JournalError
            If no experiment matches, or several do.
        """
        settle()  # a fit of this process may still be writing its final record
        if self._reads.ready():
            try:
                return self._reads.read(self._resolve_indexed(exp_id))
            except (StaleIndex, IndexUnavailable):
                self._index.invalidate()
        journal_file = self._file
        with journal_file.mutex:
            record_id = self._resolve_id(exp_id)
            return normalize(with_progress(self.kepler_dir, dict(journal_file.record(record_id) or {})))

    def experiments(
        self, status: str | None = None, fields: Iterable[str] | None = None
    ) -> Sequence[dict[str, Any]]:
        """Latest version of every experiment, oldest first (by ``created``).

        Without ``fields`` the result is a ``RecordList``: a sequence (``len``, indexing,
        slicing, ``reversed``, iteration, ``==`` with a list) that holds only where each
        record's line is and reads a record from the journal when it is reached. Iterating
        over all of them parses the whole journal (seconds at 100,000 experiments) but never
        holds more than one record at a time; ``list(...)`` it only if you need them all at
        once. Prefer ``fields=``, ``search``, ``get`` or ``listing`` where they suffice.

        Parameters
        ----------
        status
            Keep only experiments with this status (``"completed"``, ``"failed"``, ...).
        fields
            Top-level fields to return (``id`` is always included), as a list of dicts. Only
            those fields are read: name, status, created, started, ended, duration_s,
            framework, tags, metrics, summary come straight from the index (a listing of
            100,000 experiments in well under a second); other fields are parsed out of each
            record's line.
        """
        settle()  # a fit of this process may still be writing its final record
        wanted = None if fields is None else {"id", *fields}
        if self._reads.ready() and (status is None or isinstance(status, str)):
            where, parameters = ("", []) if status is None else ("WHERE status = ?", [status])
            try:
                if wanted is not None and only_listing_fields(wanted):
                    return self._reads.listing_fields(where, parameters, wanted)
                entries = self._reads.entries(where, parameters)
                if wanted is not None:
                    return self._reads.fields(entries, wanted)
                return RecordList(self.path, entries, self.get)
            except (StaleIndex, IndexUnavailable):
                self._index.invalidate()
        if status is None:
            return self._listing(wanted)
        matching = self._matching([(("status",), status)])
        return [self._shaped(record_id, wanted) for record_id in matching]

    def search(self, **fields: Any) -> list[dict[str, Any]]:
        """Experiments whose fields equal the given values, oldest first.

        A key may name a nested field with dots, or with ``__`` where a Python keyword needs
        it: ``search(status="completed", **{"params.optimizer": "adam"})`` and
        ``search(params__optimizer="adam")`` are the same search. A missing field matches
        nothing. Only the fields searched are parsed until a record matches.
        """
        settle()  # a fit of this process may still be writing its final record
        conditions = [
            (tuple(key.replace("__", ".").split(".")), json_safe(value))
            for key, value in fields.items()
        ]
        if self._reads.ready():
            try:
                return self._indexed_search(conditions)
            except (StaleIndex, IndexUnavailable):
                self._index.invalidate()
        return [self._shaped(record_id, None) for record_id in self._matching(conditions)]

    def listing(self, *, status: str | None = None, tag: str | None = None,
                metric: str | None = None, best: str = "max", newest_first: bool = False,
                limit: int | None = None, offset: int = 0,
                archived: ArchivedView = "hide") -> ListingPage:
        """One page of a listing, sorted and cut in the index: what tables and panels show.

        The records are *slim*: the fields name, status, created, started, ended, duration_s,
        framework, tags, metrics, summary, duplicate_of, epochs_done as recorded, ``model``
        with only class and n_params, ``params`` with epochs, batch_size, optimizer,
        learning_rate, loss and estimator_params, ``notes``, ``findings`` with code and
        severity. Use ``get`` for a whole record.

        Parameters
        ----------
        status, tag
            Keep only experiments with this status / this tag.
        metric, best
            Sort best first by this final metric (``best`` is ``"max"`` or ``"min"``), those
            without it last; else by creation time.
        newest_first
            When not sorting by a metric: newest first instead of oldest first.
        limit, offset
            The page: at most ``limit`` records after skipping ``offset``.
        archived
            ``"hide"`` (archived records left out, as every listing does by default),
            ``"show"`` (included) or ``"only"``.

        Returns
        -------
        ListingPage
            ``records`` and ``total`` (how many match, all pages together).
        """
        settle()  # a fit of this process may still be writing its final record
        if self._reads.ready():
            try:
                return self._reads.page(status=status, tag=tag, metric=metric, best=best,
                                        newest_first=newest_first, limit=limit, offset=offset,
                                        archived=check_view(archived))
            except IndexUnavailable:
                pass
        from kepler_jupyter.journal.index_rows import slim_record

        view = check_view(archived)
        records = [slim_record(record) for record in self.experiments(status=status)
                   if (tag is None or tag in (record.get("tags") or []))
                   and keep_for_view(record, view)]
        if metric is not None:
            from kepler_jupyter.journal.index_rows import metric_values_of

            def key(record: dict[str, Any]) -> tuple[int, float]:
                value = metric_values_of(record).get(metric)
                return (1, 0.0) if value is None else (0, -value if best == "max" else value)

            records.sort(key=key)
        elif newest_first:
            records.reverse()
        end = None if limit is None else offset + limit
        return ListingPage(records[offset:end], len(records))

    def _indexed_search(self, conditions: list[tuple[tuple[str, ...], Any]]) -> list[dict[str, Any]]:
        sql, parameters, rest = [], [], []
        for path, expected in conditions:
            condition = indexed_condition(path, expected)
            if condition is None:
                rest.append((path, expected))
            else:
                sql.append(condition[0])
                parameters.append(condition[1])
        entries = self._reads.entries(f"WHERE {' AND '.join(sql)}" if sql else "", parameters)
        if rest:
            names = {path[0] for path, _ in rest}
            values = self._reads.fields(entries, names)
            entries = [entry for entry, found in zip(entries, values, strict=True)
                       if all(_equals(found, path, expected) for path, expected in rest)]
        return [self._reads.read(entry) for entry in entries]

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

    def query(self, condition: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Experiments matching a TinyDB query (or any function of a record), oldest first.

        Examples
        --------
        >>> from tinydb import Query                                   # doctest: +SKIP
        >>> journal.query(Query().metrics.val_accuracy > 0.9)          # doctest: +SKIP
        """
        settle()  # a fit of this process may still be writing its final record
        if self._reads.ready():
            try:
                entries = self._reads.entries()
                return [record for record in RecordList(self.path, entries, self.get)
                        if condition(record)]
            except (StaleIndex, IndexUnavailable):
                self._index.invalidate()
        normalized = (normalize(dict(record)) for record in self._records_oldest_first())
        return [record for record in normalized if condition(record)]

    @property
    def table(self) -> Table:
        """The records as a TinyDB table, for anything the methods above do not cover.

        Writes through it are appended like any other; document ids are stable within this
        process (order of first appearance in the file).
        """
        settle()  # a fit of this process may still be writing its final record
        if self._table is None:
            from kepler_jupyter.journal.storage import open_table

            self._table = open_table(self._file)
        return self._table

    def to_dataframe(self) -> pd.DataFrame:
        """One row per experiment, oldest first.

        Columns: id, name, status, created, duration_s, framework, model_class, n_params,
        epochs, batch_size, optimizer, learning_rate, loss, ``metrics.<name>`` for each final
        metric, tags (comma-separated), hypothesis, conclusion and archived.
        """
        settle()  # a fit of this process may still be writing its final record
        if self._reads.ready():
            try:
                # slim records hold every field the frame reads (see ``listing``)
                return records_to_dataframe(self._reads.page().records)
            except IndexUnavailable:
                pass
        return records_to_dataframe(self._listing(set(FRAME_FIELDS)))

    # ----------------------------------------------------------------- helpers
    def _records_oldest_first(self) -> list[dict[str, Any]]:
        """The view's own record dicts (do not modify), oldest first."""
        journal_file = self._file
        with journal_file.mutex:
            journal_file.refresh()
            records = journal_file.all_records()
            return [records[record_id] for record_id in journal_file.sorted_ids()]

    def _listing(self, wanted: set[str] | None) -> list[dict[str, Any]]:
        journal_file = self._file
        with journal_file.mutex:
            journal_file.refresh()
            if wanted is None:
                journal_file.all_records()  # parse in one go rather than one by one
            shaped = [self._shaped(record_id, wanted) for record_id in journal_file.sorted_ids()]
            return [record for record in shaped if record]  # gone if found unreadable just now

    def _shaped(self, record_id: str, wanted: set[str] | None) -> dict[str, Any]:
        """A fresh top-level dict: the whole record, or only the ``wanted`` fields; normalised
        (every reader gets fields of the declared types, see ``record.normalize``)."""
        if wanted is None:
            return normalize(dict(self._file.record(record_id) or {}))
        return normalize(self._file.fields(record_id, wanted))

    def _matching(self, conditions: list[tuple[tuple[str, ...], Any]]) -> list[str]:
        """Ids, oldest first, of records where every (path, value) condition holds."""
        journal_file = self._file
        names = {path[0] for path, _ in conditions}
        with journal_file.mutex:
            journal_file.refresh()
            matching = []
            for record_id in journal_file.sorted_ids():
                values = journal_file.fields(record_id, names)
                if all(_equals(values, path, expected) for path, expected in conditions):
                    matching.append(record_id)
            return matching

    def _resolve_id(self, exp_id: str) -> str:
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


def _equals(record: Mapping[str, Any], path: tuple[str, ...], expected: Any) -> bool:
    value: Any = record
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return False  # a missing field matches nothing, not even None
        value = value[key]
    return bool(value == expected)
