"""Training loops as experiments: ``train_on_batch`` (Keras) and ``partial_fit`` (scikit-learn).

A loop is many calls on one model; journaling each call would give thousands of one-batch
experiments. kepler makes the whole loop ONE experiment instead:

- the first training call on a model opens it: the record is built from that call (the model,
  its settings and the first batch as data), the pre-fit checks run on the first batch (errors
  stop the loop before its first step, as they stop a fit), and the record goes to the journal
  with status ``running``;
- every call adds its results to the loop's history (``loss`` and metrics for Keras; for
  scikit-learn ``loss`` where the estimator keeps one, and ``batch_score``: the score on each
  batch *before* training on it — progressive, "test-then-train" validation — measured only
  while it costs at most ``SCORE_BUDGET`` of the training time plus ``SCORE_GRACE_S``);
  ``test_on_batch`` calls inside the loop (scikit-learn: ``score`` calls the user makes)
  become ``val_`` values (see ``loop_history``);
- the loop ends when the cell / ``watch()`` block ends, or when the same model is trained by
  ``fit``: status ``completed``, or ``failed`` / ``interrupted`` when a call of the loop raised.

The first batch identifies nothing about the rest of the loop, so a loop's data fingerprint
is marked incomplete: kepler never claims that a loop repeats an earlier experiment.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kepler_jupyter.run.context import FitContext
from kepler_jupyter.run.loop_history import LoopHistory

#: training calls that make a loop, per framework
LOOP_METHODS = {"sklearn": ("partial_fit",), "keras": ("train_on_batch",)}
#: evaluation calls that add validation values to an open loop
EVALUATION_METHODS = ("test_on_batch",)
#: the share of training time the scikit-learn ``batch_score`` may cost, plus a fixed grace
#: (seconds per loop) so that short loops are scored on every call
SCORE_BUDGET = 0.02
SCORE_GRACE_S = 0.05
#: rows of a batch scored at most
SCORE_ROWS = 1000
#: save the running record's history at most this often (seconds)
PROGRESS_SAVE_INTERVAL = 2.0


@dataclass
class _Loop:
    ctx: FitContext
    method: str
    started: float
    history: LoopHistory = field(default_factory=LoopHistory)
    error: BaseException | None = None
    interrupted: bool = False
    samples_seen: int = 0
    train_seconds: float = 0.0
    score_seconds: float = 0.0
    metric_names: list[str] | None = None
    last_saved: float = field(default_factory=time.monotonic)


class TrainingLoops:
    """The open training loops of one cell / ``watch()`` block, one per model."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self._loops: dict[int, _Loop] = {}
        # models whose loop kepler could not open: their calls run untouched (the models are
        # held for the block so that their ids are not reused)
        self._unwatched: dict[int, Any] = {}

    def train(self, framework: str, original: Callable[..., Any], model: Any, args: tuple,
              kwargs: dict) -> Any:
        """Run one training call of a loop (opening the loop on the first call)."""
        loop = self._loops.get(id(model))
        if loop is None or loop.ctx.model is not model:
            loop = self._open(framework, original, model, args, kwargs)
        if loop is None:
            return original(model, *args, **kwargs)
        x, y = _batch(args, kwargs)
        score = _guarded(_score_before, loop, x, y) if framework == "sklearn" else None
        started = time.perf_counter()
        try:
            result = original(model, *args, **kwargs)
        except KeyboardInterrupt:
            loop.interrupted = True
            raise
        except BaseException as exc:
            loop.error = exc
            raise
        loop.train_seconds += time.perf_counter() - started
        _guarded(_after_training, loop, result, x, score)
        return result

    def evaluate(self, framework: str, original: Callable[..., Any], model: Any, args: tuple,
                 kwargs: dict) -> Any:
        """Run an evaluation call; inside an open loop its results are the loop's validation."""
        result = original(model, *args, **kwargs)
        loop = self._loops.get(id(model))
        if loop is not None and loop.ctx.model is model:
            _guarded(_after_evaluation, loop, result)
        return result

    def evaluated(self, model: Any, result: Any) -> bool:
        """A scikit-learn ``score(X_val, y_val)`` the user called on a model whose loop is open:
        the loop's validation (``val_score``); False when no loop of that model is open."""
        loop = self._loops.get(id(model))
        if loop is None or loop.ctx.model is not model:
            return False
        _guarded(loop.history.add_evaluation, {"score": _number(result)})
        return True

    def close(self, model: Any = None, *, interrupted: bool = False) -> None:
        """End the loop of ``model`` (all loops when None): finish and journal its record."""
        if model is None:
            loops = list(self._loops.values())
            self._loops.clear()
            self._unwatched.clear()
        else:
            loop = self._loops.pop(id(model), None)
            loops = [loop] if loop is not None and loop.ctx.model is model else []
        for loop in loops:
            if interrupted and loop.error is None:
                loop.interrupted = True
            _guarded(_finish_loop, loop)

    def _open(self, framework: str, original: Callable[..., Any], model: Any, args: tuple,
              kwargs: dict) -> _Loop | None:
        from kepler_jupyter.run import experiment

        if self._unwatched.get(id(model)) is model:
            return None
        try:
            bound = inspect.signature(original).bind(model, *args, **kwargs)
        except (TypeError, ValueError):
            return None  # arguments the call rejects: its own error says what is wrong
        # one call's data is one batch in memory: no stream to sample
        ctx = experiment.guarded("reading the training loop", experiment.prepare, self.session,
                                 framework, original, model, args, bound, {})
        if ctx is None:
            self._unwatched[id(model)] = model
            return None
        method = getattr(original, "__name__", "train_on_batch")
        experiment.guarded("describing the training loop", _describe_loop, ctx, method)
        decision = experiment.guarded("checking before training", experiment.decide, ctx,
                                      self.session.reporter.ask_duplicate)
        if decision == "block":
            experiment.block(ctx)  # raises FitBlocked: the loop stops before its first step
        experiment.guarded("writing the journal", experiment.start, ctx)
        loop = _Loop(ctx=ctx, method=method, started=time.perf_counter())
        self._loops[id(model)] = loop
        return loop


def _describe_loop(ctx: FitContext, method: str) -> None:
    """What makes a loop's record differ from a fit's: its kind, its settings, its identity."""
    from kepler_jupyter.fingerprint import (
        experiment_fingerprint,
        fingerprint_model,
        fingerprint_settings,
    )

    ctx.kind = "loop"
    record = ctx.record
    record["kind"] = "loop"
    params = record.setdefault("params", {})
    params["loop"] = {"method": method}
    data = record.setdefault("data", {})
    if ctx.framework == "keras":
        # one call trains one batch of the data it is given; there are no epochs
        params["epochs"] = None
        params["batch_size"] = data.get("n_samples")
    data["first_batch_only"] = True
    prints = dict(data.get("fingerprints") or {})
    prints["complete"] = False  # the first batch does not identify the loop's data
    data["fingerprints"] = prints
    record["fingerprint"] = experiment_fingerprint(
        fingerprint_model(record.get("model") or {}), prints, fingerprint_settings(params)
    )
    # a loop cannot be skipped half-way: a repeated loop is only announced
    ctx.options = _without_skip(ctx.options)


def _without_skip(options: Any) -> Any:
    import dataclasses

    if getattr(options, "on_duplicate", None) == "skip":
        return dataclasses.replace(options, on_duplicate="warn")
    return options


def _batch(args: tuple, kwargs: dict) -> tuple[Any, Any]:
    x = args[0] if args else kwargs.get("X", kwargs.get("x"))
    y = args[1] if len(args) > 1 else kwargs.get("y")
    return x, y


def _n_rows(x: Any) -> int:
    shape = getattr(x, "shape", None)
    if shape:
        return int(shape[0])
    try:
        return len(x)
    except TypeError:
        return 0


def _rows(values: Any, n: int) -> Any:
    if values is None:
        return None
    if hasattr(values, "iloc"):
        return values.iloc[:n]
    return values[:n]


def _score_before(loop: _Loop, x: Any, y: Any) -> float | None:
    """The estimator's score on this batch before it trains on it, within the time budget."""
    import warnings

    if loop.history.calls == 0 or x is None:
        return None  # not fitted yet
    if loop.score_seconds >= SCORE_BUDGET * loop.train_seconds + SCORE_GRACE_S:
        return None
    score = getattr(loop.ctx.model, "score", None)
    if not callable(score):
        return None
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():  # kepler's own measurement: its warnings are noise
            warnings.simplefilter("ignore")
            x_part, y_part = _rows(x, SCORE_ROWS), _rows(y, SCORE_ROWS)
            value = score(x_part) if y_part is None else score(x_part, y_part)
    except Exception:
        return None
    finally:
        loop.score_seconds += time.perf_counter() - started
    return _number(value)


def _number(value: Any) -> float | None:
    """A call's value as a float (NaN kept: a diverged loss must show), None if not a number."""
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _after_training(loop: _Loop, result: Any, x: Any, score: float | None) -> None:
    loop.samples_seen += _n_rows(x)
    if loop.ctx.framework == "keras":
        values = _keras_values(loop, result)
    else:
        values = {"batch_score": score}
        loss = getattr(loop.ctx.model, "loss_", None)
        if isinstance(loss, (int, float)):
            values["loss"] = float(loss)
    loop.history.add_training(values)
    _save_progress(loop)


def _after_evaluation(loop: _Loop, result: Any) -> None:
    loop.history.add_evaluation(_keras_values(loop, result))


def _keras_values(loop: _Loop, result: Any) -> dict[str, float | None]:
    """Name the values a ``train_on_batch`` / ``test_on_batch`` call returned."""
    if isinstance(result, dict):
        return {str(name): _number(value) for name, value in result.items()}
    values = list(result) if isinstance(result, (list, tuple)) else [result]
    if loop.metric_names is None:
        loop.metric_names = _keras_metric_names(loop.ctx.model, len(values))
    names = loop.metric_names
    if len(names) != len(values):
        names = ["loss"] + [f"metric_{index}" for index in range(1, len(values))]
    return {name: _number(value) for name, value in zip(names, values, strict=True)}


def _keras_metric_names(model: Any, count: int) -> list[str]:
    """The names of the values ``train_on_batch`` returns, in Keras' own order."""
    if count == 1:
        return ["loss"]
    try:
        names = list(model.get_metrics_result())
        ordered = model._flatten_metrics_in_order({name: name for name in names})
        ordered = ordered if isinstance(ordered, list) else [ordered]
        if len(ordered) == count:
            return [str(name) for name in ordered]
    except Exception:
        pass
    return ["loss"] + [f"metric_{index}" for index in range(1, count)]


def _save_progress(loop: _Loop) -> None:
    """Every few seconds, the loop's history so far as one ``epoch`` event of the run (its
    number counts calls): the journal writer saves it."""
    ctx = loop.ctx
    if time.monotonic() - loop.last_saved < PROGRESS_SAVE_INTERVAL:
        return
    loop.last_saved = time.monotonic()
    ctx.record["history"] = loop.history.curves()
    ctx.lifecycle.epoch(ctx, loop.history.calls - 1, {})


def _finish_loop(loop: _Loop) -> None:
    from kepler_jupyter.run import experiment

    ctx = loop.ctx
    ctx.record["history"] = loop.history.curves()
    ctx.record["params"]["loop"] = {
        "method": loop.method,
        "calls": loop.history.calls,
        "evaluations": loop.history.evaluations,
        "point": loop.history.point(),
        "samples_seen": loop.samples_seen,
    }
    if loop.interrupted:
        status, error = "interrupted", None
    elif loop.error is not None:
        status, error = "failed", loop.error
    else:
        status, error = "completed", None
    ctx.result = None  # the history above is the loop's result; nothing else to read
    experiment.finish(ctx, status, error, loop.started)


def _guarded(function: Callable[..., Any], *args: Any) -> Any:
    from kepler_jupyter.run.experiment import guarded

    return guarded("recording the training loop", function, *args)
