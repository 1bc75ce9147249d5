"""Data descriptions across input kinds, label kinds and odd inputs (no framework needed)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from kepler_jupyter.adapters.data_description import describe_fit_data, describe_inputs
from kepler_jupyter.adapters.json_safe import callable_name, to_json_safe
from kepler_jupyter.adapters.target_description import MAX_CLASSES, describe_targets
from kepler_jupyter.run.context import FitData


def _json_roundtrip(value):
    return json.loads(json.dumps(value, allow_nan=False))


def test_float_labels_with_two_values_are_classes(rng):
    y = rng.integers(0, 2, size=50).astype("float64")
    targets = describe_targets(y)
    assert targets["target_type"] == "binary" and targets["n_classes"] == 2
    assert targets["label_distribution"] == {"0": int((y == 0).sum()), "1": int((y == 1).sum())}


def test_many_integer_classes_keep_the_count_but_not_the_distribution(rng):
    y = np.arange(MAX_CLASSES + 50).repeat(2)
    targets = describe_targets(y)
    assert targets["n_classes"] == MAX_CLASSES + 50
    assert targets["label_distribution"] is None
    assert targets["target_stats"]["max"] == MAX_CLASSES + 49


def test_continuous_target_gets_statistics(rng):
    y = rng.normal(5.0, 2.0, size=1000)
    y[3] = np.nan
    targets = _json_roundtrip(describe_targets(y))
    assert targets["target_type"] == "continuous"
    assert targets["n_classes"] is None and targets["label_distribution"] is None
    stats = targets["target_stats"]
    assert stats["n_missing"] == 1
    assert stats["mean"] == pytest.approx(np.nanmean(y))
    assert stats["std"] == pytest.approx(np.nanstd(y))
    assert stats["min"] == pytest.approx(np.nanmin(y))


def test_sorted_regression_target_is_not_mistaken_for_classes():
    y = np.sort(np.random.default_rng(1).normal(size=5000))
    y[:1000] = 0.0  # the first rows look like one label
    assert describe_targets(y)["target_type"] == "continuous"


def test_multilabel_and_categorical_targets(rng):
    y = rng.integers(0, 2, size=(30, 4))
    targets = describe_targets(y)
    assert targets["target_type"] == "multilabel" and targets["n_classes"] == 4
    assert targets["label_distribution"] == {str(i): int(y[:, i].sum()) for i in range(4)}

    categorical = pd.Series(pd.Categorical(["b", "a", "b", "c"]))
    described = describe_targets(categorical)
    assert described["y_dtype"] == "category"
    assert described["label_distribution"] == {"a": 1, "b": 2, "c": 1}


def test_lists_and_multi_output_targets():
    inputs = describe_inputs([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert (inputs["n_samples"], inputs["n_features"], inputs["input_kind"]) == (3, 2, "list")
    targets = describe_targets({"kind": np.array([0, 1, 1]), "size": np.array([0.5, 1.5, 2.5])})
    assert targets["target_type"] == "multioutput"
    assert targets["outputs"]["kind"]["n_classes"] == 2
    assert targets["outputs"]["size"]["target_stats"]["max"] == 2.5


def test_images_count_features_per_sample(rng):
    X = rng.integers(0, 255, size=(10, 28, 28, 1), dtype=np.uint8)
    inputs = describe_inputs(X)
    assert (
        inputs["input_shape"] == [28, 28, 1]
        and inputs["n_features"] == 784
        and inputs["dtype"] == "uint8"
    )


def test_odd_inputs_give_partial_descriptions_without_raising():
    class Strange:
        def __len__(self):
            raise RuntimeError("no length")

    description = describe_fit_data(
        FitData(X=Strange(), y=object(), validation=(Strange(), None), validation_split=0.3)
    )
    _json_roundtrip(description)
    assert description["input_kind"] == "Strange"
    assert description["n_samples"] is None
    assert (
        description["fingerprints"]["X"] is None
        and description["fingerprints"]["complete"] is False
    )
    assert describe_fit_data(FitData())["fingerprints"] == {
        "X": None,
        "y": None,
        "validation": None,
        "complete": True,
    }


def test_pandas_validation_split_takes_the_last_rows():
    X = pd.DataFrame({"a": range(10)})
    y = pd.Series(["x"] * 8 + ["y"] * 2)
    description = describe_fit_data(FitData(X=X, y=y, validation_split=0.2))
    assert description["validation"]["n_samples"] == 2
    assert description["validation"]["label_distribution"] == {"y": 2}


def test_json_safe_conversion_is_plain_and_deterministic():
    converted = to_json_safe(
        {
            "nan": float("nan"),
            "inf": np.float32("inf"),
            "int": np.int64(3),
            "set": {"b", "a", "c"},
            "small": np.arange(3),
            "big": np.zeros((100, 100)),
            "type": np.float32,
            "tuple": (1, 2),
        }
    )
    _json_roundtrip(converted)
    assert converted["nan"] is None and converted["inf"] is None and converted["int"] == 3
    assert converted["set"] == ["a", "b", "c"]
    assert converted["small"] == [0, 1, 2]
    assert converted["big"]["shape"] == [100, 100] and converted["big"]["fingerprint"]
    assert converted["type"] == "numpy.float32"
    assert converted["tuple"] == [1, 2]

    class Thing:
        pass

    assert "0x" not in to_json_safe(Thing())  # memory addresses would change every run
    looped: list = []
    looped.append(looped)
    assert to_json_safe(looped) == ["<recursion>"]


def test_different_lambdas_get_different_names():
    first, second = (lambda x: x + 1), (lambda x: x * 2)  # noqa: E731
    assert callable_name(first) != callable_name(second)
    assert callable_name(math.sqrt) == "math.sqrt"
