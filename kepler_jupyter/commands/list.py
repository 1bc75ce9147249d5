"""``%kepler list``: the project's experiments as a table."""

from __future__ import annotations

from typing import Any

from kepler_jupyter.commands import CommandEnv, command_parser, parse_arguments
from kepler_jupyter.display.experiment_table import ExperimentTable


def _parser() -> Any:
    parser = command_parser("list", "The project's experiments, newest last.")
    parser.add_argument("--status", help="Only experiments with this status (completed, failed, ...).")
    parser.add_argument("--tag", help="Only experiments with this tag.")
    parser.add_argument("--limit", type=int, default=50, help="Show at most this many (default 50).")
    parser.add_argument("--archived", action="store_true",
                        help="Include archived experiments (left out by default).")
    parser.add_argument("--only-archived", action="store_true",
                        help="Only archived experiments.")
    return parser


def _goal(env: CommandEnv) -> Any:
    try:
        from kepler_jupyter.history.goal import get_goal
    except ImportError:
        return None
    return get_goal(env.journal.project_dir)


def run(argv: list[str], env: CommandEnv) -> ExperimentTable:
    args = parse_arguments(_parser(), argv)
    # One page, sorted and cut by the journal's index: a listing costs the same at 100 or
    # 100,000 experiments, and reads none of the records themselves.
    limit = args.limit if args.limit > 0 else None
    goal = _goal(env)
    archived = "only" if args.only_archived else "show" if args.archived else "hide"
    if goal is not None:
        page = env.journal.listing(status=args.status, tag=args.tag, metric=goal.metric,
                                   best=goal.mode, limit=limit, archived=archived)
        records = page.records
        best = {records[0]["id"]} if records and goal.value(records[0]) is not None else set()
        how = f"sorted by the project goal: {goal}"
    else:
        page = env.journal.listing(status=args.status, tag=args.tag, newest_first=True, limit=limit,
                                   archived=archived)
        records, best, how = page.records[::-1], set(), ""
    shown = f"{len(records)} of {page.total}" if len(records) < page.total else f"{len(records)}"
    which = {"hide": "", "show": " (archived included)", "only": " archived"}[archived]
    title = (f"{shown}{which} experiment(s) in {env.journal.project_dir}"
             + (f" — {how}" if how else ""))
    return ExperimentTable(records, title=title, marked=best)
