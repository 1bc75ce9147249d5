"""The history of a training loop: rounds, per-call points, NaN kept visible, bounded length."""

from __future__ import annotations

import math

import pytest

from kepler_jupyter.run.loop_history import MAX_POINTS, LoopHistory


def test_training_calls_between_evaluations_are_one_round():
    history = LoopHistory()
    for epoch in range(3):
        for call in range(4):
            history.add_training({"loss": 1.0 / (epoch + 1) + call * 0.01})
        history.add_evaluation({"loss": 2.0 - epoch})
    curves = history.curves()
    assert curves["loss"] == pytest.approx([1.015, 0.515, 1 / 3 + 0.015])
    assert curves["val_loss"] == [2.0, 1.0, 0.0]
    assert list(curves) == ["loss", "val_loss"] and history.point() == "round"


def test_without_evaluations_each_measured_call_is_a_point_and_nan_stays_visible():
    history = LoopHistory()
    history.add_training({"loss": 0.5, "batch_score": None})  # not measured on the first call
    history.add_training({"loss": math.nan, "batch_score": 0.75})
    history.add_training({"loss": 0.25, "batch_score": 0.8})
    assert history.curves() == {"loss": [0.5, None, 0.25], "batch_score": [0.75, 0.8]}
    assert history.point() == "call" and history.calls == 3


def test_long_loops_are_merged_into_a_bounded_curve():
    history = LoopHistory()
    for call in range(1000):
        history.add_training({"loss": float(call)})
    (loss,) = history.curves().values()
    assert len(loss) <= MAX_POINTS
    assert loss[0] == pytest.approx(sum(range(5)) / 5)  # means of 5 consecutive calls
    assert loss[-1] == pytest.approx(sum(range(995, 1000)) / 5)
