"""The reading half of ``Journal``: one record, every record, searches, listings, frames.

Each read goes through the index (``journal.indexed``) when it can be used and is up to date,
and otherwise through this process's in-memory view of the file (``journal.file_reads``); a
stale index found mid-read is invalidated and the read answered from the view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from kepler_jupyter.journal import file_reads
from kepler_jupyter.journal.file_reads import Condition, equals
from kepler_jupyter.journal.frame import FRAME_FIELDS, records_to_dataframe
from kepler_jupyter.journal.index import IndexUnavailable
from kepler_jupyter.journal.indexed import (
    ListingPage,
    RecordList,
    StaleIndex,
    indexed_condition,
    only_listing_fields,
)
from kepler_jupyter.journal.journal_base import JournalBase
from kepler_jupyter.journal.pending import settle
from kepler_jupyter.journal.progress import with_progress
from kepler_jupyter.journal.record import normalize
from kepler_jupyter.journal.removal import ArchivedView, check_view

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from tinydb.table import Table


class JournalReads(JournalBase):
    """The reads of ``Journal`` (see there)."""

    def __len__(self) -> int:
        settle()  # a fit of this process may still be writing its final record
        if self._reads.ready():
            try:
                return self._reads.count()
            except IndexUnavailable:
                pass
        self._file.refresh()
        return len(self._file)

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
            return file_reads.listing(self._file, wanted)
        found = file_reads.matching(self._file, [(("status",), status)])
        return [file_reads.shaped(self._file, record_id, wanted) for record_id in found]

    def search(self, **fields: Any) -> list[dict[str, Any]]:
        """Experiments whose fields equal the given values, oldest first.

        A key may name a nested field with dots, or with ``__`` where a Python keyword needs
        it: ``search(status="completed", **{"params.optimizer": "adam"})`` and
        ``search(params__optimizer="adam")`` are the same search. A missing field matches
        nothing. Only the fields searched are parsed until a record matches.
        """
        settle()  # a fit of this process may still be writing its final record
        conditions = file_reads.search_conditions(fields)
        if self._reads.ready():
            try:
                return self._indexed_search(conditions)
            except (StaleIndex, IndexUnavailable):
                self._index.invalidate()
        found = file_reads.matching(self._file, conditions)
        return [file_reads.shaped(self._file, record_id, None) for record_id in found]

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
        return file_reads.listing_page(list(self.experiments(status=status)), tag=tag,
                                       metric=metric, best=best, newest_first=newest_first,
                                       limit=limit, offset=offset, view=check_view(archived))

    def _indexed_search(self, conditions: list[Condition]) -> list[dict[str, Any]]:
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
                       if all(equals(found, path, expected) for path, expected in rest)]
        return [self._reads.read(entry) for entry in entries]

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
        normalized = (normalize(dict(record)) for record in file_reads.records_oldest_first(self._file))
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
        return records_to_dataframe(file_reads.listing(self._file, set(FRAME_FIELDS)))
