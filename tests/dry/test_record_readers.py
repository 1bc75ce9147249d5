"""Every reader goes through the record's normalising step, and compares only like with like."""

from __future__ import annotations

import json

from kepler_jupyter import cli
from kepler_jupyter.history.goal import default_goal
from kepler_jupyter.history.repeats import after_fit_report
from tests.dry.records import keras_record, sklearn_record

# One record per kind of wrong type a shared or hand-edited journal can hold.
_DAMAGE = {
    "metrics": "abc",
    "created": 12345,
    "duration_s": "x",
    "history": {"loss": "abc"},
    "tags": 7,
    "name": ["not", "text"],
    "notes": "text",
    "model": "Sequential",
    "summary": {"n_params": "many", "settings": 1},
}


def _damaged_journal(journal) -> tuple[list[str], list[str]]:
    good = [keras_record(name="good keras"), sklearn_record(name="good sklearn")]
    bad = []
    for field, value in _DAMAGE.items():
        record = keras_record(name=f"bad {field}")
        record[field] = value
        bad.append(record)
    journal.kepler_dir.mkdir(parents=True, exist_ok=True)
    with journal.path.open("w", encoding="utf-8") as handle:
        for record in [*good, *bad]:
            handle.write(json.dumps({"id": record.pop("id"), **record}) + "\n")
    return [r["name"] for r in good], [r["name"] for r in bad]


def test_kepler_list_and_show_answer_with_damaged_records(journal, capsys):
    good_names, _ = _damaged_journal(journal)
    assert cli.main(["--project", str(journal.project_dir), "list"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in good_names)
    assert listing.count("(damaged)") == len(_DAMAGE)
    for record in journal.experiments(fields=("name",)):
        assert cli.main(["--project", str(journal.project_dir), "show", record["id"]]) == 0
    shown = capsys.readouterr().out
    assert "metrics: expected an object, got a string" in shown
    assert "duration_s: expected a number, got a string" in shown


def test_kepler_list_magic_answers_with_damaged_records(shell, journal):
    good_names, _ = _damaged_journal(journal)
    table = repr(shell.run_line_magic("kepler", "list"))
    assert all(name in table for name in good_names)
    assert "(damaged)" in table


def test_goal_and_comparisons_read_damaged_records(journal):
    _damaged_journal(journal)
    records = journal.experiments()
    goal = default_goal(records)
    assert goal is not None and goal.metric == "val_loss"
    report = after_fit_report(journal, keras_record(name="new one"), goal)
    assert report.earlier is not None


def test_after_fit_compares_a_score_only_with_a_score_of_the_same_meaning(project, capsys):
    import numpy as np
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression

    import kepler_jupyter
    from kepler_jupyter.journal import Journal

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    with kepler_jupyter.watch(display="none"):
        LogisticRegression().fit(X, y)
    capsys.readouterr()
    with kepler_jupyter.watch(display="text"):
        PCA(n_components=2).fit(X, y)
    text = capsys.readouterr().out
    pca = Journal(project).experiments()[-1]
    assert pca["model"]["class"] == "PCA" and "train_score" in pca["metrics"]
    metric_change = pca["changes"]["metric"]
    assert metric_change["delta"] is None and metric_change["better"] is None
    assert metric_change["comparable"] is False
    assert "better" not in text  # no "train_score 0.989 → 8.99 (+8.001, better)"
    assert "train_score_n" not in text and "score_name" not in text
