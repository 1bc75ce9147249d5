"""How the points of a ``kepler_jupyter.grid`` search run: here one after another, or on Dask.

``run_point`` builds and fits one point inside ``kepler_jupyter.watch(on_duplicate="skip")``
and returns its outcome as plain, picklable data, so the same function runs on a Dask worker.

Which parameters go where: a ``fit__`` prefix always goes to ``fit`` (``fit__epochs``); a name
``build`` accepts goes to ``build``; ``epochs``, ``batch_size`` and the other ``FIT_PARAMETERS``
that ``build`` does not accept go to ``fit``; anything else goes to ``build`` when it takes
``**kwargs``, and is an error otherwise.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: ``on_epoch(epoch, logs)`` after each Keras epoch: a reason to stop the point, or None
EpochHook = Callable[[int, dict[str, Any]], "str | None"]

#: fit arguments that a space may set without the ``fit__`` prefix
FIT_PARAMETERS = ("epochs", "batch_size", "validation_split", "shuffle", "class_weight",
                  "steps_per_epoch", "validation_batch_size", "sample_weight")
#: stop a search after this many failures in a row: the build function is probably broken
MAX_CONSECUTIVE_FAILURES = 3


class GridError(ValueError):
    """A search that cannot start: a bad space or parameters ``build`` cannot take."""


def split_parameters(build: Callable[..., Any], params: Mapping[str, Any]) -> tuple[dict, dict]:
    """``(build_params, fit_params)`` for one point, following the rules in the module doc."""
    try:
        signature = inspect.signature(build)
    except (TypeError, ValueError):  # builtins and some callables have none: trust the names
        signature = None
    accepted = set() if signature is None else {
        name for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)}
    takes_any = signature is None or any(
        parameter.kind is parameter.VAR_KEYWORD for parameter in signature.parameters.values())
    build_params: dict[str, Any] = {}
    fit_params: dict[str, Any] = {}
    for name, value in params.items():
        if name.startswith("fit__"):
            fit_params[name[len("fit__"):]] = value
        elif name in accepted:
            build_params[name] = value
        elif name in FIT_PARAMETERS:
            fit_params[name] = value
        elif takes_any:
            build_params[name] = value
        else:
            raise GridError(
                f"{getattr(build, '__name__', 'build')}() takes no parameter {name!r}: add it to "
                f"its signature, or write fit__{name} to pass it to fit().")
    return build_params, fit_params


def point_name(base: str, params: Mapping[str, Any]) -> str:
    """The experiment name of a point: the search's name and the point's parameters."""
    from kepler_jupyter.display.widgets.grid_progress import params_text

    return f"{base} {params_text(dict(params))}"


def _fit(model: Any, X: Any, y: Any, fit_kwargs: dict[str, Any], validation: Any, session: Any,
         on_epoch: EpochHook | None) -> str | None:
    """Fit (and score) one point; the reason a pruner stopped it, if one did."""
    from kepler_jupyter.adapters import framework_of

    framework = framework_of(model)
    pruned: list[str] = []
    if framework == "keras":
        if validation is not None and "validation_data" not in fit_kwargs:
            fit_kwargs = {**fit_kwargs, "validation_data": tuple(validation)}
        if on_epoch is not None:
            from kepler_jupyter.search.pruning import pruning_callback

            callbacks = list(fit_kwargs.get("callbacks") or [])
            fit_kwargs = {**fit_kwargs, "callbacks": [*callbacks, pruning_callback(on_epoch, pruned)]}
    model.fit(X, y, **fit_kwargs)
    last = session.last
    if validation is not None and framework == "sklearn" and last and last.get("status") == "completed":
        # The validation score goes into the point's record as val_score. Handing it to the
        # session directly does not depend on score() being intercepted for this estimator
        # class (recording the same value twice is harmless).
        score = model.score(*validation)
        session.handle_score(model, tuple(validation), {}, score)
    return pruned[0] if pruned else None


@contextmanager
def _quiet_findings() -> Iterator[None]:
    """Check findings stay in each point's record and the search's summary instead of one
    warning per point and check (a 50-point grid would print hundreds); kepler's own internal
    warnings still show."""
    from kepler_jupyter.warnings import KeplerInternalWarning, KeplerWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeplerWarning)
        warnings.simplefilter("default", KeplerInternalWarning)
        yield


def _session(name: str, tags: list[str], project_dir: str, display: str,
             detached_records: list[dict[str, Any]] | None) -> Any:
    if detached_records is not None:
        from kepler_jupyter.search.detached import detached_watch

        return detached_watch(name=name, tags=tags, project_dir=project_dir, records=detached_records)
    from kepler_jupyter.run.session import watch

    return watch(name=name, tags=tags, on_duplicate="skip", project_dir=project_dir, display=display)


def run_point(build: Callable[..., Any], params: dict[str, Any], X: Any, y: Any,
              fit_kwargs: Mapping[str, Any], *, name: str, tags: list[str],
              project_dir: str, validation: Any = None, display: str = "none",
              search: Mapping[str, Any] | None = None,
              detached_records: list[dict[str, Any]] | None = None,
              on_epoch: EpochHook | None = None) -> dict[str, Any]:
    """Build and fit one point inside ``watch``; the outcome as plain data.

    ``validation`` is ``(X_val, y_val)``: Keras gets it as ``validation_data``, a
    scikit-learn estimator is scored on it after its fit (journaled as ``val_score``).
    ``search`` (the search's name and strategy) is stored in the record with the point's
    parameters, so a later search recognises the point. With ``detached_records`` (a list of
    the client's finished experiments on this data) the point runs detached: nothing is written
    here, and the outcome carries the record and its ``events`` for the client to journal.
    ``on_epoch(epoch, logs)`` is asked after each Keras epoch and returns a reason to stop
    (a pruner's verdict) or None. This is what runs on a Dask worker too, so it returns only
    picklable values: ``status``, ``record`` (for a skipped point the earlier one), ``error``,
    ``interrupted`` and ``events``.
    """
    build_params, fit_params = split_parameters(build, params)
    session = None
    pruned = None
    outcome: dict[str, Any] = {"status": "failed", "record": None, "error": None,
                               "interrupted": False, "events": []}
    try:
        with _quiet_findings(), _session(name, tags, project_dir, display, detached_records) as session:
            model = build(**build_params)
            pruned = _fit(model, X, y, {**dict(fit_kwargs), **fit_params}, validation, session, on_epoch)
    except KeyboardInterrupt:
        outcome.update(status="interrupted", interrupted=True)
    except Exception as error:  # the user's build or fit failed: the journal already says so
        outcome["error"] = f"{type(error).__name__}: {error}"
    outcome["events"] = list(getattr(session, "events", []))
    last = session.last if session is not None else None
    if session is None or last is None:
        if outcome["error"] is None and not outcome["interrupted"]:
            outcome["error"] = "no fit was called: build() must return a model with a fit method"
        return outcome
    outcome["record"] = last
    status = last.get("status")
    journal = session.journal
    if status == "skipped":
        outcome["status"] = "skipped"
        outcome["record"] = _earlier_record(journal, last) or last
        return outcome
    changes: dict[str, Any] = {}
    if status == "running":
        # The interruption came between kepler's own steps: never leave a point "running",
        # where the next sweep would neither skip it nor know it had stopped.
        status = changes["status"] = "interrupted" if outcome["interrupted"] else "failed"
    elif pruned and status == "completed":
        status = changes["status"] = "stopped"
        changes["stop_reason"] = pruned
    if search is not None:
        changes["search"] = {**dict(search), "params": dict(params)}
    if changes:
        outcome["record"] = _guarded_update(journal, last, changes)
    outcome["status"] = status or "failed"
    return outcome


def _guarded_update(journal: Any, record: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    try:
        return journal.update(record["id"], changes)
    except Exception as error:  # an unwritable journal must not lose the outcome itself
        warnings.warn(f"kepler could not update experiment {record.get('id')}: {error}", stacklevel=2)
        return {**record, **changes}


def _earlier_record(journal: Any, skipped: dict[str, Any]) -> dict[str, Any] | None:
    """The journaled experiment a skipped point repeats (its results stand for the point)."""
    earlier_id = skipped.get("duplicate_of")
    if not earlier_id:
        return None
    try:
        return journal.get(earlier_id)
    except Exception:  # compacted away or unreadable: the point is still done
        return None


@dataclass
class SearchJob:
    """Everything the points of one search share."""

    build: Callable[..., Any]
    X: Any
    y: Any
    fit_kwargs: dict[str, Any]
    validation: Any
    base: str
    tags: list[str]
    project: str
    progress: Any
    journal: Any
    #: stored in each point's record as ``search`` (with the point's parameters)
    search: dict[str, Any] = field(default_factory=dict)
    client: Any = None
    #: the journal's finished experiments on this data, for detached (Dask) points
    done_records: list[dict[str, Any]] = field(default_factory=list)

    def run_here(self, point: Any, on_epoch: EpochHook | None = None) -> dict[str, Any]:
        """Run one point in this process, journaling into the project."""
        return run_point(self.build, point.params, self.X, self.y, self.fit_kwargs,
                         name=point_name(self.base, point.params), tags=self.tags,
                         project_dir=self.project, validation=self.validation,
                         search=self.search, on_epoch=on_epoch)

    def submit(self, client: Any, point: Any, data: list[Any], records: Any) -> Any:
        """Run one point detached on a Dask worker; ``data`` and ``records`` are scattered."""
        return client.submit(run_point, self.build, point.params, data[0], data[1], data[2],
                             name=point_name(self.base, point.params), tags=self.tags,
                             project_dir=self.project, validation=data[3], search=self.search,
                             detached_records=records, pure=False)


def as_client(client: Any) -> Any:
    from distributed import Client

    if client is None:
        raise GridError('backend="dask" needs client= (a distributed.Client or a scheduler address).')
    return Client(client) if isinstance(client, str) else client


def apply_outcome(point: Any, outcome: dict[str, Any]) -> None:
    point.status = outcome["status"]
    point.record = outcome["record"]
    point.error = outcome["error"]


class FailureGuard:
    """Stops a search after ``MAX_CONSECUTIVE_FAILURES`` failed points in a row."""

    def __init__(self) -> None:
        self.failures = 0

    def check(self, point: Any) -> None:
        self.failures = self.failures + 1 if point.status in ("failed", "blocked") else 0
        if self.failures >= MAX_CONSECUTIVE_FAILURES:
            raise GridError(f"{self.failures} points in a row failed, the last with {point.error}; "
                            "stopping the search (fix build() or the space and run it again).")


def interrupted(base: str, point: Any, total: int) -> KeyboardInterrupt:
    return KeyboardInterrupt(f"search {base!r} interrupted at point {point.index + 1} of {total}; "
                             "run it again to continue (done points are skipped)")


def run_local(points: list[Any], job: SearchJob) -> None:
    """Run the points one after another in this process."""
    guard = FailureGuard()
    for point in points:
        outcome = job.run_here(point)
        apply_outcome(point, outcome)
        job.progress.update(point)
        if outcome["interrupted"]:
            raise interrupted(job.base, point, len(points))
        guard.check(point)


@contextmanager
def dask_client(job: SearchJob) -> Iterator[Any]:
    """The job's Dask client; one made here from an address is closed here."""
    owned = isinstance(job.client, str)
    client = as_client(job.client)
    try:
        yield client
    finally:
        if owned:
            client.close()


def scatter(client: Any, job: SearchJob) -> tuple[list[Any], Any]:
    """The data and the done records go to the cluster once, not once per point: to every
    worker, so that a worker that dies takes no search's only copy with it. Fresh keys
    (``hash=False``): with content keys, a second search on the same data could reuse keys that
    the first one's futures are releasing, and lose them."""
    data = client.scatter([job.X, job.y, job.fit_kwargs, job.validation], broadcast=True, hash=False)
    [records] = client.scatter([job.done_records], broadcast=True, hash=False)
    return data, records


def finished(job: SearchJob, future: Any) -> dict[str, Any]:
    """A detached point's outcome, journaled here; a task that died counts as failed."""
    from kepler_jupyter.search.detached import receive

    try:
        return receive(job.journal, future.result())
    except Exception as error:  # the task itself died (worker lost too often, unpicklable build)
        return {"status": "failed", "record": None, "error": f"{type(error).__name__}: {error}",
                "interrupted": False, "events": []}


def run_dask(points: list[Any], job: SearchJob) -> None:
    """Run each point as a detached task on a Dask cluster; only this process journals."""
    from distributed import as_completed

    with dask_client(job) as client:
        data, records = scatter(client, job)
        futures = {job.submit(client, point, data, records): point for point in points}
        try:
            for future in as_completed(futures):
                point = futures[future]
                apply_outcome(point, finished(job, future))
                job.progress.update(point)
        except KeyboardInterrupt:
            client.cancel(list(futures))
            raise
