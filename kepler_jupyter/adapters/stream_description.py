"""The record's view of a stream: what it says about itself, sampled statistics, its identity.

A stream's fingerprint is built from what identifies it without a full pass (see
``docs/dont-repeat-yourself.md``):

- ``tf.data``: the pipeline's structure (transformations, their arguments and traced
  functions, source tensors by content, file names), the element spec and the cardinality.
  The sampled batches do not count: an unseeded ``shuffle`` makes them differ run to run.
  When the structure cannot be read, the sampled batches' content stands in.
- ``PyDataset``: its class, its length and the content of the sampled batches.
- generators / iterators: the content of the batches sampled (and their number when the
  stream ended within the sample).

A stream that could not be sampled (a ``from_generator`` pipeline) has no fingerprint, and
so its experiment none either: a missing hash never makes two experiments look the same.
"""

from __future__ import annotations

from typing import Any

from kepler_jupyter.adapters.streams import StreamSample


def describe_stream_sample(sample: StreamSample) -> dict[str, Any]:
    """The ``data`` fields of a stream: structure from the stream, statistics from the sample.

    Returns
    -------
    dict
        ``input_kind``, ``n_samples`` (None: a stream's size is not read), ``n_batches``
        (cardinality or "infinite" / "unknown"), ``batch_size``, ``element_spec``,
        ``input_shape`` / ``n_features`` / ``dtype`` (from the sample), and ``stream``:
        {``kind``, ``sampled_batches``, ``sampled_rows``, ``where``, ``stopped_by``,
        ``seconds``, ``skipped``, ``files`` (count and first few), target statistics of the
        sample}.
    """
    from kepler_jupyter.adapters.data_description import describe_inputs
    from kepler_jupyter.adapters.target_description import describe_targets

    result: dict[str, Any] = {
        "input_kind": sample.kind,
        "n_samples": None,
        "n_batches": sample.cardinality,
        "batch_size": sample.batch_size,
        "element_spec": sample.element_spec,
    }
    stream: dict[str, Any] = {
        "kind": sample.kind,
        "sampled_batches": sample.n_batches,
        "sampled_rows": sample.n_rows,
        "where": sample.where,
        "stopped_by": sample.stopped_by,
        "seconds": round(sample.seconds, 4),
        "skipped": sample.skipped,
    }
    if sample.files:
        stream["files"] = {"count": len(sample.files), "first": sample.files[:5]}
    x, y, _ = concatenated(sample)
    if x is not None:
        inputs = describe_inputs(x)
        for key in ("input_shape", "n_features", "dtype"):
            result[key] = inputs.get(key)
        if isinstance(x, dict) or isinstance(x, list):
            result["inputs"] = inputs.get("inputs")
    if y is not None:
        targets = describe_targets(y)
        result["y_dtype"] = targets.get("y_dtype")
        result["target_type"] = targets.get("target_type")
        # counts of a sample are not the data's label distribution: kept apart
        stream["label_distribution"] = targets.get("label_distribution")
        stream["target_stats"] = targets.get("target_stats")
    result["stream"] = stream
    return result


def stream_fingerprint(sample: StreamSample | None) -> str | None:
    """The identity of a sampled stream (see the module docstring), or None."""
    from kepler_jupyter.fingerprint import fingerprint_data, hash_json

    if sample is None or sample.python_generator:
        return None  # a generator-built pipeline: what it yields is unseen
    identity: dict[str, Any] = {"kind": sample.kind, "spec": sample.element_spec,
                                "cardinality": sample.cardinality}
    if sample.structure is not None:
        identity["structure"] = sample.structure
        return hash_json(identity)
    if not sample.batches:
        return None
    content = fingerprint_data([list(batch) for batch in sample.batches])
    if content is None:
        return None
    identity.update(content=content, batch_size=sample.batch_size, where=sample.where)
    return hash_json(identity)


def concatenated(sample: StreamSample) -> tuple[Any, Any, Any]:
    """The sampled batches joined row-wise: ``(x, y, sample_weight)`` (None where absent)."""
    if not sample.batches:
        return None, None, None
    return tuple(_join([batch[i] for batch in sample.batches]) for i in range(3))


def per_batch_labels(sample: StreamSample) -> list[Any]:
    """The label array of each sampled batch (for order checks across batches)."""
    return [batch[1] for batch in sample.batches if batch[1] is not None]


def _join(parts: list[Any]) -> Any:
    import numpy as np

    if any(part is None for part in parts):
        return None
    first = parts[0]
    if isinstance(first, dict):
        return {key: _join([part[key] for part in parts]) for key in first}
    if isinstance(first, list):
        return [_join([part[i] for part in parts]) for i in range(len(first))]
    if hasattr(first, "iloc"):
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
    arrays = [np.asarray(part) for part in parts]
    if arrays[0].ndim == 0:
        return np.stack(arrays)
    if len({array.shape[1:] for array in arrays}) > 1:
        return arrays[0]  # ragged batches (variable-length sequences): the first stands in
    return np.concatenate(arrays, axis=0)
