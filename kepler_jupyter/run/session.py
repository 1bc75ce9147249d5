"""``kepler_jupyter.watch()``: the interception and journaling of ``%%kepler fit`` as a context
manager, for scripts, the IPython terminal, grids and tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kepler_jupyter.run.context import RunOptions

ON_DUPLICATE_CHOICES = ("warn", "skip", "ask")
DISPLAY_CHOICES = ("auto", "widget", "text", "none")


class WatchSession:
    """One ``%%kepler fit`` cell or ``watch()`` block: its options, journal and results."""

    def __init__(self, options: RunOptions, journal: Any, reporter: Any) -> None:
        self.options = options
        self.journal = journal
        self.reporter = reporter
        #: the final journal record of every fit in the block, in order
        self.records: list[dict[str, Any]] = []
        self._fits = 0
        #: class names of the preparation steps (scalers, encoders) fitted so far in the block
        self.preparation: list[str] = []
        # id(model) -> (model, record id) of the estimators this block fitted, so that a later
        # clf.score(X_val, y_val) in the block is recorded as the experiment's validation score
        self._fitted: dict[int, tuple[Any, str]] = {}

    @property
    def last(self) -> dict[str, Any] | None:
        """The record of the most recent fit, or None if nothing was fitted."""
        return self.records[-1] if self.records else None

    @property
    def skipped(self) -> bool:
        """Whether a fit in this block was skipped as an already-done experiment."""
        return any(record.get("status") == "skipped" for record in self.records)

    def next_name(self, model: Any) -> str:
        self._fits += 1
        base = self.options.name or type(model).__name__
        return base if self._fits == 1 else f"{base} #{self._fits}"

    def remember_fitted(self, model: Any, record: dict[str, Any]) -> None:
        self._fitted[id(model)] = (model, record["id"])

    def handle_score(self, model: Any, args: tuple, kwargs: dict, result: Any) -> None:
        """A scikit-learn score() after a fit in this block: keep it as the validation score."""
        known = self._fitted.get(id(model))
        if known is None or known[0] is not model:
            return
        from kepler_jupyter.run.stages import validation_score_update

        record = next((r for r in self.records if r.get("id") == known[1]), None)
        if record is None:
            return
        changes = validation_score_update(record, args, kwargs, result)
        if changes:
            record.update(changes)
            self.journal.update(record["id"], changes)

    def record_done(self, record: dict[str, Any]) -> None:
        for index, known in enumerate(self.records):
            if known.get("id") == record.get("id"):
                self.records[index] = dict(record)
                return
        self.records.append(dict(record))

    def event(self, ctx: Any, kind: str, message: str, **fields: Any) -> None:
        """Append to the project's readable events log (when that feature is present)."""
        if getattr(ctx, "save_error", None) is not None:
            return  # the log sits beside the journal, and the user was told it is not writable
        try:
            from kepler_jupyter.run.events import log_event
        except ImportError:
            return
        try:
            log_event(
                self.journal.kepler_dir, kind, message, experiment_id=ctx.record.get("id"), **fields
            )
        except Exception:  # the events log is a convenience: never let it disturb a fit
            pass

    def handle_fit(self, framework: str, original: Any, model: Any, args: tuple, kwargs: dict) -> Any:
        from kepler_jupyter.run.experiment import run_intercepted_fit

        return run_intercepted_fit(self, framework, original, model, args, kwargs)


def make_options(
    name: str | None = None,
    hypothesis: str | None = None,
    tags: Iterable[str] = (),
    *,
    ignore: Iterable[str] = (),
    force: bool = False,
    on_duplicate: str = "warn",
    save: bool = False,
    checks: bool = True,
    source: str | None = None,
    notebook_path: str | None = None,
    display: str = "text",
) -> RunOptions:
    """Validated run options; a wrong value raises ``ValueError`` with what is allowed."""
    if on_duplicate not in ON_DUPLICATE_CHOICES:
        raise ValueError(
            f"on_duplicate must be one of {', '.join(ON_DUPLICATE_CHOICES)}, not {on_duplicate!r}"
        )
    if isinstance(tags, str):
        tags = [tags]
    if isinstance(ignore, str):
        ignore = [ignore]
    codes = [code.strip().upper() for item in ignore for code in str(item).split(",") if code.strip()]
    return RunOptions(
        name=name,
        hypothesis=hypothesis,
        tags=[str(tag) for tag in tags],
        ignore=codes,
        force=bool(force),
        on_duplicate=on_duplicate,
        save=bool(save),
        checks=bool(checks),
        source=source,
        notebook_path=notebook_path,
        display_mode=display,
    )


@contextmanager
def watch(
    name: str | None = None,
    hypothesis: str | None = None,
    tags: Iterable[str] = (),
    *,
    ignore: Iterable[str] = (),
    force: bool = False,
    on_duplicate: str = "warn",
    save: bool = False,
    checks: bool = True,
    project_dir: str | Path | None = None,
    display: str = "auto",
    source: str | None = None,
    notebook_path: str | None = None,
) -> Iterator[WatchSession]:
    """Journal every Keras / scikit-learn ``fit`` run inside the block as an experiment.

    Parameters
    ----------
    name, hypothesis, tags
        Stored with each experiment (a second fit in the block gets ``name #2``).
    ignore
        Check codes to ignore in this block, e.g. ``["K104", "K303"]``.
    force
        Train even when checks before training found errors.
    on_duplicate
        ``"warn"`` (default: say so, then train), ``"skip"`` (do not train a fit the journal
        already holds) or ``"ask"``.
    save
        Store the trained model beside the journal.
    checks
        Run kepler's checks (on by default).
    project_dir
        The project whose ``.kepler/`` journal is used; default: resolved as documented.
    display
        ``"auto"`` (widgets in a notebook, text elsewhere), ``"widget"``, ``"text"`` or
        ``"none"``.

    Yields
    ------
    WatchSession
        ``session.records`` holds the journal record of each fit once it has ended.

    Examples
    --------
    >>> with kepler_jupyter.watch(name="baseline", hypothesis="a linear model is enough"):
    ...     clf.fit(X_train, y_train)  # doctest: +SKIP
    """
    from kepler_jupyter.display.reporter import Reporter, detect_display_mode
    from kepler_jupyter.journal import Journal
    from kepler_jupyter.run.intercept import Interception

    if display not in DISPLAY_CHOICES:
        raise ValueError(f"display must be one of {', '.join(DISPLAY_CHOICES)}, not {display!r}")
    mode = detect_display_mode() if display == "auto" else display
    options = make_options(
        name,
        hypothesis,
        tags,
        ignore=ignore,
        force=force,
        on_duplicate=on_duplicate,
        save=save,
        checks=checks,
        source=source,
        notebook_path=notebook_path,
        display=mode,
    )
    journal = Journal(project_dir)
    session = WatchSession(options, journal, Reporter(mode, project_dir=journal.project_dir))
    from kepler_jupyter.run.dispatch import TrainingCalls

    calls = TrainingCalls(session)
    with Interception(calls, on_score=session.handle_score):
        try:
            yield session
        except BaseException as exc:
            calls.close(exc)  # training loops end with the block
            raise
        calls.close()
