"""What kepler costs on top of a training loop (``train_on_batch`` / ``partial_fit``), and what
an interception costs to open and close.

Prints, for a Keras ``train_on_batch`` loop with an evaluation per epoch (digits, 10 epochs of
batches of 64) and an ``SGDClassifier.partial_fit`` loop (digits, 10 passes of batches of 64),
the median wall time of the plain loop and of the same loop inside ``kepler_jupyter.watch()``
(what ``%%kepler fit`` runs) and their ratio (target ≤ 1.05 for loops long enough to matter:
the per-loop costs — record, checks on the first batch, journal — are paid once), then the
per-call cost, and the time to open and close an empty interception with Keras and
scikit-learn loaded (paid once per cell).

    python benchmarks/loop_benchmark.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile

from benchmarks.timing import median_ms

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.data / 16.0).astype("float32"), digits.target


def _compare(label: str, loop, calls: int, repeats: int, project: str) -> None:
    import kepler_jupyter
    from kepler_jupyter.run import after_fit

    loop()  # warm up: imports, graph tracing

    def with_kepler():
        with kepler_jupyter.watch(project_dir=project, display="none"):
            loop()

    plain = median_ms(loop, repeats) / 1000
    watched = median_ms(with_kepler, repeats) / 1000
    print(f"{label:<34} plain {plain * 1e3:8.1f} ms   kepler {watched * 1e3:8.1f} ms   "
          f"ratio {watched / plain:5.3f}   +{(watched - plain) / calls * 1e6:6.1f} µs per call")
    # the last watched fit's record is completed after it returned (run/after_fit.py): wait
    # for it, so that it neither runs into the next comparison nor races the folder's removal
    after_fit.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    X, y = _digits()
    starts = range(0, len(X) - 64, 64)

    import keras
    from sklearn.linear_model import SGDClassifier

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    def keras_loop():
        for _ in range(10):
            for start in starts:
                model.train_on_batch(X[start:start + 64], y[start:start + 64])
            model.test_on_batch(X[-200:], y[-200:])

    def sklearn_loop():
        sgd = SGDClassifier(random_state=0)
        for _ in range(10):
            for start in starts:
                sgd.partial_fit(X[start:start + 64], y[start:start + 64], classes=list(range(10)))

    with tempfile.TemporaryDirectory() as project:
        _compare("keras train_on_batch loop", keras_loop, 10 * (len(starts) + 1), args.repeats, project)
        _compare("scikit-learn partial_fit loop", sklearn_loop, 10 * len(starts), args.repeats, project)

    from kepler_jupyter.run.intercept import Interception

    def open_and_close():
        with Interception(lambda *call: None):
            pass

    open_and_close()
    print(f"open + close one interception       {median_ms(open_and_close, 20):8.2f} ms")


if __name__ == "__main__":
    main()
