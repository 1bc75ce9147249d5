"""What to try next: at most one concrete step, drawn from the journal, with its evidence.

After a finished experiment, kepler looks at the best experiments on the same data that did
better than it (by the project goal, else the default metric). When the ``EVIDENCE_RUNS`` best
of them all moved one setting the same way from this run — all used a lower learning rate, all
a larger ``C``, all the ``adam`` optimizer — that is the suggestion, naming those experiments so
the user can check it. Several such settings are ranked by the bias / variance finding on this
run (K601 underfitting asks for more capacity, K602 overfitting for less) and then by their
importance for the metric (``history.importance``). No consistent move, no suggestion: never a
suggestion without evidence, never more than one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kepler_jupyter.history.goal import Goal, default_goal
from kepler_jupyter.history.importance import (
    MIN_EXPERIMENTS,
    comparable,
    importance,
    record_features,
)

#: how many better experiments must agree before kepler suggests following them
EVIDENCE_RUNS = 3
#: settings whose larger values give a model more capacity (+1) or less (-1)
CAPACITY = {"units (total)": 1, "n_params": 1, "n_layers": 1, "epochs": 1, "C": 1, "max_depth": 1,
            "n_estimators": 1, "max_iter": 1, "hidden_layer_sizes": 1, "alpha": -1, "dropout": -1,
            "l2": -1, "min_samples_leaf": -1, "min_samples_split": -1, "weight_decay": -1}

#: the best and the most recent experiments on the same data a suggestion reads from the
#: index (bounds its per-fit cost)
TOP_RECORDS = 10
RECENT_RECORDS = 20
#: features that summarise an architecture rather than set it
DERIVED = ("n_params", "n_layers")


@dataclass
class Suggestion:
    """One next step and the experiments it rests on."""

    text: str
    feature: str
    #: the better experiments that all made this move
    evidence: list[str] = field(default_factory=list)
    #: the bias / variance finding on this run that supports it (K601, K602), if any
    finding: str | None = None

    def __str__(self) -> str:
        return self.text


@dataclass
class _Move:
    feature: str
    words: str
    capacity: int  # +1 more capacity, -1 less, 0 unknown


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _move(feature: str, mine: Any, theirs: list[Any]) -> _Move | None:
    """How all of ``theirs`` differ from ``mine`` in one direction, in words; else None."""
    if any(value is None for value in [mine, *theirs]):
        return None
    if all(isinstance(value, float) for value in [mine, *theirs]):
        if mine == 0 or any(value == mine for value in theirs):
            return None
        ratios = sorted(value / mine for value in theirs)
        if ratios[0] <= 0:
            return None
        if ratios[-1] < 1:  # all lower
            low, high = 1 / ratios[-1], 1 / ratios[0]
            direction = -1
            how = "lower"
        elif ratios[0] > 1:
            low, high = ratios[0], ratios[-1]
            direction = 1
            how = "higher"
        else:
            return None
        factor = f"{low:.2g}×" if high / low < 1.2 else f"{low:.2g}–{high:.2g}×"
        words = f"a {feature} {factor} {how} than this one ({_fmt(mine)})"
        return _Move(feature, words, direction * CAPACITY.get(feature, 0))
    if len(set(map(str, theirs))) == 1 and str(theirs[0]) != str(mine):
        return _Move(feature, f"{feature} {_fmt(theirs[0])} (this one: {_fmt(mine)})", 0)
    return None


def suggest_next_step(records: list[dict[str, Any]], record: dict[str, Any],
                      goal: Goal | None = None, *, rank_by_importance: bool = True) -> Suggestion | None:
    """At most one next step for ``record``, from the experiments on its data that did better.

    Parameters
    ----------
    records
        The journal's experiments, oldest first (``record`` may be among them).
    record
        The finished experiment.
    goal
        The project goal; without one the default metric of these experiments.
    rank_by_importance
        Rank several consistent moves by their importance (a small forest, some 0.1 s); the
        report after each fit leaves it out to stay cheap.
    """
    own_id = record.get("id")
    others = [r for r in comparable(records, record) if r.get("id") != own_id]
    goal = goal or default_goal([record, *others])
    mine = goal.value(record) if goal is not None else None
    if goal is None or mine is None:
        return None
    better = [(value, r) for r in others if (value := goal.value(r)) is not None and goal.is_better(value, mine)]
    better.sort(key=lambda item: item[0], reverse=goal.mode == "max")
    best = [r for _, r in better[:EVIDENCE_RUNS]]
    if len(best) < EVIDENCE_RUNS:
        return None
    own = record_features(record)
    theirs = [record_features(r) for r in best]
    moves = [move for name in own if (move := _move(name, own[name], [t.get(name) for t in theirs]))]
    if not moves:
        return None
    codes = {f.get("code") for f in record.get("findings") or [] if isinstance(f, dict)}
    finding = "K601" if "K601" in codes else "K602" if "K602" in codes else None
    wanted = 1 if finding == "K601" else -1 if finding == "K602" else 0
    shares = _importance_shares(records, record, goal) if len(moves) > 1 and rank_by_importance else {}
    # a setting the user changes directly comes before a summary of the architecture
    moves.sort(key=lambda m: (-(m.capacity * wanted > 0), m.feature in DERIVED,
                              -shares.get(m.feature, 0.0), m.feature))
    move = moves[0]
    values = [value for value, _ in better[:EVIDENCE_RUNS]]
    ids = [str(r.get("id")) for r in best]
    text = (f"The {len(best)} best runs on this data ({', '.join(ids)}: {goal.metric} "
            f"{_fmt(min(values))}–{_fmt(max(values))} vs {_fmt(mine)} here) all used {move.words}.")
    if finding and move.capacity * wanted > 0:
        text += (" This run " + ("underfits (K601): more capacity is the way."
                                 if finding == "K601" else "overfits (K602): less capacity is the way."))
    if move.feature in shares:
        text += f" {move.feature} explains {shares[move.feature]:.0%} of {goal.metric} on this data."
    return Suggestion(text, move.feature, ids, finding if move.capacity * wanted > 0 else None)


def _importance_shares(records: list[dict[str, Any]], record: dict[str, Any], goal: Goal) -> dict[str, float]:
    """Each feature's importance share, when enough experiments share the data."""
    if len(comparable(records, record)) < MIN_EXPERIMENTS:
        return {}
    found = importance(records, goal.metric, reference=record, fast=True)
    return {name: share for name, share, _, _ in found.rows}


def same_data_records(journal: Any, record: dict[str, Any], goal: Goal | None = None) -> list[dict[str, Any]]:
    """Finished experiments on ``record``'s data, enough for a suggestion.

    From the journal's index when it is current: the ``TOP_RECORDS`` best by the goal's metric
    and the ``RECENT_RECORDS`` most recent, so a fit's cost stays small and does not grow with
    the journal. Without an index (a list of records), every record on the same data.
    """
    from kepler_jupyter.journal.indexed import per_fit_reads

    data = (record.get("fingerprint") or {}).get("data") if isinstance(record.get("fingerprint"), dict) else None
    if not data:
        return []
    reads, read_all = per_fit_reads(journal)
    if reads is None:
        if not read_all:
            return []  # the index is being rebuilt: no suggestion rather than a slow fit
        records = journal.experiments() if hasattr(journal, "experiments") else list(journal)
        return comparable(records, record)
    done = "e.fp_data = ? AND e.status IN ('completed', 'stopped')"
    entries = reads.index.query(
        f"SELECT e.id, e.offset, e.length FROM experiments e WHERE {done} "
        "ORDER BY e.created DESC, e.first_seq DESC LIMIT ?", (data, RECENT_RECORDS))
    goal = goal or default_goal([record])
    if goal is not None:
        order = "DESC" if goal.mode == "max" else "ASC"
        # Few experiments on this data: take them first (an index) and sort their values
        # (CROSS JOIN fixes that order); many: walk the metric's values best first and stop
        # at the first matches. Either way the cost stays small at any journal size.
        sharing = reads.index.query("SELECT count(*) FROM experiments WHERE fp_data = ?", (data,))[0][0]
        join = "CROSS JOIN" if sharing < 2000 else "JOIN"
        entries += reads.index.query(
            f"SELECT e.id, e.offset, e.length FROM experiments e {join} metric_values m ON m.id = e.id "
            f"WHERE {done} AND m.name = ? ORDER BY m.value {order} LIMIT ?", (data, goal.metric, TOP_RECORDS))
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry[0] in found:
            continue
        try:
            found[entry[0]] = reads.read(tuple(entry))
        except Exception:  # moved by a compaction meanwhile: left out this time
            continue
    return list(found.values())


def project_next_step(experiment_id: str | None = None, *, project_dir: Any = None) -> Suggestion | None:
    """``kepler_jupyter.next_step``: the suggestion for an experiment (default: the latest
    finished one) of a project's journal, or None when the journal gives no evidence for one."""
    from kepler_jupyter.history.goal import get_goal
    from kepler_jupyter.journal import Journal

    journal = Journal(project_dir)
    records = journal.experiments()
    if experiment_id:
        record: dict[str, Any] | None = journal.get(experiment_id)
    else:
        record = next((r for r in reversed(records) if r.get("status") in ("completed", "stopped")), None)
    if record is None:
        return None
    return suggest_next_step(list(records), record, get_goal(journal.project_dir))
