"""How long a similar-model search takes over a large journal.

    python benchmarks/similarity_benchmark.py [N]

Builds N (default 10,000) realistic records — Keras MLPs of varied depth, width, activation,
optimizer and learning rate, and scikit-learn estimators with varied parameters — and times
``similar_experiments`` cold (features extracted) and warm (features cached by id and
fingerprint, as in a kernel that searches after every fit).
"""

from __future__ import annotations

import random
import sys
import time
from typing import Any

from kepler_jupyter.history.similarity import _feature_cache, similar_experiments


def _keras(i: int, rng: random.Random) -> dict[str, Any]:
    widths = [rng.choice([16, 32, 64, 128, 256, 512]) for _ in range(rng.randint(1, 6))]
    activation = rng.choice(["relu", "tanh", "gelu", "sigmoid"])
    layers = [{"name": f"dense_{i}_{k}", "class": "Dense", "units": w, "activation": activation,
               "output_shape": [None, w], "n_params": w * 65} for k, w in enumerate(widths)]
    if rng.random() < 0.3:
        layers.insert(1, {"name": f"dropout_{i}", "class": "Dropout", "units": None, "activation": None})
    layers.append({"name": f"out_{i}", "class": "Dense", "units": 10, "activation": "softmax"})
    return {"id": f"k{i:06d}", "status": "completed", "framework": "keras",
            "model": {"class": "Sequential", "layers": layers, "n_params": sum(w * 65 for w in widths)},
            "params": {"optimizer": rng.choice(["adam", "sgd", "rmsprop"]),
                       "learning_rate": 10 ** rng.uniform(-5, -1), "batch_size": rng.choice([16, 32, 64, 128]),
                       "epochs": rng.randint(1, 50), "loss": "sparse_categorical_crossentropy"},
            "fingerprint": {"experiment": f"e{i}", "data": f"d{i % 20}"},
            "metrics": {"val_accuracy": rng.random()}}


def _sklearn(i: int, rng: random.Random) -> dict[str, Any]:
    estimator = rng.choice(["LogisticRegression", "SVC", "RandomForestClassifier"])
    params = {"C": 10 ** rng.uniform(-3, 3), "kernel": rng.choice(["rbf", "linear"]),
              "n_estimators": rng.choice([50, 100, 300]), "max_depth": rng.choice([None, 4, 8]),
              "random_state": 0}
    return {"id": f"s{i:06d}", "status": "completed", "framework": "sklearn",
            "model": {"class": estimator, "layers": []}, "params": {"estimator_params": params},
            "fingerprint": {"experiment": f"e{i}", "data": f"d{i % 20}"},
            "metrics": {"val_score": rng.random()}}


def main(n: int = 10_000) -> None:
    rng = random.Random(0)
    records = [_keras(i, rng) if i % 3 else _sklearn(i, rng) for i in range(n)]
    query = _keras(n + 1, rng)
    _feature_cache.clear()
    started = time.perf_counter()
    similar_experiments(records, query, k=5)
    cold = time.perf_counter() - started
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        found = similar_experiments(records, query, k=5)
        timings.append(time.perf_counter() - started)
    print(f"similar_experiments over {n:,} records: cold {cold * 1000:.0f} ms, "
          f"warm {min(timings) * 1000:.0f} ms (best of 5)")
    for item in found:
        print(f"  {item}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
