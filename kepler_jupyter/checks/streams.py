"""K314–K315: what a stream's sampled batches tell about its order, and streams left unread.

The other data checks run on a stream's sample as on arrays (``checks.use_stream_samples``);
these two are about the stream itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import Check, CheckSubject, Finding

#: batches smaller than this hold one class by chance too often to count as evidence
MIN_BATCH = 8


def batch_classes(subject: CheckSubject) -> list[np.ndarray] | None:
    """The class labels of each sampled training batch; None without a classification sample."""
    sample = subject.sampled.get("training")
    if sample is None or len(sample.batches) < 2:
        return None
    result = []
    for batch in sample.batches:
        labels = batch[1]
        if labels is None or isinstance(labels, (dict, list)):
            return None
        labels = np.asarray(labels)
        if labels.ndim == 2 and labels.shape[1] > 1:
            labels = labels.argmax(axis=1)  # one-hot rows
        labels = labels.reshape(len(labels), -1)[:, 0] if labels.ndim > 1 else labels
        if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
            return None  # continuous targets have no classes to be ordered by
        result.append(labels)
    return result


def ordered_stream(subject: CheckSubject) -> dict[str, Any] | None:
    """Evidence that a stream serves its samples grouped by label, or None."""
    batches = batch_classes(subject)
    if not batches or min(len(labels) for labels in batches) < MIN_BATCH:
        return None
    sample = subject.sampled["training"]
    classes = [np.unique(labels) for labels in batches]
    single = all(len(present) == 1 for present in classes)
    distinct = len(np.unique(np.concatenate(classes)))
    sorted_within = all(bool(np.all(np.diff(labels) >= 0)) for labels in batches)
    no_shuffle = sample.transformations is not None and "ShuffleDataset" not in sample.transformations
    evidence = {"batch_classes": [present.tolist()[:5] for present in classes],
                "batch_size": len(batches[0])}
    if single and distinct > 1:
        return {**evidence, "reason": "each sampled batch holds a single class"}
    if sorted_within and any(len(present) > 1 for present in classes):
        return {**evidence, "reason": "the labels are sorted within each sampled batch"}
    if single and no_shuffle:
        return {**evidence, "reason": "the pipeline has no shuffle and every sampled batch holds "
                                      "the same single class"}
    return None


class OrderedStream(Check):
    code = "K314"
    title = "Stream batches are grouped by label (not shuffled)"
    severity = "warning"
    stage = "data"
    frameworks = ("keras",)
    why = ("Keras' `shuffle=True` does not reorder a tf.data pipeline, a generator or the "
           "samples inside a PyDataset's batches. When every batch holds one class, each "
           "gradient step pulls towards that class alone: the model chases one class after "
           "another, batch-norm statistics are per class, and training is slow or unstable.")
    fix = ("tf.data: add `.shuffle(buffer_size)` before `.batch()`, with a buffer of at least a "
           "few batches (the whole data when it fits); PyDataset / generator: draw each batch's "
           "indices from a permutation made at every epoch (`on_epoch_end`).")

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = ordered_stream(subject)
        if found is None:
            return
        sample = subject.sampled["training"]
        yield self.finding(
            f"{found['reason']}: classes per batch {found['batch_classes']} in "
            f"{sample.describe()}.",
            evidence={**found, "sample": sample.describe()},
        )


class StreamNotInspected(Check):
    code = "K315"
    title = "Stream not inspected"
    severity = "info"
    stage = "data"
    frameworks = ("keras",)
    why = ("kepler reads a stream only when it can do so without taking anything away from "
           "training; this one it left alone, so no data check ran on it and the experiment "
           "has no data fingerprint (a re-run cannot be recognised).")
    fix = ("Nothing is wrong with the fit. To have the data checked and identified, build the "
           "pipeline from arrays or files (`from_tensor_slices`, `image_dataset_from_directory`) "
           "or pass a PyDataset instead of a generator-based dataset. A seeded shuffle that "
           "reshuffles each epoch is read through a copy only when batch / map / prefetch "
           "follow it: put other transformations (cache, filter, repeat…) before the shuffle.")

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        for part, sample in subject.sampled.items():
            if sample.skipped and not sample.batches:
                yield self.finding(
                    f"the {part} {sample.kind} was not read: {sample.skipped}.",
                    evidence={"part": part, "kind": sample.kind, "reason": sample.skipped},
                )


CHECKS = [OrderedStream, StreamNotInspected]
