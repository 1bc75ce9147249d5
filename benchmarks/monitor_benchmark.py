"""Cost of kepler's training monitor: fit time of a small MLP with and without it.

Both variants run in the same process, interleaved, several times; the script prints the median
fit time of each, the median of the paired ratios (each monitored fit against the plain fit run
right beside it, so drifts in machine load cancel) and the monitor's own time measured inside its
hooks (target: at most 2 % with the default settings).
Each variant has its own model, warmed up by one fit first, so the timed fits measure training,
not TensorFlow's one-off graph tracing (which would hide the monitor's cost).

Run: ``python benchmarks/monitor_benchmark.py [--repeats 15] [--epochs 5] [--samples 20000]``

On a shared machine wall times of identical fits vary by tens of percent; the monitor's own time
(measured inside its hooks) is the precise figure, the paired ratios the end-to-end check.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build_model(n_features: int, n_classes: int):
    import keras

    model = keras.Sequential([
        keras.Input((n_features,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def timed_fit(model, X, y, epochs: int, monitored: bool) -> tuple[float, float, float, list]:
    from kepler_jupyter.checks.training import make_training_callbacks
    from kepler_jupyter.run.context import FitContext, FitData, RunOptions

    fit_kwargs = {"epochs": epochs, "batch_size": 64, "validation_split": 0.1, "verbose": 0}
    ctx = FitContext(framework="keras", model=model, args=(X, y), kwargs=fit_kwargs,
                     options=RunOptions(), data=FitData(X=X, y=y, validation_split=0.1))
    callbacks = make_training_callbacks(ctx) if monitored else []
    started, cpu_started = time.perf_counter(), time.process_time()
    model.fit(X, y, callbacks=callbacks, **fit_kwargs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    own = sum(callback.monitor.hook_seconds for callback in callbacks)
    return seconds, cpu, own, ctx.findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=64)
    args = parser.parse_args()

    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    n_classes = 10
    centres = rng.normal(size=(n_classes, args.features)).astype("float32")
    y = rng.integers(0, n_classes, args.samples)
    X = (centres[y] + rng.normal(size=(args.samples, args.features))).astype("float32")

    models = {False: build_model(args.features, n_classes), True: build_model(args.features, n_classes)}
    for monitored, model in models.items():  # trace the train / test functions once
        timed_fit(model, X, y, 1, monitored)
    times: dict[bool, list[float]] = {False: [], True: []}
    cpu_times: dict[bool, list[float]] = {False: [], True: []}
    own_seconds, findings = 0.0, []
    for repeat in range(args.repeats):
        # alternate which variant goes first, so drifts in machine load hit both alike
        for monitored in ((False, True) if repeat % 2 == 0 else (True, False)):
            seconds, cpu, own, found = timed_fit(models[monitored], X, y, args.epochs, monitored)
            times[monitored].append(seconds)
            cpu_times[monitored].append(cpu)
            own_seconds += own
            findings.extend(found)
    base, watched = statistics.median(times[False]), statistics.median(times[True])
    paired = statistics.median(w / b for w, b in zip(times[True], times[False], strict=True))
    cpu_paired = statistics.median(w / b for w, b in zip(cpu_times[True], cpu_times[False], strict=True))
    print(f"small MLP, {args.samples} samples x {args.features} features, {args.epochs} epochs, "
          f"batch 64, {args.repeats} repeats (median)")
    print(f"  fit without monitor: {base:.3f} s   {[round(t, 3) for t in times[False]]}")
    print(f"  fit with monitor:    {watched:.3f} s   {[round(t, 3) for t in times[True]]}")
    print(f"  ratio of medians:    {watched / base:.4f}  ({(watched / base - 1) * 100:+.2f} %)")
    print(f"  overhead ratio:      {paired:.4f}  ({(paired - 1) * 100:+.2f} %, median of paired "
          "fits; target <= +2 %)")
    print(f"  CPU-time ratio:      {cpu_paired:.4f}  ({(cpu_paired - 1) * 100:+.2f} %, median of paired "
          "fits, all threads; less disturbed by other processes than wall time)")
    print(f"  monitor's own time:  {own_seconds / sum(times[True]) * 100:.2f} % of the monitored "
          "fits (time inside its hooks, probes included)")
    print(f"  findings on this well-made fit: {sorted({f.code for f in findings}) or 'none'}")


if __name__ == "__main__":
    main()
