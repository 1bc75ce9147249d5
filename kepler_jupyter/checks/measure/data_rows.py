"""Exact row comparisons at array speed: duplicates, conflicting labels, train/validation overlap.

Each row gets a 64-bit hash computed from its bytes with a vectorised multiply-and-sum over
64-bit words (after folding the high half of each word into the low half, so rows that differ
only in high bits still hash apart). Rows with equal hashes are then compared byte for byte, so
a reported duplicate is always a true duplicate; a miss needs a 64-bit collision between two
different rows that also break an adjacency chain, which is negligible.

Arrays are processed in chunks of rows, so the extra memory is a few megabytes plus one 8-byte
hash per row. DataFrames (categoricals, strings) use pandas' own row hashing with two keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import CheckSubject
from kepler_jupyter.checks.measure.data_stats import (
    is_dataframe,
    labels,
    numeric_view,
    split_inputs,
    task_of,
)

CHUNK_BYTES = 8 << 20
_MULTIPLIERS = np.random.default_rng(20240611).integers(1, 2**63, size=4096, dtype=np.uint64) | np.uint64(1)
_COMBINE = np.uint64(0x9E3779B97F4A7C15)


def row_hashes(array: Any) -> np.ndarray:
    """A uint64 hash per row of an ndarray or DataFrame."""
    if is_dataframe(array):
        values = numeric_view(array)
        if values is None:
            return _frame_hashes(array)
        array = values
    array = np.asarray(array)
    if array.dtype == object:
        import pandas as pd

        return _frame_hashes(pd.DataFrame(array.reshape(len(array), -1)))
    rows = array.reshape(len(array), -1) if array.ndim != 2 else array
    row_bytes = rows.shape[1] * rows.dtype.itemsize if rows.ndim == 2 else rows.dtype.itemsize
    word = next(size for size in (8, 4, 2, 1) if row_bytes % size == 0)
    n_words = row_bytes // word
    multipliers = np.resize(_MULTIPLIERS, n_words)
    out = np.empty(len(rows), dtype=np.uint64)
    step = max(1, CHUNK_BYTES // max(row_bytes, 1))
    buffer = np.empty((min(step, len(rows)), n_words), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, len(rows), step):
            chunk = np.ascontiguousarray(rows[start : start + step])
            words = chunk.view(f"<u{word}").reshape(len(chunk), n_words)
            mixed = buffer[: len(chunk)]
            if word == 8:
                np.right_shift(words, np.uint64(32), out=mixed)
                np.bitwise_xor(mixed, words, out=mixed)
            else:
                mixed[...] = words
            np.multiply(mixed, multipliers, out=mixed)
            np.sum(mixed, axis=1, out=out[start : start + len(chunk)])
    return out


def _frame_hashes(frame: Any) -> np.ndarray:
    import pandas as pd

    first = pd.util.hash_pandas_object(frame, index=False).to_numpy(np.uint64)
    second = pd.util.hash_pandas_object(frame, index=False, hash_key="kepler_hash_key2").to_numpy(np.uint64)
    with np.errstate(over="ignore"):
        return first * _COMBINE + second


def combined_hashes(named_arrays: list[tuple[str, Any]]) -> np.ndarray | None:
    """One hash per row over all the inputs of a multi-input model (``None`` for no input)."""
    total: np.ndarray | None = None
    with np.errstate(over="ignore"):
        for _, array in named_arrays:
            hashes = row_hashes(array)
            total = hashes if total is None else total * _COMBINE + hashes
    return total


def rows_equal(inputs_a: list[tuple[str, Any]], rows_a: np.ndarray,
               inputs_b: list[tuple[str, Any]], rows_b: np.ndarray) -> np.ndarray:
    """Whether row ``rows_a[i]`` of ``inputs_a`` equals row ``rows_b[i]`` of ``inputs_b``."""
    equal = np.ones(len(rows_a), dtype=bool)
    for (_, a), (_, b) in zip(inputs_a, inputs_b, strict=False):
        if is_dataframe(a) and is_dataframe(b):
            a, b = numeric_view(a), numeric_view(b)
        if a is None or b is None or is_dataframe(a) or np.asarray(a[:1]).dtype == object:
            continue  # two independent 64-bit pandas hashes already agree
        row_bytes = max(int(np.asarray(a[:1]).nbytes), 1)
        step = max(1, CHUNK_BYTES // row_bytes)
        for start in range(0, len(rows_a), step):
            index_a, index_b = rows_a[start : start + step], rows_b[start : start + step]
            left = np.asarray(a[index_a]).reshape(len(index_a), -1)
            right = np.asarray(b[index_b]).reshape(len(index_b), -1)
            # compare bytes, as the hash does: NaN equals NaN, 0.0 differs from -0.0
            equal[start : start + step] &= np.all(
                left.view(np.uint8).reshape(len(left), -1) == right.view(np.uint8).reshape(len(right), -1),
                axis=1,
            )
    return equal


@dataclass
class Duplicates:
    """Exact repeats among the training rows."""

    n_rows: int
    #: rows whose inputs equal an earlier row's inputs
    repeated_inputs: int = 0
    #: of those, rows whose label is the same too (true duplicate samples)
    duplicate_samples: int = 0
    #: groups of identical inputs carrying more than one label, and the rows in them
    conflict_groups: int = 0
    conflict_rows: int = 0
    examples: list[list[int]] = field(default_factory=list)
    conflict_examples: list[dict[str, Any]] = field(default_factory=list)


def training_hashes(subject: CheckSubject) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Row hashes of the training part and of the validation part (``None`` when absent)."""
    if "row_hashes" not in subject.cache:
        split = split_inputs(subject)
        train = combined_hashes(split.train) if split.train else None
        val = combined_hashes(split.validation) if split.validation else None
        subject.cache["row_hashes"] = (train, val)
    return subject.cache["row_hashes"]


def duplicates(subject: CheckSubject) -> Duplicates | None:
    """Exact duplicate rows and conflicting labels in the training data."""
    if "duplicates" not in subject.cache:
        train_h, _ = training_hashes(subject)
        found = None
        if train_h is not None and len(train_h) > 1:
            found = _find_duplicates(subject, train_h)
        subject.cache["duplicates"] = found
    return subject.cache["duplicates"]


def _find_duplicates(subject: CheckSubject, hashes: np.ndarray) -> Duplicates:
    inputs = split_inputs(subject).train
    found = Duplicates(n_rows=len(hashes))
    # a plain sort is several times faster than argsort; most data has no repeats at all
    plain = np.sort(hashes)
    if not (plain[1:] == plain[:-1]).any():
        return found
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    candidate = np.flatnonzero(ordered[1:] == ordered[:-1])
    same = rows_equal(inputs, order[candidate], inputs, order[candidate + 1])
    # linked[p]: sorted positions p and p + 1 hold identical rows; runs of links are groups
    linked = np.zeros(len(hashes) - 1, dtype=bool)
    linked[candidate[same]] = True
    in_group = np.zeros(len(hashes), dtype=bool)
    in_group[:-1] |= linked
    in_group[1:] |= linked
    positions = np.flatnonzero(in_group)
    if positions.size == 0:
        return found
    starts_mask = np.ones(len(positions), dtype=bool)
    starts_mask[1:] = ~linked[positions[1:] - 1]
    starts = np.flatnonzero(starts_mask)
    sizes = np.diff(np.append(starts, len(positions)))
    rows = order[positions]
    found.repeated_inputs = int(len(positions) - len(starts))
    target = _targets(subject)
    if target is None:
        found.duplicate_samples = found.repeated_inputs
        found.examples = _group_examples(rows, starts, sizes, np.ones(len(starts), bool))
        return found
    values = target[rows]
    mixed = np.minimum.reduceat(values, starts) != np.maximum.reduceat(values, starts)
    found.examples = _group_examples(rows, starts, sizes, ~mixed)
    found.duplicate_samples = int((sizes[~mixed] - 1).sum())
    coded = labels(subject)
    for start, size in zip(starts[mixed].tolist(), sizes[mixed].tolist(), strict=False):
        group_rows = rows[start : start + size]
        distinct = np.unique(target[group_rows])
        found.duplicate_samples += size - len(distinct)
        if coded is not None and coded.task == "classification":
            found.conflict_groups += 1
            found.conflict_rows += size
            if len(found.conflict_examples) < 5:
                found.conflict_examples.append({
                    "rows": sorted(int(r) for r in group_rows[:6]),
                    "labels": [coded.name(int(c)) for c in distinct],
                })
    return found


def _targets(subject: CheckSubject) -> np.ndarray | None:
    """Class codes (classification) or values (regression) of the training rows."""
    coded = labels(subject)
    if coded is None or coded.train is None or task_of(subject) not in ("classification", "regression"):
        return None
    return coded.train


def _group_examples(rows: np.ndarray, starts: np.ndarray, sizes: np.ndarray,
                    keep: np.ndarray) -> list[list[int]]:
    return [sorted(int(r) for r in rows[s : s + n][:6])
            for s, n in zip(starts[keep][:5].tolist(), sizes[keep][:5].tolist(), strict=False)]


def overlap(subject: CheckSubject) -> tuple[int, int, list[list[int]]] | None:
    """(validation rows found in training, validation rows, example [val_row, train_row] pairs)."""
    if "overlap" in subject.cache:
        return subject.cache["overlap"]
    train_h, val_h = training_hashes(subject)
    result = None
    if train_h is not None and val_h is not None and len(val_h):
        ordered = np.sort(train_h)
        position = np.clip(np.searchsorted(ordered, val_h), 0, len(ordered) - 1)
        hit = np.flatnonzero(ordered[position] == val_h)
        split = split_inputs(subject)
        train_rows = np.zeros(0, dtype=np.int64)
        if hit.size:  # only now is it worth knowing which training rows matched
            order = np.argsort(train_h, kind="stable")
            train_rows = order[np.searchsorted(train_h[order], val_h[hit])]
        validation = split.validation or []  # never empty here: it has hashes
        same = rows_equal(validation, hit, split.train, train_rows) if hit.size else hit.astype(bool)
        val_rows, train_rows = hit[same], train_rows[same]
        examples = [[int(v), int(t)] for v, t in zip(val_rows[:5], train_rows[:5], strict=False)]
        result = (int(same.sum()), len(val_h), examples)
    subject.cache["overlap"] = result
    return result
