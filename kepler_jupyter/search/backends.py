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
from typing import Any

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


def _fit(model: Any, X: Any, y: Any, fit_kwargs: dict[str, Any], validation: Any, session: Any) -> None:
    from kepler_jupyter.adapters import framework_of

    framework = framework_of(model)
    if validation is not None and framework == "keras" and "validation_data" not in fit_kwargs:
        fit_kwargs = {**fit_kwargs, "validation_data": tuple(validation)}
    model.fit(X, y, **fit_kwargs)
    last = session.last
    if validation is not None and framework == "sklearn" and last and last.get("status") == "completed":
        # The validation score goes into the point's record as val_score. Handing it to the
        # session directly does not depend on score() being intercepted for this estimator
        # class (recording the same value twice is harmless).
        score = model.score(*validation)
        session.handle_score(model, tuple(validation), {}, score)


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


def run_point(build: Callable[..., Any], params: dict[str, Any], X: Any, y: Any,
              fit_kwargs: Mapping[str, Any], *, name: str, tags: list[str],
              project_dir: str, validation: Any = None, display: str = "none") -> dict[str, Any]:
    """Build and fit one point inside ``watch``; the outcome as plain data.

    ``validation`` is ``(X_val, y_val)``: Keras gets it as ``validation_data``, a
    scikit-learn estimator is scored on it after its fit (journaled as ``val_score``).
    This is what runs on a Dask worker too, so it returns only picklable values: ``status``,
    ``record`` (the journal record; for a skipped point the earlier one), ``error`` and
    ``interrupted``.
    """
    from kepler_jupyter.run.session import watch

    build_params, fit_params = split_parameters(build, params)
    session = None
    outcome: dict[str, Any] = {"status": "failed", "record": None, "error": None, "interrupted": False}
    try:
        with _quiet_findings(), watch(name=name, tags=tags, on_duplicate="skip",
                                      project_dir=project_dir, display=display) as session:
            model = build(**build_params)
            _fit(model, X, y, {**dict(fit_kwargs), **fit_params}, validation, session)
    except KeyboardInterrupt:
        outcome.update(status="interrupted", interrupted=True)
    except Exception as error:  # the user's build or fit failed: the journal already says so
        outcome["error"] = f"{type(error).__name__}: {error}"
    last = session.last if session is not None else None
    if last is None:
        if outcome["error"] is None and not outcome["interrupted"]:
            outcome["error"] = "no fit was called: build() must return a model with a fit method"
        return outcome
    outcome["record"] = last
    status = last.get("status")
    if status == "skipped":
        outcome["status"] = "skipped"
        outcome["record"] = _earlier_record(session.journal, last) or last
    elif status == "running":
        # The interruption came between kepler's own steps: never leave a point "running",
        # where the next sweep would neither skip it nor know it had stopped.
        outcome["status"] = "interrupted" if outcome["interrupted"] else "failed"
        outcome["record"] = session.journal.update(last["id"], {"status": outcome["status"]})
    else:
        outcome["status"] = status or "failed"
    return outcome


def _earlier_record(journal: Any, skipped: dict[str, Any]) -> dict[str, Any] | None:
    """The journaled experiment a skipped point repeats (its results stand for the point)."""
    earlier_id = skipped.get("duplicate_of")
    if not earlier_id:
        return None
    try:
        return journal.get(earlier_id)
    except Exception:  # compacted away or unreadable: the point is still done
        return None


def as_client(client: Any) -> Any:
    from distributed import Client

    if client is None:
        raise GridError('backend="dask" needs client= (a distributed.Client or a scheduler address).')
    return Client(client) if isinstance(client, str) else client


def _apply(point: Any, outcome: dict[str, Any]) -> None:
    point.status = outcome["status"]
    point.record = outcome["record"]
    point.error = outcome["error"]


def run_local(points: list[Any], build: Callable[..., Any], X: Any, y: Any,
              fit_kwargs: dict[str, Any], validation: Any, base: str, tags: list[str],
              project: str, progress: Any, client: Any) -> None:
    """Run the points one after another in this process."""
    failures = 0
    for point in points:
        outcome = run_point(build, point.params, X, y, fit_kwargs, name=point_name(base, point.params),
                            tags=tags, project_dir=project, validation=validation)
        _apply(point, outcome)
        progress.update(point)
        if outcome["interrupted"]:
            raise KeyboardInterrupt(f"grid {base!r} interrupted at point {point.index + 1} of "
                                    f"{len(points)}; run it again to continue (done points are skipped)")
        failures = failures + 1 if point.status in ("failed", "blocked") else 0
        if failures >= MAX_CONSECUTIVE_FAILURES:
            raise GridError(f"{failures} points in a row failed, the last with {point.error}; "
                            "stopping the search (fix build() or the space and run it again).")


def run_dask(points: list[Any], build: Callable[..., Any], X: Any, y: Any,
             fit_kwargs: dict[str, Any], validation: Any, base: str, tags: list[str],
             project: str, progress: Any, client: Any) -> None:
    """Run each point as a task on a Dask cluster, updating progress as they finish."""
    owned = isinstance(client, str)  # a Client made here from an address is closed here
    client = as_client(client)
    try:
        _gather_points(client, points, build, X, y, fit_kwargs, validation, base, tags, project, progress)
    finally:
        if owned:
            client.close()


def _gather_points(client: Any, points: list[Any], build: Callable[..., Any], X: Any, y: Any,
                   fit_kwargs: dict[str, Any], validation: Any, base: str, tags: list[str],
                   project: str, progress: Any) -> None:
    from distributed import as_completed

    # The data goes to the cluster once, not once per point.
    data = client.scatter([X, y, fit_kwargs, validation])
    futures = {
        client.submit(run_point, build, point.params, data[0], data[1], data[2],
                      name=point_name(base, point.params), tags=tags, project_dir=project,
                      validation=data[3], pure=False): point
        for point in points
    }
    try:
        for future in as_completed(futures):
            point = futures[future]
            try:
                _apply(point, future.result())
            except Exception as error:  # the task itself died (worker lost, unpicklable build)
                point.status, point.error = "failed", f"{type(error).__name__}: {error}"
            progress.update(point)
    except KeyboardInterrupt:
        client.cancel(list(futures))
        raise
