"""``%kepler goal [METRIC >= TARGET | METRIC <= TARGET | minimize METRIC]``: the project metric.

Without arguments it shows the goal and the best experiment so far; with them it sets the goal
in ``.kepler/config.toml`` (``[goal]``), for every kernel and the sidebar.
"""

from __future__ import annotations

from typing import Any

from kepler_jupyter.commands import CommandEnv, CommandError
from kepler_jupyter.history.goal import GoalError, best_experiment, get_goal, parse_goal, set_goal
from kepler_jupyter.journal.record import experiment_label

USAGE = ("%kepler goal val_accuracy >= 0.97 | %kepler goal val_loss <= 0.1 | "
         "%kepler goal minimize val_loss | %kepler goal (show it)")


def describe_goal_state(env: CommandEnv) -> str:
    """The project's goal, its best experiment and how far that is from the target."""
    goal = get_goal(env.journal.project_dir)
    if goal is None:
        return ("This project has no goal yet. Set one, e.g. `%kepler goal val_accuracy >= 0.97` "
                "or `%kepler goal minimize val_loss`.")
    lines = [f"Project goal: {goal.describe()}."]
    best = best_experiment(env.journal, goal)
    if best is None:
        lines.append(f"No finished experiment has {goal.metric} yet.")
    else:
        lines.append(f"Best so far: ★ {experiment_label(best)}. {goal.progress(best)}")
    return "\n".join(lines)


def run(argv: list[str], env: CommandEnv) -> Any:
    """Show the goal (no arguments) or set it."""
    if any(word in ("-h", "--help") for word in argv):
        raise CommandError(USAGE)
    if not argv:
        return describe_goal_state(env)
    try:
        goal = parse_goal(argv)
    except GoalError as error:
        raise CommandError(str(error)) from None
    from kepler_jupyter.config import ConfigError

    try:
        set_goal(env.journal.project_dir, goal)
    except ConfigError as error:
        raise CommandError(str(error)) from None
    from kepler_jupyter.run.events import log_event

    log_event(env.journal.kepler_dir, "goal", f"goal set: {goal.describe()}")
    return describe_goal_state(env)
