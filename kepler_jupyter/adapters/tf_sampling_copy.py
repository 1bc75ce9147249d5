"""A copy of a tf.data pipeline to read a sample from, when reading the pipeline itself would
change what training sees.

TensorFlow keeps the generator of a seeded ``shuffle(..., reshuffle_each_iteration=True)``
with the dataset object: the n-th iterator made over it gets the n-th order. A sample read
from the user's pipeline would hand training the order of a second epoch, and the fit would
no longer return exactly what it returns without kepler. So the sample is read from a copy:
the transformations above the shuffle are applied again to a one-off shuffle with the same
seeds over the same input (``reshuffle_each_iteration=False``: it owns no generator to
advance). Only the common transformations above a shuffle are rebuilt (batch, map, prefetch);
for any other pipeline ``sampling_copy`` answers None and the pipeline is left unread.
"""

from __future__ import annotations

from typing import Any

#: transformations rebuilt above the seeded shuffle, by the class TensorFlow gives them
_BATCH = ("_BatchDataset", "_ParallelBatchDataset")
_MAP = ("_MapDataset", "_ParallelMapDataset")
_PREFETCH = ("_PrefetchDataset",)


def seeded_reshuffle(dataset: Any) -> bool:
    """Whether each iteration of ``dataset`` (this transformation) draws its order from a
    seeded generator. Unseeded shuffles (seeds 0, 0) draw a fresh random order each time,
    read or not."""
    attributes = vars(dataset)
    reshuffles = attributes.get("_reshuffle_each_iteration",
                                attributes.get("_rerandomize_each_iteration"))
    if not reshuffles:
        return False
    try:
        return (int(attributes["_seed"]), int(attributes["_seed2"])) != (0, 0)
    except (KeyError, TypeError, ValueError):
        return True  # a reshuffling transformation whose seeds kepler cannot read


def _inputs(dataset: Any) -> list[Any]:
    return list(dataset._inputs()) if hasattr(dataset, "_inputs") else []


def _any_seeded_reshuffle(dataset: Any, depth: int = 0) -> bool:
    if depth > 200:
        return True
    return seeded_reshuffle(dataset) or any(_any_seeded_reshuffle(item, depth + 1)
                                            for item in _inputs(dataset))


def sampling_copy(dataset: Any) -> Any | None:
    """``dataset`` when reading it changes nothing; else a copy to sample, or None."""
    if not _any_seeded_reshuffle(dataset):
        return dataset
    above: list[Any] = []
    node = dataset
    while not seeded_reshuffle(node):
        inputs = _inputs(node)
        if len(inputs) != 1 or type(node).__name__ not in (*_BATCH, *_MAP, *_PREFETCH):
            return None
        above.append(node)
        node = inputs[0]
    source = node._input_dataset
    if _any_seeded_reshuffle(source):
        return None
    try:
        copy = source.shuffle(int(node._buffer_size), seed=int(node._seed2),
                              reshuffle_each_iteration=False)
        for transformation in reversed(above):
            copy = _again(transformation, copy)
    except Exception:  # a TensorFlow whose internals differ: leave the pipeline unread
        return None
    return copy


def _again(transformation: Any, dataset: Any) -> Any:
    """``transformation`` applied again, to ``dataset``."""
    import tensorflow as tf

    kind = type(transformation).__name__
    if kind in _PREFETCH:
        return dataset.prefetch(int(transformation._buffer_size))
    if kind in _BATCH:
        return dataset.batch(int(transformation._batch_size),
                             drop_remainder=bool(transformation._drop_remainder))
    function = transformation._map_func
    variant = tf.raw_ops.MapDataset(
        input_dataset=dataset._variant_tensor,
        other_arguments=function.function.captured_inputs,
        f=function.function,
        # plain tensors only: ragged or sparse parts make the op refuse, and the pipeline is
        # then left unread
        output_types=[part.dtype for part in tf.nest.flatten(transformation.element_spec)],
        output_shapes=[part.shape for part in tf.nest.flatten(transformation.element_spec)],
        preserve_cardinality=bool(getattr(transformation, "_preserve_cardinality", True)),
    )
    return tf.data.experimental.from_variant(variant, structure=transformation.element_spec)

