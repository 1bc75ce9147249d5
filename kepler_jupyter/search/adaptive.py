"""Model-based searches on Optuna: samplers that learn from every point the journal holds.

The study is made fresh for each call, in memory: the journal is its storage. Before sampling,
every finished experiment of the search (``known.known_points``) is added to the study as a
finished trial, so TPE, CMA-ES and the others start from everything known — after a restart, a
week later, or after hand-made runs in cells. ``n_iter`` is the search's total: those known
points count toward it, so the same call run again after an interruption trains only what is
missing. The study always maximises; a goal to minimise is told negated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kepler_jupyter.history.goal import Goal, default_goal
from kepler_jupyter.search.backends import (
    FailureGuard,
    GridError,
    SearchJob,
    apply_outcome,
    dask_client,
    finished,
    interrupted,
    scatter,
)
from kepler_jupyter.search.known import KnownPoint
from kepler_jupyter.search.space import INSTALL_HINT, plain, point_key

#: strategy name -> Optuna sampler class name (strategies may also be a sampler instance)
SAMPLERS = {"tpe": "TPESampler", "cmaes": "CmaEsSampler", "qmc": "QMCSampler",
            "gp": "GPSampler", "nsga2": "NSGAIISampler", "random": "RandomSampler"}
#: how many proposals of already-known points a search tolerates per point it trains
MAX_REPEATED_PROPOSALS = 20


def optuna_module() -> Any:
    try:
        import optuna
    except ImportError:
        raise GridError(f"Model-based searches need Optuna: {INSTALL_HINT} "
                        "(strategy='grid' or 'random' over lists works without it).") from None
    return optuna


def make_sampler(strategy: Any, seed: int) -> Any:
    """The Optuna sampler of a strategy name, or the sampler itself when given one."""
    optuna = optuna_module()
    if isinstance(strategy, optuna.samplers.BaseSampler):
        return strategy
    name = SAMPLERS.get(str(strategy).lower())
    if name is None:
        raise GridError(f"Unknown strategy {strategy!r}: use one of grid, {', '.join(SAMPLERS)}, "
                        "or pass an optuna.samplers sampler.")
    try:
        return getattr(optuna.samplers, name)(seed=seed)
    except ImportError as error:  # CMA-ES needs cmaes, GP needs torch
        raise GridError(f"strategy={strategy!r} needs a package Optuna did not find ({error}); "
                        f"{INSTALL_HINT} installs what kepler's strategies need.") from None


class Study:
    """An Optuna study fed with kepler's points; the goal may be known only after a first point."""

    def __init__(self, sampler: Any, pruner: Any, distributions: dict[str, Any], goal: Goal | None) -> None:
        optuna = optuna_module()
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # kepler shows its own progress
        self.optuna = optuna
        self.study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
        self.pruner = pruner
        self.distributions = distributions
        self.goal = goal

    def signed(self, record: dict[str, Any] | None) -> float | None:
        if record and self.goal is None:
            self.goal = default_goal([record])
        if not record or self.goal is None:
            return None
        value = self.goal.value(record)
        if value is None:
            return None
        return value if self.goal.mode == "max" else -value

    def add_known(self, point: KnownPoint) -> None:
        value = self.signed(point.record)
        state = self.optuna.trial.TrialState
        self.study.add_trial(self.optuna.trial.create_trial(
            params=point.params, distributions=self.distributions, value=value,
            state=state.COMPLETE if value is not None else state.FAIL))

    def ask(self) -> tuple[Any, dict[str, Any]]:
        trial = self.study.ask(self.distributions)
        return trial, {name: plain(trial.params[name]) for name in self.distributions}

    def tell(self, trial: Any, status: str, record: dict[str, Any] | None) -> None:
        state = self.optuna.trial.TrialState
        value = self.signed(record) if status in ("completed", "stopped", "skipped") else None
        if status == "stopped" and record and "pruned" in str(record.get("stop_reason")):
            self.study.tell(trial, state=state.PRUNED)
        elif value is not None:
            self.study.tell(trial, value)
        else:
            self.study.tell(trial, state=state.FAIL)


class _Proposals:
    """Asks the study for points, answering proposals of known points from what is known."""

    def __init__(self, study: Study, known: dict[str, Any], budget: int) -> None:
        self.study, self.known, self.budget = study, known, budget
        self.repeats = 0

    def next(self) -> tuple[Any, dict[str, Any]] | None:
        while True:
            trial, params = self.study.ask()
            earlier = self.known.get(point_key(params))
            if earlier is None:
                return trial, params
            # The sampler proposed a done point: it learns the known result instead of a new
            # fit, and the proposal does not spend the budget.
            self.study.tell(trial, earlier.status, earlier.record)
            self.repeats += 1
            if self.repeats > MAX_REPEATED_PROPOSALS * max(self.budget, 1):
                return None


def run_adaptive(points: list[Any], job: SearchJob, study: Study, known: list[KnownPoint],
                 n_iter: int, make_point: Callable[[dict[str, Any]], Any], pruning: bool) -> None:
    """Train ``n_iter`` minus the known points, asking the study for each."""
    done: dict[str, Any] = {}
    for item in known:
        study.add_known(item)
        point = make_point(item.params)
        point.status, point.record = "skipped", item.record
        done[point_key(item.params)] = point
        job.progress.update(point)
    budget = max(n_iter - len(known), 0)
    proposals = _Proposals(study, done, budget)
    if job.client is not None:
        _run_dask(points, job, study, proposals, budget, make_point)
        return
    from kepler_jupyter.search.pruning import pruning_hook

    guard = FailureGuard()
    for _ in range(budget):
        proposal = proposals.next()
        if proposal is None:
            break
        trial, params = proposal
        point = make_point(params)
        hook = pruning_hook(trial, study.pruner, lambda: study.goal) if pruning else None
        outcome = job.run_here(point, on_epoch=hook)
        apply_outcome(point, outcome)
        job.progress.update(point)
        if outcome["interrupted"]:
            raise interrupted(job.base, point, n_iter)
        study.tell(trial, point.status, point.record)
        if point.status in ("completed", "stopped", "skipped"):
            done[point_key(params)] = point
        guard.check(point)


def _run_dask(points: list[Any], job: SearchJob, study: Study, proposals: _Proposals, budget: int,
              make_point: Callable[[dict[str, Any]], Any]) -> None:
    """As many points in flight as the cluster has workers; each result feeds the next ask."""
    from distributed import as_completed

    with dask_client(job) as client:
        data, records = scatter(client, job)
        width = max(len(client.scheduler_info().get("workers", {})), 1)
        running: dict[Any, tuple[Any, Any]] = {}

        def submit_next() -> Any:
            proposal = proposals.next()
            if proposal is None:
                return None
            trial, params = proposal
            point = make_point(params)
            future = job.submit(client, point, data, records)
            running[future] = (trial, point)
            return future

        submitted = 0
        queue = as_completed()
        while submitted < min(width, budget):
            future = submit_next()
            if future is None:
                break
            queue.add(future)
            submitted += 1
        try:
            for future in queue:
                trial, point = running.pop(future)
                apply_outcome(point, finished(job, future))
                job.progress.update(point)
                study.tell(trial, point.status, point.record)
                if point.status in ("completed", "stopped", "skipped"):
                    proposals.known[point_key(point.params)] = point
                if submitted < budget:
                    following = submit_next()
                    if following is not None:
                        queue.add(following)
                        submitted += 1
        except KeyboardInterrupt:
            client.cancel(list(running))
            raise
