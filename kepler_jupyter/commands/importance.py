"""``%kepler importance [--metric M] [--tag T] [--task] [--like ID]``: what explains a metric.

Over the finished experiments on the data of the latest one (``--like ID``: of that one; with
``--task``: the same task shape), which settings and architecture features explain the metric
(``--metric``, else the project goal's), as a bar chart and a table. See
``kepler_jupyter.history.importance``.
"""

from __future__ import annotations

from typing import Any

from kepler_jupyter.commands import CommandEnv, CommandError, command_parser, parse_arguments


def _parser() -> Any:
    parser = command_parser("importance", "Which settings and architecture features explain a metric.")
    parser.add_argument("--metric", help="The metric to explain (default: the project goal's).")
    parser.add_argument("--tag", help="Only experiments with this tag.")
    parser.add_argument("--task", action="store_true",
                        help="Compare experiments with the same task shape, not only the same data.")
    parser.add_argument("--like", metavar="ID", help="Experiments on this one's data (default: the latest).")
    return parser


def run(argv: list[str], env: CommandEnv) -> Any:
    """The ``Importance`` of each feature (its repr is the text version, its HTML the chart)."""
    from kepler_jupyter.history.goal import get_goal
    from kepler_jupyter.history.importance import importance
    from kepler_jupyter.journal import JournalError

    args = parse_arguments(_parser(), argv)
    reference = None
    if args.like:
        try:
            reference = env.journal.get(args.like)
        except JournalError as error:
            raise CommandError(str(error)) from None
    records = env.journal.experiments()
    if not records:
        raise CommandError("The journal has no experiments yet: run some fits with %%kepler fit first.")
    return importance(records, args.metric, goal=get_goal(env.journal.project_dir), reference=reference,
                      same="task" if args.task else "data", tag=args.tag)
