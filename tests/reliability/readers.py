"""Every reader of the journal, driven over one project: what the fuzz suites call.

Each function returns what the reader showed (text), so a test can check that well-formed
records are visible in it; any exception it raises is a failure of the reader.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kepler_jupyter.journal import Journal


def _shown(value: Any) -> str:
    """What a notebook or terminal would show of a command's result."""
    if value is None:
        return ""
    html = getattr(value, "_repr_html_", None)
    text = repr(value)
    if callable(html):
        text += html() or ""
    return text


def journal_api(project: Path) -> str:
    from kepler_jupyter.journal import JournalError

    journal = Journal(project)
    records = journal.experiments()
    for record in records:
        try:
            assert journal.get(str(record["id"]))["id"] == record["id"]
        except JournalError:
            # the journal's documented answer (a message saying what is wrong), for ids such
            # as " " that it lists but refuses to look up; never for a well-formed record
            assert not str(record["id"]).startswith("g00d")
    journal.search(status="completed")
    frame = journal.to_dataframe()
    return "\n".join(str(record["id"]) for record in records) + f"\nrows {len(frame)}"


def cli(project: Path) -> str:
    from kepler_jupyter.cli import main

    journal = Journal(project)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["--project", str(project), "list", "--limit", "1000"]) == 0
        for record in journal.experiments():
            main(["--project", str(project), "show", str(record["id"])])
        main(["--project", str(project), "doctor"])
        main(["--project", str(project), "export", "--format", "jsonl"])
        main(["--project", str(project), "export", "--format", "csv"])
    return out.getvalue()


def magic_commands(project: Path) -> str:
    from kepler_jupyter.commands import CommandEnv, CommandError, compare, goal, search, show
    from kepler_jupyter.commands import list as list_command
    from kepler_jupyter.journal import JournalError

    env = CommandEnv(journal=Journal(project))
    ids = [str(record["id"]) for record in env.journal.experiments()]
    shown = [_shown(list_command.run(["--limit", "1000"], env)),
             _shown(list_command.run(["--status", "completed"], env)),
             _shown(goal.run([], env))]
    calls: list[tuple[Callable[..., Any], list[str]]] = [
        (compare.run, ["--all"]), (search.run, ["tag=good"]), (search.run, ["layers>0"]),
        (search.run, ["val_loss<1"])]
    calls += [(show.run, [exp_id]) for exp_id in ids]
    calls += [(search.run, ["--like", exp_id]) for exp_id in ids[:3]]
    for run, argv in calls:
        try:
            shown.append(_shown(run(argv, env)))
        except (CommandError, JournalError) as error:
            # the magic shows both as a one-line usage message: an answer, not a crash
            shown.append(str(error))
    return "\n".join(shown)


def history_and_display(project: Path) -> str:
    from kepler_jupyter.display import charts
    from kepler_jupyter.display.experiment_table import ExperimentTable
    from kepler_jupyter.display.widgets.after_fit import AfterFitText
    from kepler_jupyter.history import goal, repeats, similarity
    from kepler_jupyter.history.filters import filter_records, searchable_text

    journal = Journal(project)
    records = journal.experiments()
    project_goal = goal.default_goal(records)
    goal.best_experiment(records, project_goal)
    goal.sort_by_goal(records, project_goal)
    shown = [_shown(ExperimentTable(records))]
    for record in records:
        searchable_text(record)
        repeats.nearest_earlier(journal, record)
        similarity.similar_experiments(journal, record, k=3)
        fingerprint = record.get("fingerprint")
        if fingerprint:
            repeats.find_same_experiment(journal, fingerprint)
        shown.append(AfterFitText(repeats.after_fit_report(journal, record, project_goal)).to_text())
    filter_records(records, "tag=good")
    for figure in (charts.curves_figure(records), charts.parallel_coordinates_figure(records, project_goal),
                   charts.metric_bar_figure(records, project_goal)):
        json.dumps(figure.to_plotly_json(), allow_nan=False, default=str)
    return "\n".join(shown)


def server_routes(project: Path) -> str:
    """The routes' logic on this project (the jp_fetch suite drives the same over HTTP)."""
    from kepler_jupyter.journal.record import json_safe
    from kepler_jupyter.server.listing import JournalCache
    from kepler_jupyter.server.project import locate_project
    from kepler_jupyter.server.query import ListQuery, run_query
    from kepler_jupyter.server.summaries import compare_rows

    snapshot = JournalCache().snapshot(locate_project(project))
    pages = [run_query(snapshot, ListQuery(limit=1000, sort=sort))
             for sort in ("created", "name", "metric", "duration")]
    pages.append(run_query(snapshot, ListQuery(limit=1000, text="good", metric_op=">=", metric_bound=0)))
    details = [json_safe(record) for record in snapshot.by_id.values()]
    json.dumps([pages, details, compare_rows(details)], allow_nan=False)
    return json.dumps(pages[0])


READERS: dict[str, Callable[[Path], str]] = {
    "journal": journal_api, "cli": cli, "commands": magic_commands,
    "history+display": history_and_display, "server": server_routes,
}
