"""The project goal: parsing, storing in the project configuration, judging and ranking."""

from __future__ import annotations

import pytest

from kepler_jupyter.commands import CommandEnv, CommandError
from kepler_jupyter.commands import goal as goal_command
from kepler_jupyter.history.goal import (
    Goal,
    GoalError,
    best_experiment,
    default_goal,
    get_goal,
    parse_goal,
    set_goal,
    sort_by_goal,
)
from kepler_jupyter.run.events import read_events

from .records import keras_record, sklearn_record


@pytest.mark.parametrize(("text", "expected"), [
    ("val_accuracy >= 0.97", Goal("val_accuracy", "max", 0.97)),
    ("val_accuracy>=0.97", Goal("val_accuracy", "max", 0.97)),
    (["val_accuracy", ">", "0.9"], Goal("val_accuracy", "max", 0.9)),
    ("val_loss <= 0.1", Goal("val_loss", "min", 0.1)),
    ("val_loss < 1e-2", Goal("val_loss", "min", 0.01)),
    ("minimize val_loss", Goal("val_loss", "min", None)),
    ("maximise val_score", Goal("val_score", "max", None)),
    ("max auc", Goal("auc", "max", None)),
    ("val_mae", Goal("val_mae", "min", None)),
    ("val_accuracy", Goal("val_accuracy", "max", None)),
])
def test_parse_goal_forms(text, expected):
    assert parse_goal(text) == expected


@pytest.mark.parametrize("text", ["val_accuracy >= high", ">= 0.9", "val_accuracy >= 0.9 extra",
                                  "minimize", "val_loss <= nan", ""])
def test_parse_goal_rejects_malformed_goals(text):
    with pytest.raises(GoalError):
        parse_goal(text)


def test_goal_is_stored_in_the_project_configuration(project):
    assert get_goal(project) is None
    set_goal(project, Goal("val_accuracy", "max", 0.97))
    assert "[goal]" in (project / ".kepler" / "config.toml").read_text()
    assert get_goal(project) == Goal("val_accuracy", "max", 0.97)
    # a new goal without a target replaces the old target too
    set_goal(project, Goal("val_loss", "min", None))
    assert get_goal(project) == Goal("val_loss", "min", None)


def test_value_reached_distance_and_progress():
    goal = Goal("val_accuracy", "max", 0.97)
    short = keras_record(final_accuracy=0.95)
    there = keras_record(final_accuracy=0.98)
    assert goal.value(short) == pytest.approx(0.95)
    assert goal.reached(short) is False and goal.reached(there) is True
    assert goal.distance(short) == pytest.approx(0.02)
    assert "0.02 away from the goal val_accuracy ≥ 0.97" in goal.progress(short)
    assert "reached" in goal.progress(there)
    no_metrics = keras_record(status="blocked")
    assert goal.value(no_metrics) is None and goal.reached(no_metrics) is None
    # without final metrics the last epoch of the history counts
    history_only = dict(short, metrics={})
    assert goal.value(history_only) == pytest.approx(0.95)
    loss_goal = Goal("val_loss", "min", 0.45)
    assert loss_goal.distance(short) == pytest.approx(0.05)


def test_best_and_sorting_follow_the_goal_direction():
    records = [keras_record(final_accuracy=0.91), keras_record(final_accuracy=0.96),
               keras_record(final_accuracy=0.99, status="failed"), keras_record(status="blocked"),
               keras_record(final_accuracy=0.93)]
    maximise = Goal("val_accuracy", "max")
    assert best_experiment(records, maximise) is records[1]  # the failed run does not count
    ordered = sort_by_goal(records, maximise)
    assert [r["id"] for r in ordered] == [records[i]["id"] for i in (2, 1, 4, 0, 3)]
    minimise = Goal("val_accuracy", "min")
    assert best_experiment(records, minimise) is records[0]


def test_default_goal_when_the_project_has_none():
    assert default_goal([keras_record()]) == Goal("val_loss", "min")
    assert default_goal([sklearn_record()]) == Goal("val_score", "max")
    assert default_goal([]) is None


def test_goal_command_sets_shows_and_logs(journal):
    env = CommandEnv(journal=journal)
    assert "no goal yet" in goal_command.run([], env)
    journal.add(keras_record(final_accuracy=0.92, name="small"))
    best = keras_record(final_accuracy=0.95, name="wide")
    journal.add(best)
    text = goal_command.run(["val_accuracy", ">=", "0.97"], env)
    assert "val_accuracy ≥ 0.97" in text and f"wide ({best['id'][:8]})" in text
    assert "0.02 away" in text
    assert get_goal(journal.project_dir) == Goal("val_accuracy", "max", 0.97)
    assert [event.kind for event in read_events(journal.kepler_dir)] == ["goal"]
    with pytest.raises(CommandError, match="Cannot read the goal"):
        goal_command.run(["val_accuracy", "about", "0.9"], env)
