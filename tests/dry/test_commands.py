"""``%kepler compare``, ``search`` and ``note`` on a real journal, through the real magic too,
and the post-fit report."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from kepler_jupyter.commands import CommandEnv, CommandError, compare, note, search
from kepler_jupyter.display.widgets.after_fit import AfterFitView
from kepler_jupyter.display.widgets.compare import ComparisonView
from kepler_jupyter.history.goal import Goal, set_goal
from kepler_jupyter.history.repeats import after_fit_report
from kepler_jupyter.run.events import read_events

from .records import keras_record, sklearn_record


@pytest.fixture
def filled(journal):
    records = [
        keras_record(hidden=(64,), final_accuracy=0.90, name="baseline", tags=("baseline",),
                     hypothesis="a small MLP is enough"),
        keras_record(hidden=(256, 128), learning_rate=1e-2, final_accuracy=0.95, name="wide",
                     tags=("sweep",)),
        keras_record(hidden=(128, 64), learning_rate=3e-3, final_accuracy=0.93, name="mid",
                     tags=("sweep",)),
        keras_record(hidden=(64,), final_accuracy=0.80, name="elsewhere", data="other",
                     artifacts={"model": ".kepler/models/x.keras"}),
        sklearn_record(name="logreg"),
    ]
    for record in records:
        journal.add(record)
    return journal, records


def test_compare_ids_all_and_tag(filled):
    journal, records = filled
    env = CommandEnv(journal=journal)
    view = compare.run([records[0]["id"][:6], records[1]["id"]], env)
    assert isinstance(view, ComparisonView) and len(view.records) == 2
    assert "settings.learning_rate" in view.differing_rows and view.parallel_figure is None

    set_goal(journal.project_dir, Goal("val_accuracy", "max", 0.97))
    tagged = compare.run(["--tag", "sweep"], env)
    assert {r["name"] for r in tagged.records} == {"wide", "mid"}
    assert tagged.parallel_figure is not None and tagged.best["name"] == "wide"
    everything = compare.run(["--all", "--limit", "2"], env)
    assert [r["name"] for r in everything.records] == ["wide", "mid"]  # the best two by the goal
    # all of them, but the scikit-learn fit has no val_accuracy to draw on the metric axis
    assert len(everything.parallel_figure.data[0].dimensions[-1].values) == 4
    assert "1 without val_accuracy not drawn" in everything.parallel_figure.layout.title.text

    for argv, message in ([[], "Which experiments"], [[records[0]["id"]], "at least two"],
                          [["--tag", "nothing"], "Only 0 experiment"],
                          [[records[0]["id"], "--all"], "not several"]):
        with pytest.raises(CommandError, match=message):
            compare.run(argv, env)


def test_search_filters_without_the_index(filled, monkeypatch):
    """With the index off (or unusable) the filters run on the records themselves."""
    monkeypatch.setenv("KEPLER_INDEX", "off")
    journal, records = filled
    env = CommandEnv(journal=journal)
    found = search.run(["model=Sequential", "layers>2", "val_accuracy>0.9"], env)
    assert [r["name"] for r in found.records] == ["wide", "mid"]
    deep = {r["id"] for r in search.run(["layers>2"], env).records}
    like = search.run(["--like", records[0]["id"], "layers>2"], env)
    assert like.records and {r["id"] for r in like.records} <= deep


def test_search_by_filters_and_by_similarity(filled):
    journal, records = filled
    env = CommandEnv(journal=journal)
    found = search.run(["model=Sequential", "layers>2", "val_accuracy>0.9"], env)
    assert [r["name"] for r in found.records] == ["wide", "mid"]
    assert "2 experiment(s) match" in repr(found)
    by_notes = search.run(["hypothesis~small"], env)
    assert [r["name"] for r in by_notes.records] == ["baseline"]
    assert "a small MLP is enough" in repr(by_notes) and "<table" in by_notes._repr_html_()

    like = search.run(["--like", records[0]["id"], "-k", "3"], env)
    assert like.records[0]["name"] in ("wide", "mid")  # same data comes first
    assert [item.same_data for item in like.similarity] == [True, True, False]
    assert like.records[2]["name"] == "elsewhere"
    assert any(".kepler/models/x.keras" in hint for hint in like.hints)
    assert "transfer learning" in repr(like)

    with pytest.raises(CommandError, match="What to search for"):
        search.run([], env)
    with pytest.raises(CommandError, match="Malformed filter"):
        search.run(["layers=>3"], env)


def test_note_stores_a_conclusion_keeps_the_hypothesis_and_logs(filled):
    journal, records = filled
    env = CommandEnv(journal=journal)
    message = note.run([records[0]["id"][:6], "too", "small:", "underfits"], env)
    assert "too small: underfits" in message
    stored = journal.get(records[0]["id"])
    assert stored["notes"] == {"hypothesis": "a small MLP is enough", "conclusion": "too small: underfits"}
    note.run([records[0]["id"], "--append", "try 256 units"], env)
    assert journal.get(records[0]["id"])["notes"]["conclusion"] == "too small: underfits\ntry 256 units"
    events = read_events(journal.kepler_dir, kind="note")
    assert [e.experiment_id for e in events] == [records[0]["id"]] * 2
    # the conclusion is searchable
    assert [r["name"] for r in search.run(["underfits"], env).records] == ["baseline"]


def test_commands_through_the_magic(shell):
    from kepler_jupyter.journal import Journal

    journal = Journal()
    first, second = keras_record(name="one"), keras_record(hidden=(32,), name="two")
    journal.add(first)
    journal.add(second)
    shell.run_line_magic("kepler", "goal val_accuracy >= 0.97")
    shown = shell.run_line_magic("kepler", "goal")
    assert "val_accuracy ≥ 0.97" in shown
    view = shell.run_line_magic("kepler", f"compare {first['id']} {second['id']}")
    assert len(view.records) == 2
    shell.run_line_magic("kepler", f'note {first["id"]} "wider is not better"')
    assert journal.get(first["id"])["notes"]["conclusion"] == "wider is not better"
    found = shell.run_line_magic("kepler", 'search conclusion~"not better"')
    assert [r["id"] for r in found.records] == [first["id"]]
    with pytest.raises(UsageError, match="Cannot read the goal"):
        shell.run_line_magic("kepler", "goal accuracy about 1")
    with pytest.raises(UsageError, match="no experiment"):
        shell.run_line_magic("kepler", "note zzzz nothing")


def test_after_fit_report_and_view():
    baseline = keras_record(hidden=(64,), final_accuracy=0.90, name="baseline")
    elsewhere = keras_record(hidden=(64,), data="other", name="elsewhere",
                             artifacts={"model": ".kepler/models/e.keras"})
    new = keras_record(hidden=(128,), learning_rate=1e-2, final_accuracy=0.94, name="new")
    later = keras_record(hidden=(128,), learning_rate=1e-2, name="later")
    goal = Goal("val_accuracy", "max", 0.97)
    report = after_fit_report([baseline, elsewhere, new, later], new, goal)
    assert report.earlier is baseline and report.summary["earlier"] == baseline["id"]
    assert [item.record["name"] for item in report.similar] == ["baseline", "elsewhere"]
    assert report.hints and "0.03 away" in report.progress
    text = repr(AfterFitView(report))
    assert "val_accuracy 0.9 → 0.94 (+0.04, better)" in text
    assert "learning_rate: 0.001 → 0.01" in text and "units 64 → 128" in text
    assert "Most similar earlier experiments" in text and "Hint:" in text
    first = after_fit_report([new], new, goal)
    assert first.earlier is None and first.summary is None
    assert "first experiment of its kind" in repr(AfterFitView(first))
