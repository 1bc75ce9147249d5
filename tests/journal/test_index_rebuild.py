"""The index rebuilt from scratch: what it leaves on disk, and that every way of building it
gives the same index."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from journal_helpers import make_record

from kepler_jupyter.journal import Journal
from kepler_jupyter.journal.index import INDEX_FILE_NAME


def test_a_rebuild_leaves_the_index_checkpointed(project_dir):
    journal = Journal(project_dir)
    for index in range(40):
        journal.add(make_record(f"w{index:03d}", notes={"text": "x" * 500}))
    journal._index.close()
    for suffix in ("", "-wal", "-shm"):
        (journal.kepler_dir / f"{INDEX_FILE_NAME}{suffix}").unlink(missing_ok=True)
    # a process that rebuilds and exits without closing its connection (as a script does)
    script = textwrap.dedent("""
        import os, sys
        from kepler_jupyter.journal import Journal
        journal = Journal(sys.argv[1])
        assert journal.indexed() is not None and len(journal) == 40
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", script, str(project_dir)], timeout=120, check=True)
    wal = journal.kepler_dir / f"{INDEX_FILE_NAME}-wal"
    # the next process reads the index file itself, not a WAL it must first copy back
    assert not wal.exists() or wal.stat().st_size == 0
    assert (journal.kepler_dir / INDEX_FILE_NAME).stat().st_size > 40 * 500
