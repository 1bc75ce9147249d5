"""What sampling a stream costs, against the first epoch of a small Keras fit on it.

For a ``tf.data`` pipeline (from arrays, shuffled, batched, mapped), a ``PyDataset`` and a
generator of the same data, prints the time kepler spends before the fit on the stream
(``adapters.streams.sample_stream``: sample, pipeline structure, fingerprint; and the pre-fit
data checks on the sample), the first epoch's time of a plain ``model.fit`` on it, and their
ratio. Target (design notes): at most 5 % of the first epoch or 200 ms, whichever is larger.
kepler's cost is measured on ``--repeat`` fresh streams of each form: "typical" is the median
of all but the first, judged against the target; "first" is the first stream of the process
(tf.data comes first), which also pays once per process what any fit pays (kepler's check
catalogue and fingerprint thread pool, TensorFlow's first tf.data iterator). ``--profile`` prints where a tf.data
sample's time goes (pipeline structure and source hashing, iterator, first batch, the rest).

Run: ``python benchmarks/stream_sampling_benchmark.py [--rows 200000] [--features 64]``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np


def make_streams(X: np.ndarray, y: np.ndarray, batch: int) -> dict[str, Callable[[], Any]]:
    import keras
    import tensorflow as tf

    class Batches(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()

        def __len__(self) -> int:
            return int(np.ceil(len(X) / batch))

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            rows = slice(index * batch, (index + 1) * batch)
            return X[rows], y[rows]

    def generator() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, len(X), batch):
            yield X[start:start + batch], y[start:start + batch]

    return {
        "tf.data": lambda: tf.data.Dataset.from_tensor_slices((X, y)).shuffle(10_000)
        .batch(batch).map(lambda a, b: (a * 2.0, b)).prefetch(2),
        "PyDataset": Batches,
        "generator": generator,
    }


def kepler_cost(model: Any, stream: Any) -> tuple[float, int]:
    """Seconds kepler spends on the stream before training, and the batches it read."""
    from kepler_jupyter import checks
    from kepler_jupyter.adapters.stream_description import (
        describe_stream_sample,
        stream_fingerprint,
    )
    from kepler_jupyter.adapters.streams import sample_stream
    from kepler_jupyter.checks.base import CheckSubject

    started = time.perf_counter()
    sample, _ = sample_stream(stream, replace=True)
    describe_stream_sample(sample)
    stream_fingerprint(sample)
    subject = checks.use_stream_samples(CheckSubject(framework="keras", model=model), {"x": sample})
    checks.run_checks(subject, ("data",), config={})
    return time.perf_counter() - started, sample.n_batches


def profile_tf_data(dataset: Any) -> str:
    """Milliseconds of each part of a tf.data sample (``adapters.tf_pipeline``)."""
    from kepler_jupyter.adapters.tf_pipeline import PipelineStructure, _unoptimised

    marks = [time.perf_counter()]
    structure = PipelineStructure()
    structure.read(dataset)
    structure.digest()
    marks.append(time.perf_counter())
    iterator = iter(_unoptimised(dataset.take(3)))
    marks.append(time.perf_counter())
    next(iterator)
    marks.append(time.perf_counter())
    list(iterator)
    marks.append(time.perf_counter())
    parts = ("structure + source hash", "iterator", "first batch", "2 more batches")
    return ", ".join(f"{name} {(b - a) * 1000:.0f} ms"
                     for name, a, b in zip(parts, marks, marks[1:], strict=False))


def first_epoch(model: Any, stream: Any, steps: int) -> float:
    started = time.perf_counter()
    model.fit(stream, epochs=1, steps_per_epoch=steps, verbose=0)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    import statistics

    import keras

    import kepler_jupyter.run.experiment  # noqa: F401  (what an intercepted fit has imported)
    from kepler_jupyter.adapters import stream_description, tf_pipeline  # noqa: F401

    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, args.features)).astype("float32")
    y = rng.integers(0, 10, size=args.rows)
    steps = int(np.ceil(args.rows / args.batch))

    def model() -> Any:
        m = keras.Sequential([keras.Input((args.features,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return m

    print(f"{args.rows:,} x {args.features} float32, batch {args.batch} ({steps} batches)")
    print(f"  {'stream':<10} {'typical':>8} {'first':>7} {'1st epoch':>10} {'ratio':>7} "
          f"{'target':>7}  batches read")
    for name, make in make_streams(X, y, args.batch).items():
        costs = [kepler_cost(model(), make()) for _ in range(max(args.repeat, 2))]
        cost, read = statistics.median(c for c, _ in costs[1:]), costs[0][1]
        epoch = first_epoch(model(), make(), steps)
        budget = max(0.2, 0.05 * epoch)
        verdict = "ok" if cost <= budget else "OVER"
        print(f"  {name:<10} {cost * 1000:6.0f}ms {costs[0][0] * 1000:5.0f}ms {epoch:9.2f}s "
              f"{cost / epoch:6.1%} {budget * 1000:5.0f}ms  {read}  {verdict}")
        if args.profile and name == "tf.data":
            print(f"    tf.data sample: {profile_tf_data(make())}")


if __name__ == "__main__":
    main()
