"""Pre-fit data checks on 1,000,000 x 100 float32 with 10-class labels, against baselines.

Runs every data-stage check (NaN / inf, duplicates, conflicting labels, train/validation
overlap, scale, constant and correlated features, label order / split / balance, dtypes) the
way ``%%kepler fit`` does, on a fresh subject each time (nothing cached between runs), for:

* a compiled Keras model with ``validation_split=0.2`` (the overlap check reads every row of
  both parts), when Keras is installed;
* a scikit-learn ``LogisticRegression`` (adds the scaler and class-weight checks).

Baselines measured in the same run on the same array: one ``X.sum()`` pass over the data and
``np.unique(y)``. Prints the best and median time, the ratio to the ``X.sum()`` pass, the time
of each check, and the peak extra memory (tracemalloc, in a separate run) against the data size.

Targets (issue #3): <= 1.5 s, extra memory <= half the data size.
Run: ``python benchmarks/checks_benchmark.py [--rows 1000000] [--features 100] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TARGET_SECONDS = 1.5
TARGET_MEMORY_FRACTION = 0.5


def timings(function: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        out.append(time.perf_counter() - started)
    return out


def peak_extra_bytes(function: Callable[[], Any]) -> int:
    """Peak memory allocated while ``function`` runs (numpy buffers included)."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def keras_model(n_features: int, n_classes: int) -> Any:
    try:
        import keras
    except ImportError:
        return None
    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from sklearn.linear_model import LogisticRegression

    from kepler_jupyter.checks import CheckSubject, run_checks

    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.rows, args.features), dtype=np.float32)
    y = rng.integers(0, args.classes, args.rows)
    data_mb = X.nbytes / 1e6
    print(f"data: {args.rows:,} x {args.features} float32 ({data_mb:,.0f} MB), {args.classes} classes")

    sum_pass = min(timings(lambda: X.sum(), args.repeat))
    unique = min(timings(lambda: np.unique(y), args.repeat))
    print(f"baseline X.sum() pass: {sum_pass * 1000:.1f} ms   np.unique(y): {unique * 1000:.1f} ms")

    scenarios = []
    model = keras_model(args.features, args.classes)
    if model is not None:
        scenarios.append(("keras, validation_split=0.2", "keras", model, {"validation_split": 0.2}))
    scenarios.append(("sklearn LogisticRegression", "sklearn", LogisticRegression(), {}))

    all_ok = True
    for label, framework, estimator, options in scenarios:
        last: dict[str, Any] = {}

        def run_data_checks(framework=framework, estimator=estimator, options=options, last=last) -> None:
            subject = CheckSubject(framework, estimator, X, y,
                                   validation_split=options.get("validation_split", 0.0))
            last["findings"] = run_checks(subject, ("data",), config={})
            last["timings"] = subject.cache.get("timings", {})

        run_data_checks()  # warm-up: imports and first-touch page faults are not the checks' cost
        times = timings(run_data_checks, args.repeat)
        best, median = min(times), statistics.median(times)
        per_check = dict(last["timings"])  # from a timed run, not the slower traced one
        peak = peak_extra_bytes(run_data_checks)
        ok = best <= TARGET_SECONDS and peak <= TARGET_MEMORY_FRACTION * X.nbytes
        all_ok &= ok
        print(f"\n{label}:")
        print(f"  all data checks: best {best:.3f} s, median {median:.3f} s "
              f"({best / sum_pass:.1f}x one X.sum() pass; target <= {TARGET_SECONDS} s)")
        print(f"  peak extra memory: {peak / 1e6:.0f} MB = {peak / X.nbytes:.2f} x the data "
              f"(target <= {TARGET_MEMORY_FRACTION})")
        slowest = sorted(per_check.items(), key=lambda item: -item[1])[:6]
        print("  slowest checks: " + ", ".join(f"{code} {seconds * 1000:.0f} ms" for code, seconds in slowest))
        print(f"  findings on this clean data: {[f.code for f in last['findings']] or 'none'}")
        print(f"  {'OK' if ok else 'MISSED TARGET'}")
    print("\nall targets met" if all_ok else "\nsome targets missed")


if __name__ == "__main__":
    main()
