"""Runs one intercepted fit through kepler's stages (see docs/architecture.md).

This module owns the control flow of a run: the order of the stages and of the lifecycle's
events (``kepler_jupyter.run.lifecycle``). It never calls a sink (journal, reporter, events
log) itself: it changes the run's record and announces events; the observers do the rest.

The rule every stage follows: kepler's own failures become one ``KeplerInternalWarning`` and
the user's fit runs exactly as it would without kepler; the user's own exceptions (and
KeyboardInterrupt) reach the user unchanged after the journal has recorded them.

The lifecycle steps a run goes through are public so that other ways of training (the
hand-written loops of ``kepler_jupyter.run.loops``) reuse them in the same order:
``prepare`` -> ``decide`` -> (``block``) -> ``start`` -> ``finish``. ``run_intercepted_fit``
is the one caller that runs them around a single ``fit`` call.
"""

from __future__ import annotations

import inspect
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

from kepler_jupyter.adapters.fit_arguments import named_fit_arguments
from kepler_jupyter.journal.record import summarize
from kepler_jupyter.run import after_fit
from kepler_jupyter.run.context import FitContext
from kepler_jupyter.run.stages import (
    add_training_callbacks,
    build_record,
    collect_outcome,
    compare_with_earlier,
    find_previous_run,
    record_git_state,
    run_prefit_checks,
    start_git_read,
)
from kepler_jupyter.warnings import KeplerInternalWarning

if TYPE_CHECKING:
    from kepler_jupyter.checks.base import Finding
    from kepler_jupyter.run.session import WatchSession


class FitBlocked(Exception):
    """Pre-fit checks found errors, so kepler did not train (``--force`` trains anyway)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the findings above already explain it.
        return [f"FitBlocked: {self}"]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def warn_internal(what: str, exc: BaseException) -> None:
    warnings.warn(
        f"kepler: {what} failed ({type(exc).__name__}: {exc}); your fit is not affected.",
        KeplerInternalWarning,
        stacklevel=2,
    )


def guarded(what: str, function: Callable[..., Any], *args: Any) -> Any:
    """Run one of kepler's own steps; its failure is a warning, never the user's problem."""
    try:
        return function(*args)
    except FitBlocked:
        raise
    except Exception as exc:
        warn_internal(what, exc)
        return None


class _WarningRecorder:
    """Records the warnings a fit shows while still showing them as usual."""

    def __init__(self, sink: list[warnings.WarningMessage]) -> None:
        self.sink = sink
        self._previous: Any = None

    def __enter__(self) -> _WarningRecorder:
        self._previous = warnings.showwarning
        previous = self._previous

        def showwarning(message: Warning | str, category: type[Warning], filename: str,
                        lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
            if len(self.sink) < 100:
                self.sink.append(warnings.WarningMessage(message, category, filename, lineno))
            previous(message, category, filename, lineno, file, line)

        warnings.showwarning = showwarning
        return self

    def __exit__(self, *exc_info: Any) -> None:
        warnings.showwarning = self._previous


def run_intercepted_fit(
    session: WatchSession,
    framework: str,
    original_fit: Callable[..., Any],
    model: Any,
    args: tuple,
    kwargs: dict,
) -> Any:
    """Run ``original_fit(model, *args, **kwargs)`` as one journaled experiment."""
    # The previous fit's after-fit work may still read its model (the training score): this
    # fit may train that very object, so it starts once that work is done.
    after_fit.wait()
    try:
        bound = inspect.signature(original_fit).bind(model, *args, **kwargs)
    except TypeError:
        # arguments the fit itself rejects: its own error says what is wrong, nothing to journal
        return original_fit(model, *args, **kwargs)
    except ValueError as exc:  # no signature to read
        warn_internal("reading the fit", exc)
        return original_fit(model, *args, **kwargs)
    # streams first: a generator kepler samples is replaced by one that replays the sample, and
    # that replacement must reach the fit whatever happens next
    before = dict(bound.arguments)
    samples = guarded("sampling the data streams", _sample_streams, framework, bound) or {}
    if any(bound.arguments[name] is not value for name, value in before.items()):
        args, kwargs = tuple(bound.args[1:]), dict(bound.kwargs)
    ctx = guarded("reading the fit", prepare, session, framework, original_fit, model, args, bound,
                  samples)
    if ctx is None:
        return original_fit(model, *args, **kwargs)

    decision = guarded("checking before training", decide, ctx, session.reporter.ask_duplicate) or "train"
    if decision == "block":
        block(ctx)
    if decision == "skip":
        skipped = guarded("skipping the repeated run", _skip, ctx)
        if skipped is not None:
            return skipped[0]

    fit_args, fit_kwargs = args, kwargs
    with_callbacks = guarded("adding kepler's training callbacks", add_training_callbacks, ctx, args, kwargs)
    if with_callbacks is not None:
        fit_args, fit_kwargs = with_callbacks
    guarded("starting the run", start, ctx)
    started = time.perf_counter()
    with _WarningRecorder(ctx.fit_warnings):
        try:
            result = original_fit(model, *fit_args, **fit_kwargs)
        except KeyboardInterrupt as exc:
            guarded("recording the interrupted run", finish, ctx, "interrupted", exc, started)
            raise
        except BaseException as exc:
            guarded("recording the failed run", finish, ctx, "failed", exc, started)
            raise
    ctx.result = result
    status = "stopped" if ctx.stop_reason else "completed"
    guarded("recording the finished run", finish, ctx, status, None, started)
    return result


def _sample_streams(framework: str, bound: inspect.BoundArguments) -> dict[str, Any]:
    from kepler_jupyter.adapters.streams import sample_fit_streams

    return sample_fit_streams(framework, bound.arguments)


def prepare(
    session: WatchSession,
    framework: str,
    original_fit: Callable[..., Any],
    model: Any,
    args: tuple,
    bound: inspect.BoundArguments,
    samples: dict[str, Any],
) -> FitContext:
    """Build the run's context and its first record (name, settings, data, preparation).

    Parameters
    ----------
    session : WatchSession
        Options, journal, lifecycle and the cell's run id.
    framework, original_fit, model, args, bound
        The intercepted call: framework name, unpatched method (its name and kind go into the
        record), model, positional arguments after the model, the call bound to its signature.
    samples : dict
        Samples kepler took of streamed data (empty when none was sampled).

    Returns
    -------
    FitContext
        The context every later step receives.
    """
    from kepler_jupyter.adapters.sklearn_cv import experiment_kind
    from kepler_jupyter.run.dispatch import add_preparation

    ctx = FitContext(
        framework=framework,
        model=model,
        args=args,
        kwargs=named_fit_arguments(bound),
        options=session.options,
        journal=session.journal,
        lifecycle=session.lifecycle,
        kind=experiment_kind(original_fit),
        entry=getattr(original_fit, "__name__", "fit"),
        stream_samples=samples,
        cell_run=session.run_id,
    )
    ctx.record = build_record(ctx, name=session.next_name(model), created=now_iso())
    add_preparation(ctx.record, session)
    return ctx


def _announce(ctx: FitContext, findings: list[Finding]) -> None:
    for finding in findings:
        ctx.lifecycle.finding(ctx, finding)


def decide(ctx: FitContext, ask: Callable[[dict[str, Any], dict[str, Any]], str]) -> str:
    """Run the pre-fit checks and look for a repeat: what to do before training.

    Parameters
    ----------
    ctx : FitContext
        The prepared run; its findings, ``previous`` and ``duplicate_action`` are set here.
    ask : callable
        Asks the user what to do with a repeated experiment (``on_duplicate="ask"``).

    Returns
    -------
    str
        ``"train"``, ``"skip"`` (the same experiment was already done) or ``"block"``
        (errors before training and no ``--force``).
    """
    if ctx.options.checks:
        _announce(ctx, run_prefit_checks(ctx))
    errors = [f for f in ctx.findings if f.severity == "error"]
    if errors and not ctx.options.force:
        return "block"
    previous = find_previous_run(ctx)
    if previous is None:
        return "train"
    action = ctx.options.on_duplicate
    if action != "warn" and (ctx.kind, ctx.entry) != ("fit", "fit"):
        # only a plain fit has a stand-in result (the estimator, a History): a skipped
        # fit_transform or cross_validate would hand the user the wrong value
        action = "warn"
    if action == "ask":
        action = ask(previous, ctx.record)
    ctx.previous, ctx.duplicate_action = previous, action
    ctx.record["duplicate_of"] = previous.get("id")
    return "skip" if action == "skip" else "train"


def block(ctx: FitContext) -> None:
    """Journal the run as blocked and raise ``FitBlocked`` (the user's code stops here).

    Raises
    ------
    FitBlocked
        Always; its message names the error codes and how to go on.
    """
    record = ctx.record
    guarded("reading the git state", record_git_state, ctx)
    record.update(status="blocked", ended=now_iso(), findings=[f.to_dict() for f in ctx.findings])
    record["summary"] = guarded("summarising the record", summarize, record)
    ctx.lifecycle.blocked(ctx)
    errors = [f for f in ctx.findings if f.severity == "error"]
    codes = ", ".join(sorted({f.code for f in errors}))
    raise FitBlocked(
        f"kepler did not train {record['name']!r}: {len(errors)} error(s) before training ({codes}). "
        "Fix them, ignore a code with --ignore CODE, or train anyway with --force."
    )


def _skip(ctx: FitContext) -> tuple[Any]:
    from kepler_jupyter.run.stages import skipped_fit_result

    record = ctx.record
    guarded("reading the git state", record_git_state, ctx)
    record.update(status="skipped", ended=now_iso(), findings=[f.to_dict() for f in ctx.findings])
    result = skipped_fit_result(ctx)
    ctx.lifecycle.skipped(ctx)
    return (result,)


def start(ctx: FitContext) -> None:
    """Mark the run as started (time, pre-fit findings) and announce it to the observers."""
    ctx.record.update(started=now_iso(), findings=[f.to_dict() for f in ctx.findings])
    ctx.lifecycle.started(ctx)
    guarded("reading the git state", start_git_read, ctx)


def finish(ctx: FitContext, status: str, error: BaseException | None, started: float) -> None:
    """Set the record's final state and announce its end.

    The rest (``_complete``: outcome, summary, comparison) runs after the fit has returned
    when it trained to its end (``run.after_fit``), at once when it failed or was interrupted.

    Parameters
    ----------
    ctx : FitContext
        The started run.
    status : str
        ``"completed"``, ``"stopped"``, ``"failed"`` or ``"interrupted"``.
    error : BaseException or None
        The user's exception when the training failed.
    started : float
        ``time.perf_counter()`` when training began (for ``duration_s``).
    """
    record = ctx.record
    record.update(status=status, ended=now_iso(), duration_s=round(time.perf_counter() - started, 3))
    if error is not None and status == "failed":
        record["error"] = {"type": type(error).__name__, "message": str(error)[:2000]}
    if ctx.stop_reason:
        record["stop_reason"] = ctx.stop_reason
    if status in ("completed", "stopped") and not ctx.options.save:
        # Saving the model stays inline: the user may change the model right after the fit.
        after_fit.defer(lambda: guarded("recording the finished run", _complete, ctx))
    else:
        _complete(ctx)


def _complete(ctx: FitContext) -> None:
    """The outcome (training score, results findings), summary, comparison, then ``ended``."""
    record = ctx.record
    status = record["status"]
    known = len(ctx.findings)
    guarded("reading the git state", record_git_state, ctx)
    guarded("reading the results", collect_outcome, ctx)
    record["findings"] = [f.to_dict() for f in ctx.findings]
    record["summary"] = guarded("summarising the record", summarize, record)
    if status in ("completed", "stopped"):
        guarded("comparing with earlier experiments", compare_with_earlier, ctx)
    _announce(ctx, ctx.findings[known:])
    ctx.lifecycle.ended(ctx)
