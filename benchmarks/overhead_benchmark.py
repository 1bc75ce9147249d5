"""How much a ``%%kepler fit`` costs on top of the plain fit, and how fast the extension loads.

Prints, for small Keras and scikit-learn fits (digits, and 20,000 synthetic rows for a
gradient-boosting and a k-NN pipeline, whose fit is nearly free and whose predict is not), the
median wall time of
the plain fit and of the same fit inside ``kepler_jupyter.watch()`` (what ``%%kepler fit``
runs), and their ratio (target ≤ 1.10). Also prints the time of ``%load_ext kepler_jupyter``
in a fresh IPython (target ≤ 300 ms).

    python benchmarks/overhead_benchmark.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from benchmarks.timing import median_ms

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.data / 16.0).astype("float32"), digits.target


def _compare(label: str, fit, repeats: int, project: str) -> None:
    import kepler_jupyter
    from kepler_jupyter.run import after_fit

    fit()  # warm up: imports, graph tracing

    def with_kepler():
        with kepler_jupyter.watch(project_dir=project, display="none"):
            fit()

    with_kepler()
    plain = median_ms(fit, repeats) / 1000
    watched = median_ms(with_kepler, repeats) / 1000
    print(f"{label:<34} plain {plain * 1000:8.1f} ms   %%kepler fit {watched * 1000:8.1f} ms   ratio {watched / plain:5.2f}")
    # the last watched fit's record is completed after it returned (run/after_fit.py): wait
    # for it, so that it neither runs into the next comparison nor races the folder's removal
    after_fit.wait()


def keras_fit(X, y):
    import keras

    def fit():
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [keras.Input((64,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")]
        )
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(X, y, epochs=10, batch_size=32, validation_split=0.2, verbose=0)

    return fit


def sklearn_fit(X, y):
    from sklearn.ensemble import RandomForestClassifier

    def fit():
        RandomForestClassifier(n_estimators=50, random_state=0).fit(X, y)

    return fit


def _tabular(n_samples: int = 20_000):
    from sklearn.datasets import make_classification

    return make_classification(n_samples=n_samples, n_features=20, n_informative=10, random_state=0)


def gradient_boosting_fit(X, y):
    from sklearn.ensemble import HistGradientBoostingClassifier

    def fit():
        HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(X, y)

    return fit


def knn_fit(X, y):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def fit():
        make_pipeline(StandardScaler(), KNeighborsClassifier()).fit(X, y)

    return fit


def load_ext_time() -> float:
    script = (
        "import time\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "started = time.perf_counter()\n"
        "shell.run_line_magic('load_ext', 'kepler_jupyter')\n"
        "print(time.perf_counter() - started)\n"
    )
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return float(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    X, y = _digits()
    X_tab, y_tab = _tabular()
    with tempfile.TemporaryDirectory() as project:
        _compare("sklearn RandomForest(50), digits", sklearn_fit(X, y), args.repeats, project)
        _compare("sklearn HistGB(100), 20k rows", gradient_boosting_fit(X_tab, y_tab), args.repeats, project)
        _compare("sklearn scaler+kNN, 20k rows", knn_fit(X_tab, y_tab), args.repeats, project)
        _compare("keras MLP, 10 epochs, digits", keras_fit(X, y), args.repeats, project)
    loads = [load_ext_time() for _ in range(3)]
    print(f"%load_ext kepler_jupyter      median {statistics.median(loads) * 1000:.0f} ms (target 300 ms)")


if __name__ == "__main__":
    main()
