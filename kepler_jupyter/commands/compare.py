"""``%kepler compare ID ID ... | --all | --tag TAG``: experiments side by side, curves overlaid.

With ``--all`` or ``--tag`` the table holds the best ``--limit`` experiments by the project
goal (a table with hundreds of columns helps nobody) and a parallel-coordinates view shows the
settings of all of them against the project metric.
"""

from __future__ import annotations

from typing import Any

from kepler_jupyter.commands import CommandEnv, CommandError, command_parser, parse_arguments
from kepler_jupyter.history.goal import default_goal, get_goal, sort_by_goal

DEFAULT_LIMIT = 12


def _parser() -> Any:
    parser = command_parser("compare", "Experiments side by side: what differs, and their curves.")
    parser.add_argument("ids", nargs="*", help="Experiment ids (or unique prefixes) to compare.")
    parser.add_argument("--all", action="store_true", help="Every experiment of the project.")
    parser.add_argument("--tag", help="Every experiment with this tag.")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                        help=f"With --all / --tag: columns in the table (best first; default {DEFAULT_LIMIT}).")
    return parser


def select_records(env: CommandEnv, args: Any) -> tuple[list[dict[str, Any]], bool]:
    """The records to compare, and whether they are a whole set (``--all`` / ``--tag``)."""
    if args.ids and (args.all or args.tag):
        raise CommandError("Give experiment ids, or --all, or --tag: not several of them.")
    if args.ids:
        records = [env.journal.get(exp_id) for exp_id in args.ids]
        if len({record["id"] for record in records}) < 2:
            raise CommandError("Compare needs at least two different experiments.")
        return records, False
    if args.all or args.tag:
        records = [record for record in env.journal.experiments()
                   if not args.tag or args.tag in (record.get("tags") or [])]
        if len(records) < 2:
            where = f"with the tag {args.tag!r}" if args.tag else "in this project"
            raise CommandError(f"Only {len(records)} experiment(s) {where}: nothing to compare.")
        return records, True
    raise CommandError("Which experiments? `%kepler compare ID ID ...`, `--all` or `--tag TAG`.")


def run(argv: list[str], env: CommandEnv) -> Any:
    """Build the comparison view of the chosen experiments."""
    from kepler_jupyter.display.widgets.compare import ComparisonView

    args = parse_arguments(_parser(), argv)
    records, whole_set = select_records(env, args)
    goal = get_goal(env.journal.project_dir) or default_goal(records)
    if not whole_set:
        return ComparisonView(records, goal)
    shown = sort_by_goal(records, goal)[: max(args.limit, 2)]
    # the parallel view covers the whole set, the table only the best of it
    return ComparisonView(shown, goal, parallel=records)
