"""How kepler shows things under a cell: widgets in a notebook, plain text elsewhere.

The ``Reporter`` is the run observer that shows the run under the cell; it picks a widget or
its plain-text twin for each message. Every rich view has a text fallback, and a display
failure is never allowed to reach the user's fit (the run lifecycle isolates observers).
``LiveCurves`` draws the loss curves of a Keras fit while it trains (widget mode only).
"""

from __future__ import annotations

import html
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kepler_jupyter.journal.record import is_metric
from kepler_jupyter.run.lifecycle import RunObserver

if TYPE_CHECKING:
    from kepler_jupyter.checks.base import Finding
    from kepler_jupyter.run.context import FitContext

# stages of the findings found before training (shown together, as one panel)
_PREFIT_STAGES = ("data", "model", "settings")


def detect_display_mode() -> str:
    """'widget' inside a Jupyter kernel with ipywidgets available, else 'text'."""
    shell_module = sys.modules.get("IPython")
    if shell_module is None:
        return "text"
    try:
        shell = shell_module.get_ipython()
    except Exception:
        return "text"
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return "text"
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return "text"
    return "widget"


def format_metrics(metrics: Any, limit: int = 4) -> str:
    """``val_accuracy 0.951, loss 0.132`` — the few final metrics worth a glance (scores only,
    not bookkeeping such as ``train_score_n``; see ``journal.record.is_metric``)."""
    if not isinstance(metrics, dict):
        return ""
    preferred = ["val_accuracy", "val_loss", "accuracy", "loss", "cv_score", "val_score", "train_score"]
    keys = [k for k in preferred if k in metrics] + [k for k in metrics if k not in preferred]
    shown = [f"{key} {metrics[key]:.4g}" for key in keys if is_metric(key, metrics[key])]
    return ", ".join(shown[:limit])


def not_saved_message(reason: str) -> str:
    """The one message a user gets when their experiment could not be written to the journal."""
    return f"kepler: this experiment could not be saved: {reason} — your fit is unaffected."


def end_summary(record: dict[str, Any], save_error: str | None = None) -> str:
    """One line saying how an experiment ended (and "not saved" when it could not be saved)."""
    duration = record.get("duration_s")
    took = f" in {duration:.1f} s" if isinstance(duration, (int, float)) else ""
    metrics = format_metrics(record.get("metrics"))
    line = f"kepler: experiment {record.get('id')} {record.get('name')!r} {record.get('status')}{took}"
    if metrics:
        line += f" — {metrics}"
    if record.get("stop_reason"):
        line += f" (stopped: {record['stop_reason']})"
    if save_error is not None:
        line += " — not saved"
    return line


class Reporter(RunObserver):
    """Shows kepler's messages for one cell or watch() block.

    Before training, the findings are gathered and shown as one panel when the run starts, is
    blocked or skipped (or when kepler must ask the user something); findings during training
    are shown as they happen; the results, the remaining findings and the comparison with
    earlier experiments when the run ends.
    """

    what = "showing the results"

    def __init__(self, mode: str = "text", project_dir: Any = None) -> None:
        self.mode = mode
        #: the project whose config the findings panel's "ignore" button writes to
        self.project_dir = project_dir
        # findings found before training, not shown yet
        self._prefit: list[Finding] = []
        # findings already shown during training are not repeated in the end summary
        self._shown: set[int] = set()
        # ids of the records the user was told could not be saved (told once per run)
        self._told_not_saved: set[str] = set()

    # -- low level --------------------------------------------------------------------------
    def _show(self, widget_factory: Any, text: str | Callable[[], str]) -> None:
        """Display the widget ``widget_factory()`` in a notebook, else print ``text`` (a string,
        or a function making it, so that widget mode does not render text it never shows)."""
        if self.mode == "none":
            return
        if self.mode == "widget":
            try:
                from IPython.display import display

                display(widget_factory())
                return
            except Exception:  # a widget that cannot be built falls back to its text
                pass
        print(text() if callable(text) else text, flush=True)

    def _show_html(self, markup: str, text: str) -> None:
        def build() -> Any:
            import ipywidgets

            return ipywidgets.HTML(markup)

        self._show(build, text)

    def show_findings(self, findings: list[Any], stage: str = "") -> None:
        from kepler_jupyter.display.findings_text import render_findings_text

        def build() -> Any:
            from kepler_jupyter.display.widgets.findings import FindingsPanel

            title = f"kepler, {stage}" if stage else "kepler"
            return FindingsPanel(findings, on_ignore=self._ignore_for_project, title=title)

        self._show(build, lambda: render_findings_text(findings))

    def _ignore_for_project(self, code: str) -> None:
        from kepler_jupyter.config import ignore_code_for_project
        from kepler_jupyter.journal import resolve_project_dir

        ignore_code_for_project(self.project_dir or resolve_project_dir(), code)

    def show_not_saved(self, run: FitContext) -> None:
        """Say once per run, under the cell, that its record could not be saved and why."""
        exp_id = str(run.record.get("id"))
        if run.save_error is None or exp_id in self._told_not_saved:
            return
        self._told_not_saved.add(exp_id)
        text = not_saved_message(run.save_error)
        self._show_html(f"<div style='color:var(--jp-warn-color0,#a60)'>{html.escape(text)}</div>",
                        text)

    def _show_prefit(self) -> None:
        findings, self._prefit = self._prefit, []
        if findings:
            self.show_findings(findings, stage="before training")

    def _show_duplicate(self, run: FitContext) -> None:
        previous, action = run.previous, run.duplicate_action or "warn"
        if previous is None:
            return
        then = previous.get("ended") or previous.get("created")
        verb = "not training it again (--on-duplicate skip)" if action == "skip" else "training it again"
        text = (
            f"kepler: same experiment as {previous.get('id')} {previous.get('name')!r} "
            f"({previous.get('status')} {then}; {format_metrics(previous.get('metrics') or {})}) — {verb}."
        )

        def build() -> Any:
            from kepler_jupyter.display.widgets.rerun_notice import RerunNotice

            return RerunNotice(previous, run.record, action)

        self._show(build, text)

    # -- questions the run asks ----------------------------------------------------------------
    def ask_duplicate(self, previous: dict[str, Any], record: dict[str, Any]) -> str:
        """The user's answer: "warn" (train again) or "skip"; findings are shown first."""
        self._show_prefit()
        prompt = (
            f"kepler: this experiment already ran as {previous.get('id')} "
            f"({previous.get('status')}, {previous.get('ended') or previous.get('created')}). "
            "Train again? [y/N] "
        )
        try:
            answer = input(prompt)
        except (EOFError, OSError, RuntimeError):
            print("kepler: cannot ask here (no input); training as with --on-duplicate warn.")
            return "warn"
        return "warn" if answer.strip().lower() in ("y", "yes") else "skip"

    # -- the run's events ----------------------------------------------------------------------
    def on_finding(self, run: FitContext, finding: Finding) -> None:
        if finding.stage in _PREFIT_STAGES:
            self._prefit.append(finding)
        elif finding.stage == "training":
            # a training-time finding (NaN loss, divergence…): shown as soon as it happens
            self._shown.add(id(finding))
            self.show_findings([finding], stage="during training")
        # results findings are shown with the end of the run

    def on_started(self, run: FitContext) -> None:
        self._show_prefit()
        self._show_duplicate(run)
        self.show_not_saved(run)

    def on_skipped(self, run: FitContext) -> None:
        self._show_prefit()
        self._show_duplicate(run)

    def on_blocked(self, run: FitContext) -> None:
        self._show_prefit()
        errors = [f for f in run.findings if f.severity == "error"]
        codes = ", ".join(sorted({f.code for f in errors}))
        text = (
            f"kepler: not trained — {len(errors)} error(s) before training ({codes}); "
            f"recorded as {run.record.get('id')} (blocked). Use --force to train anyway."
        )
        self._show_html(f"<b>{html.escape(text)}</b>", text)
        self.show_not_saved(run)

    def on_ended(self, run: FitContext) -> None:
        record = run.record
        self.show_not_saved(run)
        text = end_summary(record, run.save_error)
        post_fit = [
            f for f in run.findings if f.stage in ("training", "results") and id(f) not in self._shown
        ]
        if post_fit:
            self.show_findings(post_fit, stage="after training")
        self._show_html(f"<span>{html.escape(text)}</span>", text)
        report = run.after_fit_report
        if report is not None and self.mode != "none":
            from kepler_jupyter.display.widgets.after_fit import AfterFitText, AfterFitView

            self._show(lambda: AfterFitView(report), AfterFitText(report).to_text)


class LiveCurves(RunObserver):
    """The live loss curves of a Keras fit, drawn under the cell while it trains (widgets only)."""

    what = "drawing the live curves"

    def __init__(self, mode: str = "text") -> None:
        self.mode = mode
        self._live: Any = None

    def on_started(self, run: FitContext) -> None:
        self._live = None
        if self.mode != "widget" or run.framework != "keras" or run.kind != "fit":
            return
        try:
            from IPython.display import display

            from kepler_jupyter.display.widgets.live_curves import LiveCurves as LiveCurvesWidget

            live = LiveCurvesWidget()
            display(live)
        except Exception:  # no curves is fine: the end of the run shows the history anyway
            return
        self._live = live

    def on_epoch(self, run: FitContext, epoch: int, logs: Mapping[str, float | None]) -> None:
        if self._live is not None:
            self._live.update(epoch, dict(logs))

    def on_ended(self, run: FitContext) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.finish()  # draws the last, throttled epoch
