"""``%kepler list``: the project's experiments as a table."""

from __future__ import annotations

from typing import Any

from kepler_jupyter.commands import CommandEnv, command_parser, parse_arguments
from kepler_jupyter.display.experiment_table import ExperimentTable

# what the table shows (and the goal sorts by): reading only these keeps a cold listing of a
# large journal fast, since the journal then skips parsing histories, configs and sources;
# records from before `summary` existed are read in full
LISTED_FIELDS = ("name", "created", "status", "framework", "metrics", "tags", "summary")



def _parser() -> Any:
    parser = command_parser("list", "The project's experiments, newest last.")
    parser.add_argument("--status", help="Only experiments with this status (completed, failed, ...).")
    parser.add_argument("--tag", help="Only experiments with this tag.")
    parser.add_argument("--limit", type=int, default=50, help="Show at most this many (default 50).")
    return parser


def _goal_order(env: CommandEnv, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], set[str], str]:
    """Sorted by the project goal when one is set, with the best marked."""
    try:
        from kepler_jupyter.history.goal import get_goal, sort_by_goal
    except ImportError:
        return records, set(), ""
    goal = get_goal(env.journal.project_dir)
    if goal is None:
        return records, set(), ""
    ordered = sort_by_goal(records, goal)
    best = {ordered[0]["id"]} if ordered and goal.value(ordered[0]) is not None else set()
    return ordered, best, f"sorted by the project goal: {goal}"


def run(argv: list[str], env: CommandEnv) -> ExperimentTable:
    args = parse_arguments(_parser(), argv)
    records = env.journal.experiments(status=args.status, fields=LISTED_FIELDS)
    if any("summary" not in record for record in records):
        records = env.journal.experiments(status=args.status)
    if args.tag:
        records = [r for r in records if args.tag in (r.get("tags") or [])]
    records, best, how = _goal_order(env, records)
    if not how:
        records = records[-args.limit :] if args.limit > 0 else records
    else:
        records = records[: args.limit] if args.limit > 0 else records
    title = f"{len(records)} experiment(s) in {env.journal.project_dir}" + (f" — {how}" if how else "")
    return ExperimentTable(records, title=title, marked=best)
