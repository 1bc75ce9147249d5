"""``Journal``: the public API over a project's experiment records.

It is made of three parts, one concept each: ``journal_base`` (where the journal is, which
record an id names), ``writes`` (every change, one append each) and ``reads`` (through the
index, or the in-memory view of ``file_reads`` where the index cannot be used).
"""

from __future__ import annotations

from kepler_jupyter.journal.reads import JournalReads
from kepler_jupyter.journal.writes import JournalWrites


class Journal(JournalWrites, JournalReads):
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
