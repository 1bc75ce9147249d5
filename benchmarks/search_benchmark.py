"""A TPE search that resumes from the journal, and TPE against random search on the same budget.

    python benchmarks/search_benchmark.py [SEEDS]

1. Resume: a TPE search of 30 trials of an SVM on the digits data is interrupted (Ctrl-C, as
   a KeyboardInterrupt from inside the 13th fit) after 12 trials and run again with the same
   call. Printed: how many fits the second call made (the target is exactly 18) and how many of
   them repeated a point of the first call (the target is 0).
2. Quality: for SEEDS seeds (default 5), the best validation accuracy of a 30-trial TPE search
   and of 30 random points (Optuna's RandomSampler) over the same space, each in a fresh
   project; printed per seed and averaged.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import warnings
from typing import Any

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

from kepler_jupyter.search.grid import grid
from kepler_jupyter.search.space import loguniform

SPACE = {"C": loguniform(1e-3, 1e3), "gamma": loguniform(1e-5, 1e1)}
TRIALS = 30


class CountingSVC(SVC):
    """Counts its fits (class attributes: they are not parameters of the experiment) and raises
    KeyboardInterrupt on fit number ``interrupt_at``."""

    fits: list[tuple[float, float]] = []
    interrupt_at: int | None = None

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        cls = type(self)
        if cls.interrupt_at is not None and len(cls.fits) + 1 == cls.interrupt_at:
            raise KeyboardInterrupt
        cls.fits.append((self.C, self.gamma))
        return super().fit(X, y, sample_weight)


def build(C: float, gamma: float) -> CountingSVC:
    return CountingSVC(C=C, gamma=gamma)


def _data() -> tuple[Any, Any, Any, Any]:
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)


def resume(data: tuple[Any, Any, Any, Any]) -> None:
    X_train, X_val, y_train, y_val = data
    project = tempfile.mkdtemp(prefix="kepler-search-")
    call = dict(validation_data=(X_val, y_val), strategy="tpe", n_iter=TRIALS, seed=0,
                project_dir=project, display="none")
    CountingSVC.fits, CountingSVC.interrupt_at = [], 13
    try:
        grid(build, SPACE, X_train, y_train, **call)
    except KeyboardInterrupt:
        pass
    first = list(CountingSVC.fits)
    CountingSVC.interrupt_at = None
    started = time.perf_counter()
    result = grid(build, SPACE, X_train, y_train, **call)
    second = CountingSVC.fits[len(first):]
    print(f"resume: first call trained {len(first)} before the interruption; the same call again "
          f"trained {len(second)} more (target 18), repeated {len(set(second) & set(first))} "
          f"(target 0), {result.count('skipped')} came from the journal "
          f"[{time.perf_counter() - started:.1f} s]")


def best(strategy: str, seed: int, data: tuple[Any, Any, Any, Any]) -> float:
    X_train, X_val, y_train, y_val = data
    result = grid(build, SPACE, X_train, y_train, validation_data=(X_val, y_val), strategy=strategy,
                  n_iter=TRIALS, seed=seed, project_dir=tempfile.mkdtemp(prefix="kepler-search-"),
                  display="none")
    return float(result.best.record["metrics"]["val_score"])


def main(seeds: int) -> None:
    warnings.simplefilter("ignore")
    data = _data()
    resume(data)
    tpe, rnd = [], []
    for seed in range(seeds):
        tpe.append(best("tpe", seed, data))
        rnd.append(best("random", seed, data))
        print(f"seed {seed}: best val_score TPE {tpe[-1]:.4f}, random {rnd[-1]:.4f}")
    print(f"mean best val_score over {seeds} seeds, {TRIALS} trials each: "
          f"TPE {statistics.mean(tpe):.4f}, random {statistics.mean(rnd):.4f} "
          f"(TPE {'better' if statistics.mean(tpe) > statistics.mean(rnd) else 'not better'})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
