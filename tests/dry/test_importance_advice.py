"""What mattered and what to try next, on journals whose answer is known by construction, then
end to end: ``%kepler importance`` over a real journal, the suggestion after a real fit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kepler_jupyter.history.advice import suggest_next_step
from kepler_jupyter.history.goal import Goal
from kepler_jupyter.history.importance import MIN_EXPERIMENTS, importance
from kepler_jupyter.journal import Journal

from .records import keras_record


def _lr_journal(n: int, seed: int = 0, data: str = "digits") -> list[dict]:
    """Accuracy peaks at learning rate 1e-3 and ignores batch size and width (plus noise)."""
    rng = np.random.default_rng(seed)
    records = []
    for _ in range(n):
        lr = float(10 ** rng.uniform(-5, -1))
        accuracy = 0.95 - 0.12 * abs(math.log10(lr) + 3) + float(rng.normal(0, 0.005))
        records.append(keras_record(learning_rate=lr, batch_size=int(rng.choice([16, 32, 64, 128])),
                                    hidden=(int(rng.choice([32, 64, 128])),), final_accuracy=accuracy,
                                    data=data))
    return records


def test_importance_finds_the_setting_the_metric_was_built_from():
    records = _lr_journal(24)
    # experiments on other data, where only the batch size matters, are not compared
    for batch in (16, 32, 64, 128) * 4:
        records.append(keras_record(batch_size=batch, final_accuracy=0.5 + batch / 400, data="other"))
    records.append(_lr_journal(1, seed=9)[0])  # the latest experiment: on the digits data
    found = importance(records, "val_accuracy")
    assert len(found.experiment_ids) == 25
    assert found.top == "learning_rate" and found.rows[0][1] > 0.6
    assert found.r2 is not None and found.r2 > 0.3
    assert {row[0] for row in found.rows} >= {"batch_size", "units (total)"}
    assert "learning_rate" in repr(found) and "R² =" in repr(found)
    figure = found.figure()
    assert list(figure.data[0].y)[-1] == "learning_rate"  # the largest bar on top
    assert "<table" in found._repr_html_()


def test_importance_on_noise_says_the_differences_may_be_noise():
    rng = np.random.default_rng(1)
    records = [keras_record(learning_rate=float(10 ** rng.uniform(-5, -1)), data="noise",
                            final_accuracy=float(rng.uniform(0.5, 0.9))) for _ in range(16)]
    found = importance(records, "val_accuracy")
    assert found.r2 is not None and found.r2 <= 0.1
    assert "the differences may be noise" in found.summary()


def test_importance_says_so_below_the_minimum():
    found = importance(_lr_journal(MIN_EXPERIMENTS - 1), "val_accuracy")
    assert found.rows == [] and f"at least {MIN_EXPERIMENTS} are needed" in found.message
    assert found.message in repr(found) and "<table" not in found._repr_html_()


def test_the_suggestion_follows_the_best_runs_and_names_them():
    goal = Goal("val_accuracy", "max")
    best = [keras_record(learning_rate=lr, final_accuracy=acc)
            for lr, acc in ((1e-3, 0.95), (2e-3, 0.94), (3e-3, 0.93))]
    worse = [keras_record(learning_rate=lr, final_accuracy=0.6) for lr in (1e-1, 1e-4)]
    this = keras_record(learning_rate=1e-2, final_accuracy=0.8)
    step = suggest_next_step([*best, *worse, this], this, goal)
    assert step is not None and step.feature == "learning_rate"
    assert step.evidence == [r["id"] for r in best]
    assert "all used a learning_rate 3.3–10× lower than this one (0.01)" in step.text
    assert all(r["id"] in step.text for r in best)


def test_an_underfitting_run_is_pointed_to_more_capacity():
    goal = Goal("val_accuracy", "max")
    best = [keras_record(hidden=(h,), learning_rate=lr, final_accuracy=acc)
            for h, lr, acc in ((256, 1e-3, 0.95), (128, 2e-3, 0.94), (256, 3e-3, 0.93))]
    this = keras_record(hidden=(16,), learning_rate=1e-2, final_accuracy=0.7)
    plain = suggest_next_step([*best, this], this, goal)
    assert plain.feature == "learning_rate"  # no finding: the alphabetically first move
    this["findings"] = [{"code": "K601", "severity": "warning"}]
    step = suggest_next_step([*best, this], this, goal)
    assert step.feature == "units (total)" and step.finding == "K601"
    assert "5.3–10× higher than this one (26)" in step.text  # 16 hidden + 10 output units and "underfits (K601)" in step.text


@pytest.mark.parametrize("case", ["two better", "no agreement", "the best"])
def test_no_suggestion_without_evidence(case):
    goal = Goal("val_accuracy", "max")
    this = keras_record(learning_rate=1e-2, final_accuracy=0.8)
    lrs = {"two better": (1e-3, 2e-3), "no agreement": (1e-3, 2e-1, 3e-3), "the best": (1e-3, 2e-3, 3e-3)}[case]
    accuracy = 0.7 if case == "the best" else 0.9
    others = [keras_record(learning_rate=lr, final_accuracy=accuracy) for lr in lrs]
    assert suggest_next_step([*others, this], this, goal) is None


@pytest.mark.filterwarnings("ignore::kepler_jupyter.warnings.KeplerWarning")
def test_importance_magic_and_the_suggestion_after_a_real_fit(shell, project, capsys):
    from sklearn.linear_model import LogisticRegression

    import kepler_jupyter

    journal = Journal(project)
    for record in _lr_journal(12):
        journal.add(record)
    found = shell.run_line_magic("kepler", "importance --metric val_accuracy")
    assert found.top == "learning_rate"
    assert kepler_jupyter.importance("val_accuracy", project_dir=project).top == "learning_rate"
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="no experiment"):
        shell.run_line_magic("kepler", "importance --like nope")

    # real fits: a strongly regularised logistic regression underfits data the others separate
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    with kepler_jupyter.watch(project_dir=project, display="none"):
        for C in (1.0, 3.0, 10.0):
            LogisticRegression(C=C).fit(X, y)
    capsys.readouterr()
    with kepler_jupyter.watch(project_dir=project, display="text") as session:
        LogisticRegression(C=1e-4).fit(X, y)
    shown = capsys.readouterr().out
    assert "Next step: The 3 best runs on this data" in shown
    assert "all used a C 1e+04–1e+05× higher than this one (0.0001)" in shown
    step = kepler_jupyter.next_step(project_dir=project)
    assert sorted(step.evidence) == sorted(r["id"] for r in journal.experiments()[12:15])
    assert "underfits (K601)" in step.text
    assert session.last["status"] == "completed"


def test_the_per_fit_read_is_bounded_and_still_finds_the_oldest_best_runs(journal):
    from kepler_jupyter.history.advice import RECENT_RECORDS, TOP_RECORDS, same_data_records

    goal = Goal("val_accuracy", "max")
    best = [keras_record(learning_rate=lr, final_accuracy=acc)
            for lr, acc in ((1e-3, 0.95), (2e-3, 0.94), (3e-3, 0.93))]
    later = [keras_record(learning_rate=1e-2, batch_size=16 + i, final_accuracy=0.6) for i in range(40)]
    this = keras_record(learning_rate=1e-2, final_accuracy=0.8)
    for record in [*best, *later, this]:
        journal.add(record)
    read = same_data_records(journal, this, goal)
    assert len(read) <= TOP_RECORDS + RECENT_RECORDS
    assert {r["id"] for r in best} <= {r["id"] for r in read}  # the best, however old
    step = suggest_next_step(read, this, goal, rank_by_importance=False)
    assert step.evidence == [r["id"] for r in best] and step.feature == "learning_rate"
