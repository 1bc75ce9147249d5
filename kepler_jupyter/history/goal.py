"""The project's goal: one metric, whether higher or lower is better, and an optional target.

``%kepler goal val_accuracy >= 0.97`` says "maximise ``val_accuracy``; 0.97 is good enough";
``%kepler goal minimize val_loss`` has no target; ``%kepler goal val_loss <= 0.1`` minimises to
a target. The goal lives in the project configuration (``.kepler/config.toml``, table
``[goal]``) so every kernel, the CLI and the sidebar see the same one.

An experiment's value for the goal is its **final** metric (``record["metrics"]``), falling back
to the last epoch of its ``history`` when the final metrics lack it: the goal judges the model
the fit actually produced, not the best epoch it passed through (use early stopping with
``restore_best_weights`` to make those the same).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kepler_jupyter.journal.record import metric_items

#: statuses whose metrics describe a finished model
FINISHED_STATUSES = ("completed", "stopped")
#: words in a metric's name that mean lower is better
_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "rmse", "mape", "perplexity", "distance")
#: metrics tried, in order, when the project has no goal
DEFAULT_METRICS = ("val_loss", "val_accuracy", "val_score", "cv_score", "score", "loss",
                   "accuracy", "train_score")

_COMPARISON = re.compile(r"^\s*(?P<metric>[A-Za-z_][\w.\-/]*)\s*(?P<op>>=|<=|>|<|=>|=<)\s*(?P<target>\S+)\s*$")
_DIRECTION = re.compile(r"^\s*(?P<word>maximi[sz]e|minimi[sz]e|max|min)\s+(?P<metric>[A-Za-z_][\w.\-/]*)\s*$", re.I)


class GoalError(ValueError):
    """A goal that cannot be read (``%kepler goal`` turns it into a usage message)."""


def lower_is_better(metric: str) -> bool:
    """Whether a metric's name says lower values are better (losses, errors)."""
    return any(word in metric.lower() for word in _LOWER_IS_BETTER)


@dataclass(frozen=True)
class Goal:
    """The project's single-number metric.

    Parameters
    ----------
    metric : str
        A key of the records' ``metrics`` (``val_accuracy``, ``val_loss``, ``score``).
    mode : {"max", "min"}
        Whether higher or lower values are better.
    target : float or None
        The value that counts as good enough, if any.
    """

    metric: str
    mode: str = "max"
    target: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("max", "min"):
            raise GoalError(f"A goal's mode is 'max' or 'min', not {self.mode!r}.")

    def value(self, record: dict[str, Any]) -> float | None:
        """The record's final value of the metric, or ``None`` when it has none."""
        metrics = record.get("metrics") or {}
        value = metrics.get(self.metric)
        if value is None:
            history = (record.get("history") or {}).get(self.metric) or []
            value = history[-1] if history else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return float(value) if math.isfinite(value) else None

    def reached(self, record: dict[str, Any]) -> bool | None:
        """Whether the record meets the target; ``None`` without a target or a value."""
        distance = self.distance(record)
        return None if distance is None else distance <= 0

    def distance(self, record: dict[str, Any]) -> float | None:
        """How far the record is from the target (positive: still to go; ≤ 0: reached)."""
        value = self.value(record)
        if value is None or self.target is None:
            return None
        return self.target - value if self.mode == "max" else value - self.target

    def is_better(self, value: float, than: float) -> bool:
        """Whether ``value`` is strictly better than ``than`` for this goal."""
        return value > than if self.mode == "max" else value < than

    def sort_key(self, record: dict[str, Any]) -> tuple[int, float]:
        """A key that sorts records best first, records without a value last."""
        value = self.value(record)
        if value is None:
            return (1, 0.0)
        return (0, -value if self.mode == "max" else value)

    def describe(self) -> str:
        """The goal in words: ``val_accuracy ≥ 0.97`` or ``minimise val_loss``."""
        if self.target is None:
            return f"{'maximise' if self.mode == 'max' else 'minimise'} {self.metric}"
        return f"{self.metric} {'≥' if self.mode == 'max' else '≤'} {self.target:g}"

    def __str__(self) -> str:
        return self.describe()

    def progress(self, record: dict[str, Any]) -> str:
        """One sentence on how far the record is from the goal, for post-fit reports."""
        value = self.value(record)
        if value is None:
            return f"No {self.metric} in this experiment, so it cannot be judged by the goal."
        if self.target is None:
            return f"{self.metric} = {value:.4g} (goal: {self.describe()})."
        distance = self.distance(record)
        assert distance is not None
        if distance <= 0:
            return f"{self.metric} = {value:.4g}: the goal {self.describe()} is reached."
        return f"{self.metric} = {value:.4g}: {distance:.4g} away from the goal {self.describe()}."

    def to_config(self) -> dict[str, Any]:
        """The ``[goal]`` table stored in the project configuration."""
        table: dict[str, Any] = {"metric": self.metric, "mode": self.mode}
        if self.target is not None:
            table["target"] = self.target
        return table

    @classmethod
    def from_config(cls, table: dict[str, Any]) -> Goal:
        """A goal from the ``[goal]`` table of the project configuration."""
        metric = table.get("metric")
        if not metric:
            raise GoalError("The [goal] table of the project configuration has no metric.")
        target = table.get("target")
        mode = table.get("mode") or ("min" if lower_is_better(str(metric)) else "max")
        return cls(str(metric), str(mode), None if target is None else float(target))


def parse_goal(text: str | Sequence[str]) -> Goal:
    """Read a goal as the user writes it after ``%kepler goal``.

    Accepted forms: ``METRIC >= TARGET`` / ``METRIC > TARGET`` (maximise),
    ``METRIC <= TARGET`` / ``METRIC < TARGET`` (minimise), ``maximize METRIC`` /
    ``minimize METRIC`` (no target, ``max``/``min`` and British spellings too), and a bare
    ``METRIC`` (minimised when its name says loss or error, else maximised).

    Raises
    ------
    GoalError
        The text is none of these forms or the target is not a number.
    """
    joined = text if isinstance(text, str) else " ".join(text)
    match = _COMPARISON.match(joined)
    if match:
        try:
            target = float(match["target"])
        except ValueError:
            raise GoalError(f"The goal's target {match['target']!r} is not a number.") from None
        if not math.isfinite(target):
            raise GoalError("The goal's target must be a finite number.")
        mode = "max" if ">" in match["op"] else "min"
        return Goal(match["metric"], mode, target)
    match = _DIRECTION.match(joined)
    if match:
        mode = "max" if match["word"].lower().startswith("max") else "min"
        return Goal(match["metric"], mode, None)
    if re.fullmatch(r"\s*(maximi[sz]e|minimi[sz]e|max|min)\s*", joined, re.I):
        raise GoalError(f"{joined.strip()} which metric? e.g. `{joined.strip()} val_loss`.")
    if re.fullmatch(r"\s*[A-Za-z_][\w.\-/]*\s*", joined):
        metric = joined.strip()
        return Goal(metric, "min" if lower_is_better(metric) else "max", None)
    raise GoalError(
        f"Cannot read the goal {joined.strip()!r}. Write e.g. `val_accuracy >= 0.97`, "
        "`val_loss <= 0.1` or `minimize val_loss`."
    )


def get_goal(project_dir: str | Path) -> Goal | None:
    """The project's goal from its configuration, or ``None`` when none is set."""
    from kepler_jupyter.config import load_project_config

    table = (load_project_config(project_dir) or {}).get("goal")
    if not isinstance(table, dict) or not table.get("metric"):
        return None
    return Goal.from_config(table)


def set_goal(project_dir: str | Path, goal: Goal) -> None:
    """Store ``goal`` as the project's goal (table ``[goal]`` of ``.kepler/config.toml``)."""
    from kepler_jupyter.config import set_project_value

    # The whole table is written at once so an earlier target cannot outlive a new goal.
    set_project_value(project_dir, ["goal"], goal.to_config())


def default_goal(records: Iterable[dict[str, Any]]) -> Goal | None:
    """A stand-in goal when the project has none: the first of ``DEFAULT_METRICS`` present."""
    present: set[str] = set()
    for record in records:
        present.update(metric_items(record))
    for metric in DEFAULT_METRICS:
        if metric in present:
            return Goal(metric, "min" if lower_is_better(metric) else "max", None)
    return None


def sort_by_goal(records: Iterable[dict[str, Any]], goal: Goal | None) -> list[dict[str, Any]]:
    """Records best first by ``goal``; records without a value keep their order at the end."""
    records = list(records)
    if goal is None:
        return records
    return sorted(records, key=goal.sort_key)


def best_experiment(records: Any, goal: Goal | None) -> dict[str, Any] | None:
    """The finished experiment (completed or stopped) with the best value for ``goal``.

    ``records`` is a list of records or a ``Journal``. Ties go to the earlier experiment.
    """
    if goal is None:
        return None
    reads = records.indexed() if hasattr(records, "indexed") else None
    if reads is not None:
        return _best_in_index(reads, goal)
    if hasattr(records, "experiments"):
        records = records.experiments()
    best: dict[str, Any] | None = None
    best_value: float | None = None
    for record in records:
        if record.get("status") not in FINISHED_STATUSES:
            continue
        value = goal.value(record)
        if value is not None and (best_value is None or goal.is_better(value, best_value)):
            best, best_value = record, value
    return best


def _best_in_index(reads: Any, goal: Goal) -> dict[str, Any] | None:
    """``best_experiment`` as one indexed query over the stored metric values."""
    statuses = ", ".join("?" * len(FINISHED_STATUSES))
    rows = reads.index.query(
        "SELECT e.id, e.offset, e.length FROM metric_values m JOIN experiments e ON e.id = m.id "
        f"WHERE m.name = ? AND e.status IN ({statuses}) "
        f"ORDER BY m.value {'DESC' if goal.mode == 'max' else 'ASC'}, e.created, e.first_seq LIMIT 1",
        (goal.metric, *FINISHED_STATUSES))
    return reads.read(rows[0]) if rows else None
