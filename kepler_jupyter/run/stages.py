"""The stages ``experiment.run_intercepted_fit`` strings together, each a function of the context.

They call into the adapters, fingerprints, checks and journal; ``experiment.py`` decides the
order and guards every call so that a failure here never reaches the user's fit.
"""

from __future__ import annotations

from typing import Any

from kepler_jupyter import adapters
from kepler_jupyter.run.context import FitContext

# Keras' fit(x, y, batch_size, epochs, verbose, callbacks, ...): callbacks is the 6th argument
_KERAS_CALLBACKS_POSITION = 5


def build_record(ctx: FitContext, *, name: str, created: str) -> dict[str, Any]:
    """The journal record of this fit as far as it is known before training: the adapter
    describes the model, settings and data, ``journal.record.new_record`` assembles them."""
    from kepler_jupyter.adapters import sklearn_cv
    from kepler_jupyter.journal import new_experiment_id
    from kepler_jupyter.journal.record import new_record
    from kepler_jupyter.run.environment import capture_environment

    adapter = adapters.get(ctx.framework)
    fit_arguments = ctx.kwargs
    cross_validation = ctx.kind in sklearn_cv.KINDS
    if cross_validation:
        fit_arguments = sklearn_cv.fit_arguments(ctx.kwargs)
        if ctx.options.name is None:
            name = f"{name} ({sklearn_cv.KINDS[ctx.kind]})"
    ctx.data = adapter.split_fit_arguments(ctx.model, (), fit_arguments)
    ctx.data.samples = dict(ctx.stream_samples)
    options = ctx.options
    params = adapter.describe_settings(ctx.model, fit_arguments, ctx.data)
    if cross_validation:
        params["cross_validation"] = sklearn_cv.describe_cross_validation(ctx.kwargs)
    return new_record(
        record_id=new_experiment_id(),
        project=ctx.require_journal().project_dir.name,
        name=name,
        created=created,
        framework=ctx.framework,
        model=adapter.describe_model(ctx.model),
        params=params,
        data=adapter.describe_data(ctx.data),
        env=capture_environment(ctx.framework, git=False),
        source={"cell": options.source, "notebook": options.notebook_path,
                **({"cell_id": options.cell_id} if options.cell_id else {}),
                **({"run": ctx.cell_run} if ctx.cell_run else {})},
        hypothesis=options.hypothesis,
        tags=list(options.tags),
        kind=ctx.kind if cross_validation else None,
    )


def start_git_read(ctx: FitContext) -> None:
    """Start ``git status`` as training begins, on the after-fit worker: it answers while the
    fit trains and ``record_git_state`` reads it (the user never waits for git)."""
    from kepler_jupyter.run.environment import start_git_state_on_worker

    ctx.git_state = start_git_state_on_worker()


def record_git_state(ctx: FitContext) -> None:
    """The git state started by ``start_git_read`` (or read now, for a run that did not train),
    into the record's ``env`` (waits for git)."""
    from kepler_jupyter.run.environment import start_git_state

    pending, ctx.git_state = ctx.git_state, None
    env = ctx.record.get("env")
    if isinstance(env, dict):
        env["git"] = (pending or start_git_state())()


def run_prefit_checks(ctx: FitContext) -> list[Any]:
    """Data, model and settings checks; their findings are added to ``ctx.findings``."""
    from kepler_jupyter import checks

    findings = list(checks.run_prefit(ctx) or [])
    ctx.findings.extend(findings)
    checks.emit_warnings(findings)
    return findings


def find_previous_run(ctx: FitContext) -> dict[str, Any] | None:
    """The completed earlier run of this very experiment, if the journal holds one."""
    try:
        from kepler_jupyter.history.repeats import find_same_experiment
    except ImportError:  # the don't-repeat-yourself features are optional at this stage
        return None
    return find_same_experiment(ctx.require_journal(), ctx.record["fingerprint"], exclude_id=ctx.record["id"])


def add_training_callbacks(ctx: FitContext, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Keras only: the fit's arguments with kepler's callbacks appended to the user's."""
    if ctx.framework != "keras":
        return args, kwargs
    ours = [_epoch_recorder(ctx)]
    if ctx.options.checks:
        from kepler_jupyter import checks

        ours.extend(checks.training_callbacks(ctx) or [])
    ctx.callbacks = ours
    args = tuple(args)
    if len(args) > _KERAS_CALLBACKS_POSITION:
        users = args[_KERAS_CALLBACKS_POSITION]
        combined = list(users or []) + ours
        return args[:_KERAS_CALLBACKS_POSITION] + (combined,) + args[_KERAS_CALLBACKS_POSITION + 1 :], kwargs
    users = kwargs.get("callbacks")
    # a new list: the user's own list object is never changed
    return args, {**kwargs, "callbacks": list(users or []) + ours}


def _epoch_recorder(ctx: FitContext) -> Any:
    """The callback that keeps the running record's history (the recorder's own, with NaN as
    None and gaps kept aligned) and announces each epoch to the run's observers."""
    from kepler_jupyter.adapters.keras_callbacks import make_epoch_recorder

    def on_epoch(epoch: int, logs: dict[str, Any]) -> None:
        ctx.record["history"] = recorder.history
        ctx.lifecycle.epoch(ctx, epoch, logs or {})

    recorder = make_epoch_recorder(on_epoch)
    return recorder


def collect_outcome(ctx: FitContext) -> None:
    """After the fit: history, final metrics, the trained model's description, results checks."""
    record = ctx.record
    adapter = adapters.get(ctx.framework)
    if ctx.kind in ("cross_validation", "learning_curve"):
        from kepler_jupyter.adapters.sklearn_cv import collect

        # the folds fitted clones: the estimator itself stays unfitted, so no training score
        record["history"], record["metrics"] = collect(ctx.kind, ctx.result)
    elif ctx.result is not None or record["status"] in ("interrupted", "stopped"):
        history, metrics = adapter.collect_results(ctx.model, ctx.result, ctx.data)
        record["history"] = history or record.get("history") or {}
        record["metrics"] = metrics or {}
    elif record.get("history"):
        # a failed Keras fit: keep what the epochs recorded
        record["metrics"] = {k: v[-1] for k, v in record["history"].items() if v}
    if record.get("history"):
        record["epochs_done"] = max((len(v) for v in record["history"].values()), default=0)
    described = adapter.describe_model(ctx.model)
    if described:
        record["model"] = described
    if ctx.options.checks and record["status"] in ("completed", "stopped"):
        from kepler_jupyter import checks

        findings = list(checks.run_results(ctx) or [])
        ctx.findings.extend(findings)
        checks.emit_warnings(findings)
    if ctx.options.save and ctx.kind == "fit" and record["status"] in ("completed", "stopped"):
        from kepler_jupyter.artifacts import save_model

        record["artifacts"] = {
            "model": save_model(ctx.require_journal().kepler_dir, record["id"], ctx.model, ctx.framework)
        }


def skipped_fit_result(ctx: FitContext) -> Any:
    """What a skipped fit returns: Keras a History holding the earlier run's curves, sklearn the
    estimator itself (untrained, as the notice says)."""
    if ctx.framework == "keras":
        import keras

        history = keras.callbacks.History()
        previous = ctx.previous or ctx.require_journal().get(ctx.record["duplicate_of"])
        history.history = dict(previous.get("history") or {})
        history.params = {"epochs": len(next(iter(history.history.values()), []))}
        history.set_model(ctx.model)
        return history
    return ctx.model


def validation_score_update(
    record: dict[str, Any], args: tuple, kwargs: dict, result: Any
) -> dict[str, Any] | None:
    """The record changes for ``estimator.score(X, y)`` called after the fit in the same block:
    a score on other data than the training data is the experiment's validation score."""
    from kepler_jupyter.run.context import FitData

    if isinstance(result, bool) or not isinstance(result, (int, float)):
        return None
    X = args[0] if args else kwargs.get("X")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    scored = adapters.get("sklearn").describe_data(FitData(X=X, y=y))
    scored_prints = scored.get("fingerprints") or {}
    trained_prints = (record.get("data") or {}).get("fingerprints") or {}
    if scored_prints.get("X") is not None and scored_prints.get("X") == trained_prints.get("X"):
        return None  # a score on the training data is not a validation score
    metrics = dict(record.get("metrics") or {})
    metrics["val_score"] = float(result)
    data = dict(record.get("data") or {})
    data["validation_scored"] = {
        "n_samples": scored.get("n_samples"),
        "fingerprints": {"X": scored_prints.get("X"), "y": scored_prints.get("y")},
    }
    return {"metrics": metrics, "data": data}


def compare_with_earlier(ctx: FitContext) -> None:
    """What changed since the nearest earlier experiment, similar ones, distance to the goal."""
    from kepler_jupyter.history.goal import get_goal
    from kepler_jupyter.history.repeats import after_fit_report

    report = after_fit_report(ctx.require_journal(), ctx.record, get_goal(ctx.require_journal().project_dir))
    if report.summary:
        ctx.record["changes"] = report.summary
    # the widget (with its figure) is built only if it is shown: see Reporter.on_ended
    ctx.after_fit_report = report
