"""TinyDB document ids for journal records: stable integers for string record ids."""

from __future__ import annotations


class DocIds:
    """Numbers records in order of first appearance and keeps each record's number for good.

    A record keeps its number when the view is read again from scratch (after another process
    compacted the file), so document ids held by TinyDB callers stay valid within a process.
    """

    def __init__(self) -> None:
        self.by_record: dict[str, int] = {}
        self.by_doc: dict[int, str] = {}
        self._next = 1
        self._retired: dict[str, int] = {}

    def ensure(self, record_id: str) -> int:
        """The record's number, giving it one (its earlier one if it had one) if needed."""
        doc_id = self.by_record.get(record_id)
        if doc_id is None:
            doc_id = self.bind(record_id, self._retired.pop(record_id, None))
        return doc_id

    def bind(self, record_id: str, doc_id: int | None = None) -> int:
        """Give ``record_id`` the number ``doc_id`` (if free), else the next unused one."""
        if doc_id is None or doc_id in self.by_doc:
            doc_id = self.reserve()
        self._next = max(self._next, doc_id + 1)
        self.by_record[record_id] = doc_id
        self.by_doc[doc_id] = record_id
        return doc_id

    def reserve(self) -> int:
        """A number no record has or will be given."""
        doc_id = self._next
        self._next += 1
        return doc_id

    def forget(self, record_id: str) -> None:
        """The record was removed: free its number."""
        doc_id = self.by_record.pop(record_id, None)
        if doc_id is not None:
            self.by_doc.pop(doc_id, None)

    def retire_all(self) -> None:
        """The view starts over: remember every number for records that come back."""
        self._retired.update(self.by_record)
        self.by_record, self.by_doc = {}, {}
