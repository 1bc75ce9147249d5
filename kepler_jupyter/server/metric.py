"""The project metric the panel shows in its list: which one, which way is better, its value.

The rules are the project's (``kepler_jupyter.history.goal``), so the sidebar, ``%kepler list`` and the
post-fit reports agree: the goal from the project configuration (``[goal]`` in
``.kepler/config.toml`` or ``[tool.kepler.goal]`` in ``pyproject.toml``), else the first usual
metric name the journal holds. This module only adapts them to the server's payloads.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kepler_jupyter.history.goal import Goal, GoalError, default_goal, get_goal, lower_is_better


@dataclass(frozen=True)
class MetricChoice:
    """The metric a list shows; ``to_payload`` is the schema's ``MetricInfo``."""

    name: str | None
    mode: str
    target: float | None
    source: str

    def to_payload(self) -> dict[str, Any]:
        return {"name": self.name, "mode": self.mode, "target": self.target, "source": self.source}


def infer_mode(metric_name: str) -> str:
    """``"min"`` for losses and errors, ``"max"`` for everything else (accuracy, AUC, R²)."""
    return "min" if lower_is_better(metric_name) else "max"


def read_goal(project_dir: Path) -> MetricChoice | None:
    """The project's configured goal, or ``None`` when none is set or it cannot be read.

    A broken configuration must not take the panel down: the list then falls back to the
    default metric, and the magics / CLI are the place that report the broken file.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a malformed file only warns; not the server's log
            goal = get_goal(project_dir)
    except (GoalError, OSError, ValueError, TypeError):
        return None
    if goal is None:
        return None
    return MetricChoice(goal.metric, goal.mode, goal.target, "config")


def default_metric(records: Iterable[Mapping[str, Any]]) -> MetricChoice:
    """The first usual metric name that any record holds (``name=None`` for an empty journal)."""
    goal = default_goal(record for record in records if isinstance(record, dict))
    if goal is None:
        return MetricChoice(None, "max", None, "default")
    return MetricChoice(goal.metric, goal.mode, None, "default")


def metric_value(record: Mapping[str, Any], name: str | None) -> float | None:
    """The record's final value of ``name`` (its ``metrics`` entry, else its last epoch)."""
    if not name or not isinstance(record, dict):
        return None
    return Goal(name).value(record)
