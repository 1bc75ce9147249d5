"""Grid, random and model-based (Optuna) searches that journal every point and never train a
done point again.

Each point builds a model with ``build(**params)`` and fits it inside
``kepler_jupyter.watch(on_duplicate="skip")``: the same interception, checks and journal as
``%%kepler fit``. A point whose model, data and settings the journal already holds as a
completed (or deliberately stopped) experiment is not trained again — after a kernel restart,
a crash, or in a later sweep. A point interrupted with Ctrl-C is journaled as ``interrupted``
and trained again next time. How parameters are split between ``build`` and ``fit`` is
described in ``kepler_jupyter.search.backends``.

Model-based strategies (``"tpe"``, ``"cmaes"``, ...) are described in
``kepler_jupyter.search.adaptive``: the journal's finished points of the search are the study's
first trials, and ``n_iter`` counts them.

With ``backend="dask"`` each point runs as a task on a Dask worker (``client`` is a
``distributed.Client`` or a scheduler address). Workers need no access to the project folder:
each returns its record and events and only this process writes the journal
(``kepler_jupyter.search.detached``). Run workers with one thread each, since interception
patches ``fit`` per process.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kepler_jupyter.history.goal import Goal, default_goal, get_goal
from kepler_jupyter.search.backends import (
    FIT_PARAMETERS,
    GridError,
    SearchJob,
    run_dask,
    run_local,
    split_parameters,
)
from kepler_jupyter.search.known import DONE, DataPrints, known_points
from kepler_jupyter.search.space import (
    SpaceError,
    choice,
    grid_points,
    is_grid,
    loguniform,
    randint,
    to_distributions,
    uniform,
    validate_space,
)

__all__ = ["FIT_PARAMETERS", "GridError", "GridPoint", "GridResult", "choice", "grid",
           "loguniform", "randint", "uniform"]


@dataclass
class GridPoint:
    """One point of a search: its parameters, how it ended and its journal record."""

    index: int
    params: dict[str, Any]
    #: pending, completed, stopped, skipped (done before), failed, blocked or interrupted
    status: str = "pending"
    #: the journal record (for a skipped point, the earlier experiment it repeats)
    record: dict[str, Any] | None = None
    error: str | None = None

    @property
    def experiment_id(self) -> str | None:
        return (self.record or {}).get("id")


@dataclass
class GridResult:
    """The outcome of ``grid``: every point, and the best by the project goal."""

    points: list[GridPoint]
    goal: Goal | None = None
    #: whether each point's line was already printed while the grid ran (text display): the
    #: repr then gives the summary only, so that the IPython terminal's ``Out[]`` does not
    #: print every point a second time
    points_printed: bool = field(default=False, repr=False, compare=False)

    @property
    def best(self) -> GridPoint | None:
        """The finished (or skipped, done earlier) point with the best value for the goal."""
        if self.goal is None:
            return None
        candidates = [(self.goal.value(point.record), point) for point in self.points
                      if point.record and point.status in ("completed", "stopped", "skipped")]
        scored = [(value, point) for value, point in candidates if value is not None]
        if not scored:
            return None
        best_value, best_point = scored[0]
        for value, point in scored[1:]:
            if self.goal.is_better(value, best_value):
                best_value, best_point = value, point
        return best_point

    @property
    def records(self) -> list[dict[str, Any]]:
        return [point.record for point in self.points if point.record]

    def findings(self) -> dict[str, int]:
        """How many of the points trained here each check code fired on, most frequent first."""
        counts: dict[str, int] = {}
        for point in self.points:
            if point.record and point.status != "skipped":
                for code in {f.get("code") for f in point.record.get("findings") or [] if f.get("code")}:
                    counts[code] = counts.get(code, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def count(self, status: str) -> int:
        return sum(point.status == status for point in self.points)

    def to_dataframe(self) -> Any:
        """One row per point: its parameters, status, experiment id and goal metric."""
        import pandas as pd

        rows = []
        for point in self.points:
            row = {**point.params, "status": point.status, "experiment": point.experiment_id}
            if self.goal is not None:
                row[self.goal.metric] = self.goal.value(point.record) if point.record else None
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self) -> str:
        trained = self.count("completed") + self.count("stopped")
        text = (f"{len(self.points)} points: {trained} trained, {self.count('skipped')} skipped "
                f"(already in the journal), {len(self.points) - trained - self.count('skipped')} "
                "failed or not run")
        findings = self.findings()
        if findings:
            text += ". Findings: " + ", ".join(f"{code} ×{count}" for code, count in findings.items())
            text += " (`%kepler show ID` for details)"
        best = self.best
        if best is not None and self.goal is not None:
            value = self.goal.value(best.record or {})
            text += (f". Best by {self.goal.describe()}: point {best.index + 1} "
                     f"({best.params}) with {self.goal.metric} {value:.4g}, "
                     f"experiment {best.experiment_id}")
        return text

    def __repr__(self) -> str:
        from kepler_jupyter.display.widgets.grid_progress import point_line

        lines = [self.summary()]
        if self.points_printed:
            lines.append("(each point is listed above; result.to_dataframe() has them as a table)")
        else:
            lines += [point_line(point, len(self.points), self.goal) for point in self.points]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (f"<p>{html.escape(self.summary())}</p>"
                + self.to_dataframe().to_html(index=False, na_rep="—"))


class _Progress:
    """The progress display: the widget in a notebook, one printed line per point elsewhere."""

    def __init__(self, total: int, goal: Goal | None, title: str, mode: str) -> None:
        from kepler_jupyter.display.widgets import grid_progress

        self.mode, self.total, self.goal = mode, total, goal
        self._records: list[dict[str, Any]] = []
        self._line = grid_progress.point_line
        self.widget = None
        self._handle: Any = None
        if mode == "widget":
            from IPython.display import display

            self.widget = grid_progress.GridProgress(total, goal, title)
            self._handle = display(self.widget, display_id=True)

    def update(self, point: GridPoint) -> None:
        if point.record:
            self._records.append(point.record)
        # without a project goal, rank by the metric the points so far have in common
        goal = self.goal or default_goal(self._records)
        if self.widget is not None:
            self.widget.update(point, goal)
            # the bundle's static table (what the saved notebook shows where widgets do not
            # run) is the one sent: send it again when the last point is in
            if self._handle is not None and not self.widget.remaining:
                self._handle.update(self.widget)
        elif self.mode == "text":
            print(self._line(point, self.total, goal), flush=True)


def grid(build: Callable[..., Any], space: Mapping[str, Any], X: Any, y: Any = None, *,
         fit_kwargs: Mapping[str, Any] | None = None, validation_data: Any = None,
         n_iter: int | None = None, strategy: Any = None, pruner: Any = None,
         backend: str = "local", client: Any = None, name: str | None = None,
         tags: Iterable[str] = (), project_dir: str | Path | None = None, seed: int = 0,
         display: str = "auto") -> GridResult:
    """Search a parameter space, journaling each point and never training a done one again.

    Parameters
    ----------
    build : callable
        ``build(**params)`` returns a compiled Keras model or a scikit-learn estimator.
    space : dict
        Parameter names to lists (a grid) or Optuna distributions (``loguniform``,
        ``uniform``, ``randint``, ``choice`` from ``kepler_jupyter.search.space``, or
        ``optuna.distributions`` objects). Names prefixed ``fit__``, and ``epochs`` /
        ``batch_size`` when ``build`` does not take them, go to ``fit``.
    X, y
        The training data, passed to every ``fit``.
    fit_kwargs : dict, optional
        Other ``fit`` arguments for every point (``verbose=0``, ``callbacks=``).
    validation_data : tuple, optional
        ``(X_val, y_val)``: Keras models get it as ``validation_data``; scikit-learn
        estimators are scored on it after their fit (journaled as ``val_score``), so every
        point has a validation metric to rank by.
    n_iter : int, optional
        How many points: for ``"random"`` the points drawn; for a model-based strategy the
        search's total, counting the points the journal already holds, so the same call run
        again trains only what is missing.
    strategy : str or optuna sampler, optional
        ``"grid"`` (every combination of lists; the default without ``n_iter``),
        ``"random"`` (the default with ``n_iter``: seeded draws), or a model-based Optuna
        sampler: ``"tpe"``, ``"cmaes"``, ``"qmc"``, ``"gp"``, ``"nsga2"``, or any
        ``optuna.samplers`` instance. Model-based strategies need the ``[search]`` extra.
    pruner : optuna pruner, optional
        With a model-based strategy and Keras models on the local backend: stops a point whose
        validation curve falls behind (``optuna.pruners.MedianPruner()``); it is journaled as
        ``stopped`` with the pruner's reason.
    backend : {"local", "dask"}
        Run points one after another here, or as tasks on a Dask cluster. Dask workers write
        nothing: each returns its record and events, and this process journals them.
    client : distributed.Client or str, optional
        The Dask client or scheduler address, for ``backend="dask"``.
    name : str, optional
        The search's name; experiments are named ``<name> <params>``, tagged ``grid:<name>``
        and carry ``search`` {``name``, ``strategy``, ``params``} (default: the build function's
        name).
    tags : iterable of str
        More tags for every experiment.
    project_dir : str or Path, optional
        The project whose journal is used (default: resolved as for ``%%kepler fit``).
    seed : int
        Seed of random draws and of Optuna's samplers.
    display : {"auto", "widget", "text", "none"}
        How progress is shown.

    Returns
    -------
    GridResult
        Every point with its status and journal record, and ``best`` by the project goal
        (or ``val_loss`` / ``val_accuracy`` / ``score`` without one).

    Raises
    ------
    GridError
        A bad space or strategy, a parameter ``build`` cannot take, Optuna missing for a
        model-based strategy, or three failed points in a row.
    KeyboardInterrupt
        When interrupted; the point that was running is journaled as interrupted and the
        next call trains it and the points after it, skipping those done.
    """
    from kepler_jupyter.display.reporter import detect_display_mode
    from kepler_jupyter.journal import Journal

    if backend not in ("local", "dask"):
        raise GridError(f'backend must be "local" or "dask", not {backend!r}.')
    if display not in ("auto", "widget", "text", "none"):
        raise GridError(f"display must be auto, widget, text or none, not {display!r}.")
    try:
        checked = validate_space(space)
    except SpaceError as error:
        raise GridError(str(error)) from None
    kind = _strategy_kind(strategy, checked, n_iter)
    journal = Journal(project_dir)
    project = str(journal.project_dir.resolve())
    base = name or str(getattr(build, "__name__", "grid"))
    goal = get_goal(project)
    mode = detect_display_mode() if display == "auto" else display
    job = SearchJob(build, X, y, dict(fit_kwargs or {}), validation_data, base,
                    [*tags, f"grid:{base}"], project, None, journal,
                    search={"name": base, "strategy": kind if isinstance(strategy, (str, type(None)))
                            else type(strategy).__name__},
                    client=client if backend == "dask" else None)
    prints = DataPrints.of(X, y, validation_data)
    if backend == "dask":
        if client is None:
            raise GridError('backend="dask" needs client= (a distributed.Client or a scheduler address).')
        job.done_records = [r for r in journal.experiments() if r.get("status") in DONE and prints.match(r)]
    if kind in ("grid", "random"):
        points = _precomputed_points(build, checked, n_iter, seed, kind)
        job.progress = _Progress(len(points), goal, base, mode)
        (run_dask if backend == "dask" else run_local)(points, job)
    else:
        points = _search(job, checked, n_iter, seed, strategy, pruner, prints, goal, mode)
    result = GridResult(points, goal, points_printed=mode == "text")
    if result.goal is None:
        result.goal = default_goal(result.records)
    return result


def _strategy_kind(strategy: Any, space: dict[str, Any], n_iter: int | None) -> str:
    """"grid", "random" or "model" (an Optuna sampler), after checking what each needs."""
    if strategy is None:
        return "grid" if n_iter is None else "random"
    if isinstance(strategy, str) and strategy.lower() in ("grid", "random"):
        if strategy.lower() == "grid" and (not is_grid(space) or n_iter is not None):
            raise GridError('strategy="grid" takes a space of lists and no n_iter; use '
                            'strategy="random" or a model-based one for distributions.')
        if strategy.lower() == "random" and n_iter is None:
            raise GridError('strategy="random" needs n_iter: how many points to draw.')
        return strategy.lower()
    if n_iter is None or n_iter < 1:
        raise GridError(f"strategy={strategy!r} needs n_iter >= 1: the search's total number of "
                        "points, those already in the journal included.")
    return "model"


def _precomputed_points(build: Callable[..., Any], space: dict[str, Any], n_iter: int | None,
                        seed: int, kind: str) -> list[GridPoint]:
    try:
        points = [GridPoint(i, params) for i, params in enumerate(grid_points(space, n_iter, seed))]
    except SpaceError as error:
        raise GridError(str(error)) from None
    for point in points:  # parameter mistakes surface before anything trains
        split_parameters(build, point.params)
    return points


def _search(job: SearchJob, space: dict[str, Any], n_iter: int | None, seed: int, strategy: Any,
            pruner: Any, prints: DataPrints, goal: Goal | None, mode: str) -> list[GridPoint]:
    from kepler_jupyter.search.adaptive import Study, make_sampler, run_adaptive

    sampler = make_sampler(strategy, seed)
    try:
        distributions = to_distributions(space)
    except SpaceError as error:
        raise GridError(str(error)) from None

    def model_class(params: dict[str, Any]) -> str | None:
        try:
            return type(job.build(**split_parameters(job.build, params)[0])).__name__
        except Exception:  # a build that fails here fails visibly on its first point
            return None

    known = known_points(job.journal.experiments(), space, search_name=job.base, prints=prints,
                         model_class=model_class)
    if goal is None:
        goal = default_goal([point.record for point in known])
    points: list[GridPoint] = []

    def make_point(params: dict[str, Any]) -> GridPoint:
        split_parameters(job.build, params)
        points.append(GridPoint(len(points), params))
        return points[-1]

    job.progress = _Progress(max(n_iter or 0, len(known)), goal, job.base, mode)
    study = Study(sampler, pruner, distributions, goal)
    run_adaptive(points, job, study, known, n_iter or 0, make_point, pruning=pruner is not None)
    return points
