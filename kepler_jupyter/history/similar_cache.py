"""The similar-model matrices of a large index, kept in a file beside it between processes.

Loading 100,000 similarity vectors from SQLite into ``similar_index``'s matrices costs about a
second of CPU: the first search of every new kernel paid it. Once built, the matrices (and the
per-row ids, offsets, statuses and order they are searched with) are written to
``.kepler/index.vectors.npz``; the next process loads them in a few tens of ms and reads from
SQLite only the rows written since (by revision, as an open process does).

The file is only a cache of the index, as the index is of the journal: it is used only when it
names the index's current generation (a rebuild, a compaction or a removal gives the index a
new one) and a revision the index has reached; any other file — stale, from another index,
truncated, unreadable — is ignored and rewritten. Deleting it loses nothing. It is read with
``allow_pickle=False``: it holds numbers and strings, never objects.
"""

from __future__ import annotations

import json
import os
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from kepler_jupyter.history.similar_index import IndexVectors

CACHE_NAME = "index.vectors.npz"
#: below this many rows SQLite loads the vectors fast enough; no file is written
MIN_ROWS = 5000
#: rows read from SQLite on top of a loaded file beyond which the file is written again
STALE_ROWS = 2000


def cache_path(index_path: Path) -> Path:
    """Where the matrices of the index at ``index_path`` are kept."""
    return index_path.with_name(CACHE_NAME)


def _table(codes: dict[str | None, int]) -> np.ndarray:
    return np.array(json.dumps(sorted(codes, key=codes.__getitem__)))


def save(path: Path, vectors: IndexVectors, matrix: np.ndarray) -> None:
    """Write ``vectors`` (with their built arrays and full ``matrix``) to ``path``, atomically;
    a failure (read-only project, full disk) only leaves the next process to load from SQLite."""
    arrays = vectors.arrays
    if arrays is None or len(vectors.ids) < MIN_ROWS:
        return
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            np.savez(
                handle, generation=np.array(vectors.generation), rev=np.array(vectors.rev),
                names=np.array(vectors.names, dtype=str), ids=np.array(vectors.ids, dtype=str),
                offsets=np.array([entry[1] for entry in vectors.entries], dtype=np.int64),
                lengths=np.array([entry[2] for entry in vectors.entries], dtype=np.int64),
                created=np.array([order[0] for order in vectors.order], dtype=str),
                first_seq=np.array([order[1] for order in vectors.order], dtype=np.int64),
                matrix=matrix, numeric=arrays.numeric, scaled_t=arrays.scaled_t,
                present_t=arrays.present_t, present_count=arrays.present_count,
                categories=arrays.categories, norms=arrays.norms, units=arrays.units,
                status=arrays.status, status_table=_table(arrays.status_codes),
                fp_data=arrays.fp_data, fp_table=_table(arrays.fp_codes), rank=arrays.rank)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def load(path: Path, generation: str, next_rev: int) -> IndexVectors | None:
    """The vectors kept at ``path`` if they belong to ``generation`` (and not to a revision
    past ``next_rev``), else ``None``."""
    from kepler_jupyter.history.similar_index import IndexVectors, VectorArrays

    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["generation"]) != generation or int(data["rev"]) >= next_rev:
                return None
            ids = data["ids"].tolist()
            matrix = data["matrix"]
            status_table = json.loads(str(data["status_table"]))
            fp_table = json.loads(str(data["fp_table"]))
            status, fp_data = data["status"], data["fp_data"]
            order = list(zip(data["created"].tolist(), data["first_seq"].tolist(), strict=True))
            rank = data["rank"]
            ordered = [order[row] for row in np.argsort(rank).tolist()]
            vectors = IndexVectors(
                generation=generation, rev=int(data["rev"]), names=data["names"].tolist(),
                ids=ids, row_of={record_id: row for row, record_id in enumerate(ids)},
                raw=[row.tobytes() for row in matrix],
                status=[status_table[code] for code in status.tolist()], order=order,
                fp_data=[fp_table[code] for code in fp_data.tolist()],
                entries=list(zip(ids, data["offsets"].tolist(), data["lengths"].tolist(), strict=True)))
            vectors.arrays = VectorArrays(
                numeric=data["numeric"], scaled_t=data["scaled_t"], present_t=data["present_t"],
                present_count=data["present_count"], categories=data["categories"],
                norms=data["norms"], units=data["units"], status=status,
                status_codes={value: code for code, value in enumerate(status_table)},
                fp_data=fp_data, fp_codes={value: code for code, value in enumerate(fp_table)},
                rank=rank, ordered=ordered)
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile):
        return None  # missing, partly written by hand, from an older layout: load from SQLite
    rows = len(ids)
    if matrix.shape != (rows, len(vectors.names)) or any(
            len(column) != rows for column in (vectors.status, vectors.fp_data, rank)):
        return None
    return vectors
