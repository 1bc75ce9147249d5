"""What mattered: which settings and architecture features explain a metric across experiments.

The experiments compared are the finished ones (completed or stopped) that share the data of a
reference experiment (the latest, unless given): the same data fingerprint, or with
``same="task"`` the same task shape (number of features, input shape, number of classes).
Each becomes a row of features — its search parameters, estimator parameters, fit settings
(learning rate, batch size, epochs, optimizer) and architecture (parameters, layers, units) —
and the metric is explained by a random forest. A feature's importance is scikit-learn's
permutation importance on that forest: how much the forest's fit degrades when the feature's
values are shuffled, as a share of the total. The forest's cross-validated R² says how much of
the metric the features explain at all; near or below zero, the differences are noise.

``MIN_EXPERIMENTS`` experiments are needed: a forest fitted to fewer explains noise as readily
as signal, and its permutation scores change from one added experiment to the next.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kepler_jupyter.history.goal import FINISHED_STATUSES as DONE_STATUSES
from kepler_jupyter.history.goal import Goal, default_goal

#: fewer experiments than this give no importance (see the module doc)
MIN_EXPERIMENTS = 10
#: a feature known for fewer than this share of the experiments is left out
MIN_COVERAGE = 0.8
_SETTINGS = ("learning_rate", "batch_size", "epochs", "optimizer", "validation_split")


def _scalar(value: Any) -> float | str | None:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) or value is None:
        return value if value is None else value[:80]
    return None


def _section(record: dict[str, Any], name: str) -> dict[str, Any]:
    """``record[name]`` when it is a dict, else an empty one (hostile records hold anything)."""
    value = record.get(name)
    return value if isinstance(value, dict) else {}


def record_features(record: dict[str, Any]) -> dict[str, float | str]:
    """A record's settings and architecture as named numbers and categories."""
    features: dict[str, float | str] = {}
    params = _section(record, "params")
    model = _section(record, "model")
    sources: list[Any] = [params.get("estimator_params"), {k: params.get(k) for k in _SETTINGS},
                          (record.get("search") or {}).get("params") if isinstance(record.get("search"), dict) else None]
    for source in sources:
        for name, value in (source or {}).items() if isinstance(source, dict) else ():
            scalar = _scalar(value)
            if scalar is not None:
                features[str(name)] = scalar
    if isinstance(model.get("class"), str):
        features["model class"] = model["class"]
    layers = [layer for layer in model.get("layers") or [] if isinstance(layer, dict)]
    # a scikit-learn model's parameter count follows from its fit (support vectors, tree
    # nodes): an outcome, not something the user sets
    if record.get("framework") == "keras" and isinstance(model.get("n_params"), (int, float)) \
            and not isinstance(model.get("n_params"), bool):
        features["n_params"] = float(model["n_params"])
    if layers and record.get("framework") == "keras":
        features["n_layers"] = float(len(layers))
        units = [layer["units"] for layer in layers if isinstance(layer.get("units"), (int, float))]
        if units:
            features["units (total)"] = float(sum(units))
    return features


def _data_key(record: dict[str, Any], same: str) -> Any:
    data = _section(record, "data")
    if same == "task":
        shape = data.get("input_shape")
        return (data.get("n_features"), tuple(shape) if isinstance(shape, list) else shape, data.get("n_classes"))
    return (record.get("fingerprint") or {}).get("data") if isinstance(record.get("fingerprint"), dict) else None


def comparable(records: list[dict[str, Any]], reference: dict[str, Any] | None = None, *,
               same: str = "data", tag: str | None = None) -> list[dict[str, Any]]:
    """The finished experiments on the reference's data (or task shape), optionally tagged."""
    if same not in ("data", "task"):
        raise ValueError(f"same must be 'data' or 'task', not {same!r}")
    finished = [r for r in records if r.get("status") in DONE_STATUSES
                and (tag is None or tag in (r.get("tags") or []))]
    if reference is None:
        reference = finished[-1] if finished else None
    if reference is None:
        return []
    key = _data_key(reference, same)
    if key is None or key == (None, None, None):
        return []
    return [r for r in finished if _data_key(r, same) == key]


@dataclass
class Importance:
    """The importance of each feature for a metric, with the experiments it rests on."""

    metric: str | None
    experiment_ids: list[str] = field(default_factory=list)
    #: (feature, share of the total importance, raw permutation importance mean, its std)
    rows: list[tuple[str, float, float, float]] = field(default_factory=list)
    #: cross-validated R² of the forest: how much of the metric the features explain
    r2: float | None = None
    #: why there is no answer (too few experiments, no varying feature), else None
    message: str | None = None

    @property
    def top(self) -> str | None:
        return self.rows[0][0] if self.rows else None

    def to_dataframe(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=["feature", "importance", "permutation_mean", "permutation_std"])

    def figure(self) -> Any:
        from kepler_jupyter.display.charts import importance_figure

        return importance_figure([row[0] for row in self.rows], [row[1] for row in self.rows],
                                 self.metric or "metric", len(self.experiment_ids))

    def summary(self) -> str:
        if self.message:
            return self.message
        trust = "" if self.r2 is None else f"; the features explain R² = {self.r2:.2f} of it out of sample"
        if self.r2 is not None and self.r2 <= 0.1:
            trust += " (little: the differences may be noise)"
        return (f"What explains {self.metric} over {len(self.experiment_ids)} experiments on the same "
                f"data (permutation importance on a random forest{trust}):")

    def __repr__(self) -> str:
        lines = [self.summary()]
        lines += [f"  {name:<24} {share:6.1%}" for name, share, _, _ in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        if self.message:
            return f"<p>{html.escape(self.message)}</p>"
        from kepler_jupyter.display.svg_bars import bars_svg

        table = self.to_dataframe().to_html(index=False, float_format=lambda v: f"{v:.3g}")
        # an inline SVG, not plotly's HTML: that needs a script from a CDN, which nbconvert's
        # pages offline and GitHub's viewer do not run (``figure()`` is the interactive one)
        bars = bars_svg([row[0] for row in self.rows], [row[1] for row in self.rows],
                        f"What explains {self.metric or 'the metric'} "
                        f"({len(self.experiment_ids)} experiments)")
        return f"<p>{html.escape(self.summary())}</p>{bars}{table}"


def importance(records: Iterable[dict[str, Any]], metric: str | None = None, *,
               goal: Goal | None = None, reference: dict[str, Any] | None = None,
               same: str = "data", tag: str | None = None, seed: int = 0,
               fast: bool = False) -> Importance:
    """Which features explain ``metric`` over the experiments on the reference's data.

    Parameters
    ----------
    records
        The journal's experiments, oldest first (``Journal.experiments()``).
    metric
        A key of the records' ``metrics``; default: the goal's, else the first common one.
    goal
        The project goal (says the metric when ``metric`` is not given).
    reference
        The experiment whose data (or task shape) is compared; default: the latest finished.
    same
        ``"data"`` (same data fingerprint) or ``"task"`` (same number of features, input shape
        and classes).
    tag
        Only experiments with this tag.
    seed
        Seed of the forest and of the permutations: the same journal gives the same answer.
    fast
        A smaller forest, fewer permutations and no cross-validated R² (for the after-fit
        suggestion, which only ranks a few settings).
    """
    chosen = comparable(list(records), reference, same=same, tag=tag)
    if metric is None:
        metric = goal.metric if goal is not None else getattr(default_goal(chosen), "metric", None)
    probe = Goal(metric) if metric else None
    candidates = [(r, probe.value(r)) for r in chosen] if probe else []
    rows = [(r, value) for r, value in candidates if value is not None]
    result = Importance(metric, [str(r.get("id")) for r, _ in rows])
    if len(rows) < MIN_EXPERIMENTS:
        result.message = (f"Too few experiments to say what matters: {len(rows)} finished on this "
                          f"data with {metric or 'a metric'}; at least {MIN_EXPERIMENTS} are needed "
                          "(a forest fitted to fewer explains noise as readily as signal).")
        return result
    frame = _feature_frame([record_features(r) for r, _ in rows])
    if frame.shape[1] == 0:
        result.message = (f"No setting or architecture feature varies across these {len(rows)} "
                          "experiments: nothing to explain the metric with.")
        return result
    result.rows, result.r2 = _permutation_importance(frame, [value for _, value in rows], seed, fast)
    return result


def project_importance(metric: str | None = None, *, tag: str | None = None, same: str = "data",
                       like: str | None = None, project_dir: Any = None) -> Importance:
    """``kepler_jupyter.importance``: ``importance`` over a project's journal.

    Parameters
    ----------
    metric, tag, same
        As for ``importance``; the metric defaults to the project goal's.
    like : str, optional
        The id of the experiment whose data is compared (default: the latest finished).
    project_dir : str or Path, optional
        The project (default: resolved as for ``%%kepler fit``).
    """
    from kepler_jupyter.history.goal import get_goal
    from kepler_jupyter.journal import Journal

    journal = Journal(project_dir)
    reference = journal.get(like) if like else None
    return importance(journal.experiments(), metric, goal=get_goal(journal.project_dir),
                      reference=reference, same=same, tag=tag)


def _feature_frame(features: list[dict[str, float | str]]) -> Any:
    """One column per feature known for most experiments and varying; categories as codes."""
    import pandas as pd

    frame = pd.DataFrame(features)
    frame = frame.loc[:, frame.notna().mean() >= MIN_COVERAGE]
    columns = {}
    for name in frame.columns:
        column = frame[name]
        numeric = pd.to_numeric(column, errors="coerce")
        if numeric.notna().sum() == column.notna().sum():
            column = numeric.fillna(numeric.median())
        else:
            column = column.astype(str).astype("category").cat.codes.astype(float)
        if column.nunique() > 1:
            columns[name] = column
    return pd.DataFrame(columns)


def _permutation_importance(frame: Any, values: list[float], seed: int,
                            fast: bool) -> tuple[list[tuple[str, float, float, float]], float | None]:
    import numpy as np
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import KFold, cross_val_score

    X, y = frame.to_numpy(dtype=float), np.asarray(values, dtype=float)
    # small forests: a journal's experiments are tens to hundreds of rows, and the answer must
    # come in about a second on a laptop
    forest = RandomForestRegressor(n_estimators=40 if fast else 100, min_samples_leaf=2, random_state=seed)
    r2 = math.nan
    if not fast:
        folds = KFold(n_splits=3, shuffle=True, random_state=seed)
        r2 = float(np.mean(cross_val_score(forest, X, y, cv=folds, scoring="r2")))
    forest.fit(X, y)
    found = permutation_importance(forest, X, y, n_repeats=4 if fast else 5, random_state=seed)
    means = np.clip(found.importances_mean, 0, None)
    total = means.sum() or 1.0
    rows = [(str(name), float(mean / total), float(raw), float(std)) for name, mean, raw, std
            in zip(frame.columns, means, found.importances_mean, found.importances_std, strict=True)]
    rows.sort(key=lambda row: -row[1])
    return rows, r2 if math.isfinite(r2) else None
