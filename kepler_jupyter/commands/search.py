"""``%kepler search FILTER ... | --like ID``: find experiments by their fields or by similarity.

Filters are described in ``kepler_jupyter.history.filters`` (``layers>3 learning_rate<0.01
tag=baseline hypothesis~wider``). ``--like ID`` lists the experiments most similar to that one,
same data first, and points to saved weights of similar models trained on other data; filters
given with it narrow the candidates.
"""

from __future__ import annotations

import html
from typing import Any

from kepler_jupyter.commands import CommandEnv, CommandError, command_parser, parse_arguments
from kepler_jupyter.display.widgets.compare import format_value, html_table, text_table
from kepler_jupyter.history.filters import filter_records, parse_filters
from kepler_jupyter.history.goal import Goal, default_goal, get_goal, sort_by_goal
from kepler_jupyter.history.indexed_filters import search_index
from kepler_jupyter.journal.record import get_path, notes_text
from kepler_jupyter.journal.removal import archived_view_for, keep_for_view


def _parser() -> Any:
    parser = command_parser("search", "Find experiments by fields (FILTER ...) or by similarity (--like ID).")
    parser.add_argument("filters", nargs="*", help="FIELD OP VALUE conditions, e.g. layers>3 tag=baseline.")
    parser.add_argument("--like", metavar="ID", help="Experiments most similar to this one.")
    parser.add_argument("-k", "--top", type=int, default=10, help="How many similar experiments (default 10).")
    parser.add_argument("--limit", type=int, default=50, help="Show at most this many (default 50).")
    return parser


class SearchResults:
    """Found experiments as a table (HTML in a notebook, text in a terminal)."""

    def __init__(self, records: list[dict[str, Any]], title: str, goal: Goal | None,
                 similarity: list[Any] | None = None, hints: list[str] | None = None) -> None:
        self.records = records
        self.title = title
        self.goal = goal
        self.similarity = similarity
        self.hints = hints or []

    def __len__(self) -> int:
        return len(self.records)

    def rows(self) -> tuple[list[str], list[list[str]]]:
        metric = self.goal.metric if self.goal else "metric"
        header = ["id", "name", "status", "model", metric, "tags", "notes"]
        if self.similarity is not None:
            header += ["similarity", "data"]
        body = []
        for position, record in enumerate(self.records):
            value = self.goal.value(record) if self.goal else None
            row = [str(record.get("id", ""))[:8], str(record.get("name") or ""),
                   str(record.get("status") or ""), str(get_path(record, "model.class") or ""),
                   format_value(value), ", ".join(record.get("tags") or []),
                   format_value(notes_text(record) or None)]
            if self.similarity is not None:
                found = self.similarity[position]
                row += [f"{found.score:.3f}", "same" if found.same_data else "other"]
            body.append(row)
        return header, body

    def __repr__(self) -> str:
        if not self.records:
            return f"{self.title}\nNo experiment matches."
        header, body = self.rows()
        return "\n".join([self.title, text_table(header, body), *self.hints])

    def _repr_html_(self) -> str:
        caption = f"<p><b>{html.escape(self.title)}</b></p>"
        if not self.records:
            return caption + "<p>No experiment matches.</p>"
        header, body = self.rows()
        table = html_table([html.escape(c) for c in header],
                           [([html.escape(c) for c in row], False) for row in body])
        hints = "".join(f"<p>💡 {html.escape(hint)}</p>" for hint in self.hints)
        return caption + table + hints


def run(argv: list[str], env: CommandEnv) -> SearchResults:
    """Search the journal; returns the matching experiments as a table."""
    from kepler_jupyter.history.similarity import similar_experiments, transfer_hint

    args = parse_arguments(_parser(), argv)
    if not args.filters and not args.like:
        raise CommandError("What to search for? `%kepler search layers>3 tag=baseline` or "
                           "`%kepler search --like ID`.")
    filters = parse_filters(args.filters) if args.filters else []
    # Filters on indexed fields run in SQL; others read records (see indexed_filters).
    matched = search_index(env.journal, filters) if filters else None
    if args.like:
        target = env.journal.get(args.like)
        if matched is not None or not filters:
            # the index's stored vectors, narrowed to the matches; only the k found are read
            found = similar_experiments(env.journal, target, k=args.top,
                                        among=None if matched is None else {r["id"] for r in matched})
        else:
            # no index: the filters run on the records (filter_records parses the raw tokens)
            found = similar_experiments(filter_records(env.journal.experiments(), args.filters),
                                        target, k=args.top)
        found = [item for item in found if keep_for_view(item.record, archived_view_for(filters))]
        goal = get_goal(env.journal.project_dir) or default_goal([target, *(i.record for i in found)])
        hints = [hint for hint in map(transfer_hint, found) if hint]
        title = f"{len(found)} experiment(s) most like {target['id']} (same data first)"
        return SearchResults([item.record for item in found], title, goal, found, hints)
    records = matched if matched is not None else filter_records(env.journal.experiments(),
                                                                 args.filters or [])
    # Archived experiments are left out of every listing unless the search names them.
    view = archived_view_for(filters)
    records = [record for record in records if keep_for_view(record, view)]
    goal = get_goal(env.journal.project_dir) or default_goal(records)
    shown = sort_by_goal(records, goal)[: max(args.limit, 1)]
    how = f", best first by {goal.describe()}" if goal else ""
    title = f"{len(records)} experiment(s) match {' '.join(args.filters)}{how}"
    return SearchResults(shown, title, goal)
