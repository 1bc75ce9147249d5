"""TinyDB over the journal file: any TinyDB query (and write) works on experiment records.

TinyDB's storage interface reads and writes the whole database at once. Here ``read`` hands
out the in-memory view (kept current by incremental reads) and ``write`` compares what TinyDB
gives back with what ``read`` handed out, appending only the records that changed and a
tombstone for each removed one; records other processes appended meanwhile are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from kepler_jupyter.journal.errors import JournalError
from kepler_jupyter.journal.ids import new_experiment_id
from kepler_jupyter.journal.lines import tombstone
from kepler_jupyter.journal.logfile import JournalFile
from kepler_jupyter.journal.record import to_stored

TABLE_NAME = TinyDB.default_table_name


class JournalStorage(Storage):
    """A ``tinydb.Storage`` over an append-only ``journal.jsonl``.

    Parameters
    ----------
    journal_file
        The process-wide view of the file (see ``logfile.journal_file_for``).
    """

    def __init__(self, journal_file: JournalFile) -> None:
        self._file = journal_file
        # What the last read() handed out, by document id: write() diffs against it. These
        # are the journal's own record dicts, which are never changed in place.
        self._handed_out: dict[int, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        journal_file = self._file
        with journal_file.mutex:
            journal_file.refresh()
            records = journal_file.all_records()
            doc_ids = journal_file.doc_ids  # after parsing: a damaged line may re-read the file
            snapshot = {doc_ids[key]: record for key, record in records.items()}
        self._handed_out = snapshot
        if not snapshot:
            return None
        # Shallow copies: TinyDB's update operations change the top level of the dicts it is
        # given, and must not change the journal's copy behind write()'s back.
        return {TABLE_NAME: {str(doc_id): dict(record) for doc_id, record in snapshot.items()}}

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        other_tables = [name for name, table in data.items() if name != TABLE_NAME and table]
        if other_tables:
            raise JournalError(
                f"the kepler journal holds a single table; cannot store table(s) {other_tables}"
            )
        table = {int(doc_id): document for doc_id, document in data.get(TABLE_NAME, {}).items()}
        journal_file = self._file
        with journal_file.locked():
            journal_file.refresh()
            handed_out = self._handed_out
            if handed_out is None:
                handed_out = {
                    journal_file.doc_ids[key]: record
                    for key, record in journal_file.all_records().items()
                }
            versions = self._changed_versions(table, handed_out)
            versions += [
                tombstone(journal_file.ids_by_doc[doc_id])
                for doc_id in handed_out.keys() - table.keys()
                if journal_file.ids_by_doc.get(doc_id, "") in journal_file
            ]
            if versions:
                journal_file.append(versions)
        self._handed_out = None

    def _changed_versions(
        self, table: dict[int, Mapping[str, Any]], handed_out: dict[int, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        journal_file = self._file
        versions = []
        for doc_id, document in table.items():
            before = handed_out.get(doc_id)
            if before is not None and document == before:
                continue
            record_id = journal_file.ids_by_doc.get(doc_id)
            if record_id is None:
                record_id = document.get("id") or new_experiment_id()
                if not isinstance(record_id, str):
                    raise JournalError(f"a record's 'id' must be a string, not {record_id!r}")
                if record_id in journal_file:
                    raise JournalError(
                        f"the journal already has a record with id {record_id!r}; "
                        "update it instead of inserting it again"
                    )
                journal_file.bind_doc_id(record_id, doc_id)
            elif document.get("id", record_id) != record_id:
                raise JournalError(
                    f"the id of journal record {record_id!r} cannot be changed "
                    f"(to {document.get('id')!r})"
                )
            try:
                versions.append(to_stored({**document, "id": record_id}))
            except ValueError as error:
                raise JournalError(str(error)) from error
        return versions

    def reserve_doc_id(self) -> int:
        """A document id for a new TinyDB insert that no other record will get."""
        return self._file.reserve_doc_id()


class JournalTable(Table):
    """TinyDB table whose new document ids come from the journal, not from a cached maximum.

    TinyDB caches the next id per table; another process's appends would then collide with it.
    """

    def _get_next_id(self) -> int:
        storage = self._storage
        assert isinstance(storage, JournalStorage)
        return storage.reserve_doc_id()


class _JournalDatabase(TinyDB):
    table_class = JournalTable


def open_table(journal_file: JournalFile) -> Table:
    """The TinyDB table of all records of ``journal_file``.

    Its query cache is off, because other processes may change the file between two queries.
    """
    database = _JournalDatabase(storage=JournalStorage, journal_file=journal_file)
    return database.table(TABLE_NAME, cache_size=0)
