"""Records become plain JSON (journal.record.json_safe / to_stored); ids are short, unique and typeable."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import re
from pathlib import Path

import numpy as np
import pytest

from kepler_jupyter.journal import FIELDS, RECORD_FORMAT, json_safe, new_experiment_id
from kepler_jupyter.journal.record import to_stored


def test_numpy_values_become_python_values():
    safe = json_safe({
        "f32": np.float32(0.25), "i64": np.int64(7), "b": np.bool_(True),
        "arr": np.arange(4).reshape(2, 2), "farr": np.array([1.5, np.nan, np.inf]),
        "labels": {np.int64(0): 10, np.int64(1): 12},
    })
    assert safe == {"f32": 0.25, "i64": 7, "b": True, "arr": [[0, 1], [2, 3]],
                    "farr": [1.5, None, None], "labels": {"0": 10, "1": 12}}
    assert type(safe["i64"]) is int and type(safe["f32"]) is float and type(safe["b"]) is bool
    json.dumps(safe, allow_nan=False)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), np.float64("nan")])
def test_non_finite_floats_become_none(value):
    assert json_safe({"x": value}) == {"x": None}


def test_other_values():
    stamp = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    safe = json_safe({"t": (1, 2), "s": {3}, "when": stamp, "p": Path("/a/b"),
                           "raw": b"abc", 2: "int key", None: "none key", True: "bool key",
                           "obj": object})
    assert safe["t"] == [1, 2] and safe["s"] == [3]
    assert safe["when"] == "2025-01-02T03:04:05+00:00"
    assert safe["p"] == "/a/b" and safe["raw"] == "abc"
    assert safe["2"] == "int key" and safe["null"] == "none key" and safe["true"] == "bool key"
    assert isinstance(safe["obj"], str)


def test_result_shares_nothing_with_input():
    nested = {"a": [1, {"b": 2}]}
    safe = json_safe(nested)
    nested["a"][1]["b"] = 99
    assert safe == {"a": [1, {"b": 2}]}


def test_normalize_puts_id_first_and_adds_format():
    stored = to_stored({"name": "x", "id": "abc"})
    assert list(stored)[0] == "id" and stored["format"] == RECORD_FORMAT
    assert to_stored({"id": "abc", "format": 0})["format"] == 0


@pytest.mark.parametrize("bad", [{}, {"id": ""}, {"id": 5}, ["id"]])
def test_normalize_rejects_records_without_id(bad):
    with pytest.raises((ValueError, TypeError)):
        to_stored(bad)


def test_record_fields_follow_the_contract():
    for field in ("format", "id", "status", "created", "model", "params", "metrics", "env",
                  "fingerprint", "error", "stop_reason"):
        assert field in FIELDS


def test_ids_are_short_lowercase_and_unique():
    ids = {new_experiment_id() for _ in range(20000)}
    assert len(ids) == 20000
    assert all(re.fullmatch(r"[0-9a-hjkmnp-tv-z]{10}", i) for i in ids)


def _ids(count: int) -> list[str]:
    return [new_experiment_id() for _ in range(count)]


def test_ids_are_unique_across_processes():
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        batches = pool.map(_ids, [5000, 5000])
    together = batches[0] + batches[1]
    assert len(set(together)) == len(together)
