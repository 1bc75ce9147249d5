"""Similar models from the journal's index: the stored feature vectors, searched with numpy.

The index keeps each experiment's similarity features (``similarity.record_features``) as a
float32 vector over the index's column vocabulary (NaN where a record lacks a feature). This
module keeps those vectors of one index as matrices in memory, refreshed from the rows changed
since the last look, and scores every candidate at once: the distance of ``similarity`` split
into its category part (a matrix-vector product over row norms) and its numeric part
(element-wise over the few numeric columns). At 100,000 experiments a search takes a few
milliseconds once the matrices are loaded; only the ``k`` results are read from the journal.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kepler_jupyter.history import similar_cache
from kepler_jupyter.history.similarity import SCORE_SCALE, Similar, feature_unit, record_features
from kepler_jupyter.journal.record import get_path


@dataclass
class IndexVectors:
    """The vectors of one index generation, row by row."""

    generation: str = ""
    rev: int = -1
    names: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    row_of: dict[str, int] = field(default_factory=dict)
    raw: list[bytes] = field(default_factory=list)  # float32 per row (NaN: absent)
    status: list[str | None] = field(default_factory=list)
    order: list[tuple[str, int]] = field(default_factory=list)  # (created, first_seq)
    fp_data: list[str | None] = field(default_factory=list)
    entries: list[tuple[str, int, int]] = field(default_factory=list)
    arrays: VectorArrays | None = None  # built from the lists above when needed
    cache: Path | None = None  # where the built arrays are kept for the next process

    def stacked(self) -> VectorArrays:
        if self.arrays is None:
            matrix = VectorArrays._matrix(self, list(range(len(self.raw))))
            self.arrays = VectorArrays.build(self, matrix)
            if self.cache is not None:
                similar_cache.save(self.cache, self, matrix)
        return self.arrays


def _codes(values: list[str | None]) -> tuple[np.ndarray, dict[str | None, int]]:
    """Small integer codes for repeated strings, so comparisons run in numpy."""
    table: dict[str | None, int] = {}
    codes = np.fromiter((table.setdefault(value, len(table)) for value in values),
                        dtype=np.int64, count=len(values))
    return codes, table


@dataclass
class VectorArrays:
    """The vectors as matrices, split the way the distance is computed."""

    numeric: np.ndarray  # mask of the numeric columns
    scaled_t: np.ndarray  # numeric columns divided by their unit, NaN where absent (column-major)
    present_t: np.ndarray  # where ``scaled_t`` has a value
    present_count: np.ndarray  # numbers each row has
    categories: np.ndarray  # category columns, 0 where absent
    norms: np.ndarray  # squared norm of each row of ``categories``
    units: np.ndarray
    status: np.ndarray
    status_codes: dict[str | None, int]
    fp_data: np.ndarray
    fp_codes: dict[str | None, int]
    rank: np.ndarray  # position of each row in journal order (created, then first line)
    ordered: list[tuple[str, int]]  # (created, first_seq) in journal order

    @staticmethod
    def _matrix(vectors: IndexVectors, rows: list[int]) -> np.ndarray:
        matrix = np.full((len(rows), len(vectors.names)), np.nan, dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for position, row in enumerate(rows):
            by_length.setdefault(len(vectors.raw[row]), []).append(position)
        for length, positions in by_length.items():  # one copy per vector length, not per row
            if length:
                block = np.frombuffer(b"".join(vectors.raw[rows[p]] for p in positions), dtype=np.float32)
                matrix[positions, : length // 4] = block.reshape(len(positions), length // 4)
        return matrix

    def update(self, vectors: IndexVectors, changed: list[int], appended: list[int]) -> bool:
        """Take in changed rows and rows appended at the end of the journal order, in place
        of a rebuild (a fit adds one or two rows: rebuilding 100,000 would cost a second);
        ``False`` when that is not possible (new feature columns, an earlier creation time)."""
        if len(self.numeric) != len(vectors.names):
            return False
        orders = [vectors.order[row] for row in appended]
        if any(vectors.order[row] != self.ordered[self.rank[row]] for row in changed) or (
                orders and (orders != sorted(orders) or (self.ordered and orders[0] < self.ordered[-1]))):
            return False
        rows = changed + appended
        matrix = self._matrix(vectors, rows)
        scaled = matrix[:, self.numeric] / self.units[self.numeric]
        categories = np.nan_to_num(matrix[:, ~self.numeric])
        norms = np.einsum("ij,ij->i", categories, categories, dtype=np.float64)
        status = [self.status_codes.setdefault(vectors.status[row], len(self.status_codes)) for row in rows]
        fp_data = [self.fp_codes.setdefault(vectors.fp_data[row], len(self.fp_codes)) for row in rows]
        n = len(changed)
        present = ~np.isnan(scaled)
        if changed:
            self.scaled_t[:, changed] = scaled[:n].T
            self.present_t[:, changed] = present[:n].T
            self.present_count[changed] = present[:n].sum(axis=1)
            self.categories[changed] = categories[:n]
            self.norms[changed] = norms[:n]
            self.status[changed] = status[:n]
            self.fp_data[changed] = fp_data[:n]
        if appended:
            self.scaled_t = np.concatenate([self.scaled_t, scaled[n:].T], axis=1)
            self.present_t = np.concatenate([self.present_t, present[n:].T], axis=1)
            self.present_count = np.concatenate([self.present_count, present[n:].sum(axis=1)])
            self.categories = np.concatenate([self.categories, categories[n:]])
            self.norms = np.concatenate([self.norms, norms[n:]])
            self.status = np.concatenate([self.status, np.array(status[n:], dtype=np.int64)])
            self.fp_data = np.concatenate([self.fp_data, np.array(fp_data[n:], dtype=np.int64)])
            self.rank = np.concatenate([self.rank, np.arange(len(self.ordered), len(self.ordered) + len(appended))])
            self.ordered.extend(orders)
        return True

    @classmethod
    def build(cls, vectors: IndexVectors, matrix: np.ndarray) -> VectorArrays:
        numeric = np.array([name.startswith("n:") for name in vectors.names], dtype=bool)
        units = np.array([feature_unit(name) for name in vectors.names], dtype=np.float32)
        scaled = matrix[:, numeric] / units[numeric]
        present = ~np.isnan(scaled)
        categories = np.nan_to_num(matrix[:, ~numeric])
        ordered_rows = sorted(range(len(vectors.order)), key=vectors.order.__getitem__)
        rank = np.empty(len(ordered_rows), dtype=np.int64)
        rank[ordered_rows] = np.arange(len(ordered_rows))
        status, status_codes = _codes(vectors.status)
        fp_data, fp_codes = _codes(vectors.fp_data)
        return cls(numeric=numeric, scaled_t=np.ascontiguousarray(scaled.T),
                   present_t=np.ascontiguousarray(present.T),
                   present_count=present.sum(axis=1).astype(np.float64),
                   categories=categories,
                   norms=np.einsum("ij,ij->i", categories, categories, dtype=np.float64),
                   units=units, status=status, status_codes=status_codes, fp_data=fp_data,
                   fp_codes=fp_codes, rank=rank,
                   ordered=[vectors.order[row] for row in ordered_rows])


_cache: dict[Path, IndexVectors] = {}
_cache_lock = threading.Lock()
_COLUMNS = "id, rev, status, created, first_seq, fp_data, offset, length, vector"


def _refresh(reads: Any) -> IndexVectors:
    """The vectors of ``reads``' index, brought up to date with its rows."""
    path = reads.index.path
    state = reads.index.state()
    generation = "" if state is None else state.generation
    next_rev = -1 if state is None else state.next_rev
    with _cache_lock:
        vectors = _cache.get(path)
        if vectors is not None and vectors.generation == generation and vectors.rev + 1 >= next_rev:
            return vectors  # nothing written since (every write moves next_rev on)
        if vectors is None or vectors.generation != generation:
            # new, or rebuilt, compacted or rows removed (each gives the index a new generation)
            # a new process: the matrices another one built for this generation, if kept
            kept = similar_cache.cache_path(path) if generation else None
            vectors = similar_cache.load(kept, generation, next_rev) if kept else None
            vectors = _cache[path] = vectors or IndexVectors(generation=generation)
            vectors.cache = kept
            loaded = vectors.arrays is not None
        else:
            loaded = False
        rows = reads.index.query(f"SELECT {_COLUMNS} FROM experiments WHERE rev > ? ORDER BY rev",
                                 (vectors.rev,))
        vectors.names = [row[0] for row in reads.index.query(
            "SELECT name FROM columns ORDER BY position")]
        changed: list[int] = []
        appended: list[int] = []
        for record_id, rev, status, created, first_seq, fp_data, offset, length, blob in rows:
            values = (status, (created or "", first_seq), fp_data, (record_id, offset, length))
            row = vectors.row_of.get(record_id)
            (appended if row is None else changed).append(len(vectors.ids) if row is None else row)
            if row is None:
                vectors.row_of[record_id] = len(vectors.ids)
                vectors.ids.append(record_id)
                vectors.raw.append(blob or b"")
                vectors.status.append(values[0])
                vectors.order.append(values[1])
                vectors.fp_data.append(values[2])
                vectors.entries.append(values[3])
            else:
                vectors.raw[row] = blob or b""
                vectors.status[row], vectors.order[row] = values[0], values[1]
                vectors.fp_data[row], vectors.entries[row] = values[2], values[3]
            vectors.rev = max(vectors.rev, rev)
        vectors.rev = max(vectors.rev, next_rev - 1)  # deletions move next_rev on too
        if vectors.arrays is not None and not vectors.arrays.update(
                vectors, sorted(set(changed) - set(appended)), appended):
            vectors.arrays = None
        elif loaded and vectors.cache is not None and len(rows) > similar_cache.STALE_ROWS:
            # the kept file is far behind: keep the caught-up matrices for the next process
            similar_cache.save(vectors.cache, vectors, VectorArrays._matrix(vectors, list(range(len(vectors.raw)))))
        return vectors


def _distances(vectors: IndexVectors, record: dict[str, Any]) -> np.ndarray:
    """The ``similarity`` distance from ``record`` to every row."""
    arrays = vectors.stacked()
    names = vectors.names
    position = {name: index for index, name in enumerate(names)}
    query = np.full(len(names), np.nan, dtype=np.float32)
    extra = 0.0  # features no row has: as far as they can be for every row
    for name, value in record_features(record).items():
        if name in position:
            query[position[name]] = value
        else:
            extra += 1.0 if name.startswith("n:") else value * value
    squared = np.full(len(vectors.ids), extra, dtype=np.float64)
    if arrays.numeric.any():
        mine = query[arrays.numeric] / arrays.units[arrays.numeric]
        here = np.flatnonzero(~np.isnan(mine))
        # A number only one side has is as different as it gets (a gap of 1, see
        # ``similarity``): the numbers the query lacks count 1 per row that has them, so only
        # the query's own columns (a handful) are compared element-wise.
        theirs = arrays.present_count - arrays.present_t[here].sum(axis=0)
        # NaN where a row lacks the number: fmin takes the 1 there, in the same pass
        gaps = np.fmin(np.abs(arrays.scaled_t[here] - mine[here][:, None]), 1.0)
        squared += theirs + np.einsum("ij,ij->j", gaps, gaps, dtype=np.float64)
    if arrays.categories.shape[1]:
        mine = np.nan_to_num(query[~arrays.numeric])
        squared += arrays.norms - 2.0 * (arrays.categories @ mine) + float(mine @ mine)
    return np.sqrt(np.maximum(squared, 0.0))


def _top(scores: np.ndarray, same: np.ndarray, rank: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best: same data first, then by score (rounded past float32's
    noise), then journal order, as the full computation orders them.

    Only the rows that can be among the ``k`` (a key at least the ``k``-th best, ties
    included) are sorted: a full sort of 100,000 rows costs several ms, the partition a fraction.
    """
    key = np.round(scores, 5) + same * 2.0  # scores lie in (0, 1]: same data always ranks first
    if len(key) > k:
        threshold = np.partition(key, len(key) - k)[len(key) - k]
        chosen = np.flatnonzero(key >= threshold)
    else:
        chosen = np.arange(len(key))
    return chosen[np.lexsort((rank[chosen], -key[chosen]))][:k]


def similar_in_index(reads: Any, record: dict[str, Any], k: int = 5,
                     statuses: Iterable[str] | None = None, earlier_only: bool = False,
                     among: set[str] | None = None) -> list[Similar]:
    """The ``k`` indexed experiments most similar to ``record``, same data first.

    Parameters
    ----------
    reads : IndexedReads
        ``Journal.indexed()``.
    record : dict
        The experiment to find neighbours of (never its own neighbour).
    k : int
        How many.
    statuses : iterable of str, optional
        Only experiments with these statuses.
    earlier_only : bool
        Only experiments journaled before ``record`` (by creation time, then journal order).
    among : set of str, optional
        Only the experiments with these ids.
    """
    if k <= 0:
        return []
    vectors = _refresh(reads)
    if not vectors.ids:
        return []
    arrays = vectors.stacked()
    keep = np.ones(len(vectors.ids), dtype=bool)
    own_id = record.get("id")
    own_row = vectors.row_of.get(own_id) if isinstance(own_id, str) else None
    if own_row is not None:
        keep[own_row] = False
    if statuses is not None:
        wanted = [arrays.status_codes[status] for status in statuses if status in arrays.status_codes]
        keep &= np.isin(arrays.status, wanted)
    if among is not None:
        chosen = np.zeros(len(keep), dtype=bool)
        chosen[[vectors.row_of[i] for i in among if i in vectors.row_of]] = True
        keep &= chosen
    if earlier_only:
        if own_row is not None:
            keep &= arrays.rank < arrays.rank[own_row]
        else:  # not journaled yet: everything created up to it
            created = record.get("created") or "\U0010ffff"
            keep &= arrays.rank < bisect.bisect_right(arrays.ordered, (created, 1 << 62))
    candidates = np.flatnonzero(keep)
    if not len(candidates):
        return []
    scores = np.exp(-_distances(vectors, record)[candidates] / SCORE_SCALE)
    data = get_path(record, "fingerprint.data")
    code = arrays.fp_codes.get(data) if isinstance(data, str) else None
    same = arrays.fp_data[candidates] == code if code is not None else np.zeros(len(candidates), bool)
    # Same data first, then by score (rounded past float32's noise), then journal order, as
    # the full computation orders them.
    order = _top(scores, same, arrays.rank[candidates], k)
    found = []
    for position in order:
        entry = vectors.entries[candidates[position]]
        try:
            other = reads.read(entry)
        except Exception:  # moved by a compaction since: the next search sees it again
            continue
        found.append(Similar(other, float(scores[position]), bool(same[position])))
    return found
