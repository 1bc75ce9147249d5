"""Small fits nearly free: ``%%kepler fit`` (``watch()``) against the plain fit, side by side.

Two small fits on scikit-learn's digits (1,797 x 64): a 50-tree random forest and a 5-epoch
Keras MLP. In one process, rounds alternate the plain fit and the same fit inside
``kepler_jupyter.watch()`` (what ``%%kepler fit`` runs; the order flips every round, so load
on the machine hits both alike), and the medians are compared (target: ratio <= 1.05, and
kepler's extra time at most a tenth of MLflow autolog's).

What is timed is what the user waits for: until the fit returns. The work kepler does after
that on its background thread (``run.after_fit``: training score, results checks, summary,
comparisons, the final journal write) is waited for between rounds, untimed, and printed on
its own line, so it never overlaps the next measurement. First, kepler's fixed cost per fit
alone: ``watch()`` around a fit that costs nothing (``fixed_cost``). Beside each wall time, the main
thread's CPU time (``time.thread_time``), which the load of a shared machine inflates less.

MLflow autolog (SQLite store, the same fits) is measured the same way when ``mlflow`` can be
imported; ``--mlflow-path DIR`` adds a folder holding it (installed there with
``pip install --target DIR mlflow``) to the end of ``sys.path``.

    python benchmarks/small_fit_overhead.py [--rounds 15] [--quick] [--mlflow-path DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# One BLAS / TF thread pool per op: threads fighting over a shared machine's cores drown a
# 200 ms fit in noise.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

Fit = Callable[[], object]


def digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.data / 16.0).astype("float32"), data.target


def forest(X, y) -> Fit:
    from sklearn.ensemble import RandomForestClassifier

    return lambda: RandomForestClassifier(n_estimators=50, random_state=0).fit(X, y)


def keras_mlp(X, y) -> Fit:
    import keras

    def fit() -> object:
        model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model.fit(X, y, epochs=5, batch_size=32, validation_split=0.2, verbose=0)

    return fit


def _timed(fit: Fit, block: Callable[[], AbstractContextManager[object]]) -> tuple[float, float]:
    switch = getattr(block, "switch", None)  # MLflow's autolog patches fits globally: on only here
    if switch is not None:
        switch(True)
    started, cpu = time.perf_counter(), time.thread_time()
    with block():
        fit()
    timed = time.perf_counter() - started, time.thread_time() - cpu
    if switch is not None:
        switch(False)
    return timed


def compare(label: str, fit: Fit, rounds: int, project: str, mlflow_dir: str | None) -> None:
    import kepler_jupyter
    from kepler_jupyter.run import after_fit

    ways: dict[str, Callable[[], AbstractContextManager[object]]] = {
        "plain": nullcontext,
        "kepler": lambda: kepler_jupyter.watch(project_dir=project, display="none"),
    }
    if mlflow_dir is not None:
        ways["mlflow"] = _mlflow_block(mlflow_dir, label)
    wall: dict[str, list[float]] = {name: [] for name in ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    behind: list[float] = []
    for name in ways:  # warm up each way: imports, graph tracing, the journal's first open
        _timed(fit, ways[name])
        after_fit.wait()
    order = list(ways)
    for round_number in range(rounds):
        for name in order if round_number % 2 == 0 else order[::-1]:
            seconds, thread_cpu = _timed(fit, ways[name])
            wall[name].append(seconds)
            cpu[name].append(thread_cpu)
            waited = time.perf_counter()
            after_fit.wait()  # kepler's work after the fit: not overlapping the next fit
            if name == "kepler":
                behind.append(time.perf_counter() - waited)
    plain = statistics.median(wall["plain"])
    plain_cpu = statistics.median(cpu["plain"])
    print(f"\n{label} ({rounds} rounds, medians)")
    for name in ways:
        median, median_cpu = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"  {name:<7} {median * 1000:8.1f} ms  ratio {median / plain:5.3f}   "
              f"main-thread CPU {median_cpu * 1000:8.1f} ms  ratio {median_cpu / plain_cpu:5.3f}")
    extra = statistics.median(wall["kepler"]) - plain
    target = "ratio <= 1.05"
    if "mlflow" in ways:
        mlflow_extra = statistics.median(wall["mlflow"]) - plain
        target += f"; extra <= a tenth of MLflow's ({mlflow_extra * 100:.1f} ms)"
    print(f"  kepler's extra time {extra * 1000:.1f} ms (target {target}); its work after the fit "
          f"returned, on the background thread: median {statistics.median(behind) * 1000:.1f} ms")


def fixed_cost(X, y, rounds: int, project: str) -> None:
    """kepler's own cost per fit without the noise of a fit's time: ``watch()`` around a
    ``DummyClassifier`` (a fit of ~0.1 ms) on the forest's data, alternating with the plain
    dummy fit; once on the same data each time, once on new data each time (a copy with one
    value changed, made before the clock starts: the measurements kept between fits on the
    same data, ``checks/measure/kept.py``, cannot help)."""
    from sklearn.dummy import DummyClassifier

    import kepler_jupyter
    from kepler_jupyter.run import after_fit

    def timed(data, watched: bool) -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.thread_time()
        with kepler_jupyter.watch(project_dir=project, display="none") if watched else nullcontext():
            DummyClassifier().fit(data, y)
        timed = time.perf_counter() - started, time.thread_time() - cpu
        after_fit.wait()
        return timed

    print(f"\nkepler's fixed cost per fit, digits, DummyClassifier ({rounds} rounds, medians)")
    for label, fresh in (("same data", False), ("new data each fit", True)):
        timed(X, True)
        extra_wall, extra_cpu = [], []
        for round_number in range(rounds):
            data = X
            if fresh:
                data = X.copy()
                data[0, 0] += round_number + 1.0
            plain, watched = timed(data, False), timed(data, True)
            extra_wall.append(watched[0] - plain[0])
            extra_cpu.append(watched[1] - plain[1])
        print(f"  {label:<18} main-thread CPU {statistics.median(extra_cpu) * 1000:6.1f} ms   "
              f"wall {statistics.median(extra_wall) * 1000:6.1f} ms")


class _MLflowBlock:
    """``with block():`` one MLflow run with autolog on (SQLite store); autolog patches every
    fit of the framework while enabled, so ``switch`` turns it on only around its own fits."""

    def __init__(self, mlflow_dir: str, label: str) -> None:
        import mlflow

        mlflow.set_tracking_uri(f"sqlite:///{os.path.join(mlflow_dir, 'mlflow.db')}")
        if mlflow.get_experiment_by_name("small-fit-overhead") is None:
            # artifacts in the temporary store too (by default: ./mlruns in the working folder)
            mlflow.create_experiment("small-fit-overhead",
                                     artifact_location=f"file://{os.path.join(mlflow_dir, 'artifacts')}")
        mlflow.set_experiment("small-fit-overhead")
        self.mlflow = mlflow
        self.flavour = mlflow.keras if "keras" in label.lower() else mlflow.sklearn

    def switch(self, on: bool) -> None:
        self.flavour.autolog(disable=not on, silent=True)

    def __call__(self) -> AbstractContextManager[object]:
        return self.mlflow.start_run()


def _mlflow_block(mlflow_dir: str, label: str) -> Callable[[], AbstractContextManager[object]]:
    return _MLflowBlock(mlflow_dir, label)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 rounds (a smoke test)")
    parser.add_argument("--mlflow-path", help="a folder with mlflow installed (pip --target)")
    args = parser.parse_args(argv)
    if args.mlflow_path:
        sys.path.append(args.mlflow_path)
    try:
        import mlflow  # noqa: F401
        has_mlflow = True
    except ImportError:
        has_mlflow = False
        print("MLflow is not importable here: its column is left out (see --mlflow-path).")
    rounds = 3 if args.quick else args.rounds
    X, y = digits()
    with tempfile.TemporaryDirectory() as project, tempfile.TemporaryDirectory() as store:
        fixed_cost(X, y, max(rounds, 10) * 2, project)
        fits = [("RandomForest(50 trees), digits", forest(X, y))]
        if not args.quick or "keras" in sys.modules or os.environ.get("KEPLER_BENCH_KERAS"):
            fits.append(("Keras MLP, 5 epochs, digits", keras_mlp(X, y)))
        for label, fit in fits:
            compare(label, fit, rounds, project, store if has_mlflow else None)


if __name__ == "__main__":
    main()
