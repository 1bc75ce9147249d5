"""How kepler shows things under a cell: widgets in a notebook, plain text elsewhere.

The ``Reporter`` is the run observer that shows the run under the cell; it picks a widget or
its plain-text twin for each message. Every rich view has a text fallback, and a display
failure is never allowed to reach the user's fit (the run lifecycle isolates observers).

In a notebook everything a cell shows is one output block (``display.cell_output``): a fit's
findings, re-run notice, curves (``display.curves_observer``), end line and after-fit report
are its parts; from a cell's second fit on, the block shows one live summary of all of them
(``display.loop_summary``) instead. While the block is there, the findings' Python warnings
are still raised but not printed a second time (``display.quiet_warnings``).
"""

from __future__ import annotations

import html
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kepler_jupyter.display.cell_output import CellOutput, Part, html_part, widget_part
from kepler_jupyter.display.loop_summary import LoopSummary
from kepler_jupyter.display.quiet_warnings import FindingWarningsShown
from kepler_jupyter.display.run_text import end_summary, format_metrics, not_saved_message
from kepler_jupyter.run.lifecycle import RunObserver

__all__ = ["Reporter", "detect_display_mode", "end_summary", "format_metrics", "not_saved_message"]

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


class Reporter(RunObserver):
    """Shows kepler's messages for one cell or watch() block.

    Before training, the findings are gathered and shown as one panel when the run starts, is
    blocked or skipped (or when kepler must ask the user something); findings during training
    are shown as they happen; the results, the remaining findings and the comparison with
    earlier experiments when the run ends. In widget mode all of it goes into the cell's one
    block; from the second run of the cell on, that block is one ``LoopSummary``.
    """

    what = "showing the results"

    def __init__(self, mode: str = "text", project_dir: Any = None) -> None:
        self.mode = mode
        #: the project whose config the findings panel's "ignore" button writes to
        self.project_dir = project_dir
        #: the cell's one output block (widget mode only)
        self.cell: CellOutput | None = CellOutput() if mode == "widget" else None
        #: the summary of the cell's runs, once it has more than one (widget mode only)
        self.summary: LoopSummary | None = None
        self._summary_widget: Any = None
        # findings found before training, not shown yet
        self._prefit: list[Finding] = []
        # findings already shown during training are not repeated in the end summary
        self._shown: set[int] = set()
        # ids of the records the user was told could not be saved (told once per run)
        self._told_not_saved: set[str] = set()
        # ids of this cell's runs in order, and the last run's context (the summary starts
        # with it when a second run comes)
        self._runs: list[str] = []
        self._last_run: FitContext | None = None
        self._quiet = FindingWarningsShown()

    # -- the cell ---------------------------------------------------------------------------------
    def open(self) -> None:
        """The cell starts: with a block to show findings in, their warnings are not printed."""
        if self.cell is not None:
            self._quiet.start()

    def close(self) -> None:
        """The cell has ended: warnings print as usual again; the block's final fallback is
        sent. Never raises: the cell's own outcome is what the user must see."""
        self._quiet.stop()
        try:
            if self._summary_widget is not None and self.summary is not None:
                self._summary_widget.value = self.summary.to_html()
            if self.cell is not None:
                self.cell.close()
        except Exception as error:  # a display that failed must not fail the cell
            from kepler_jupyter.warnings import KeplerInternalWarning

            warnings.warn(f"kepler: showing the cell's output failed ({error}); your fit is not "
                          "affected.", KeplerInternalWarning, stacklevel=2)

    def _in_summary(self, run: FitContext) -> bool:
        """Note ``run`` as one of the cell's runs; True when the cell shows the summary."""
        run_id = str(run.record.get("id"))
        if run_id not in self._runs:
            self._runs.append(run_id)
            if len(self._runs) == 2 and self.cell is not None:
                self._start_summary()
        return self.summary is not None

    def _start_summary(self) -> None:
        import ipywidgets

        from kepler_jupyter.history.goal import get_goal

        assert self.cell is not None
        goal = None
        if self.project_dir is not None:
            try:
                goal = get_goal(self.project_dir)
            except Exception:  # an unreadable goal: the runs' default metric will do
                goal = None
        summary = LoopSummary(goal)
        first = self._last_run
        if first is not None:
            for finding in first.findings:
                summary.found(finding, first.record)
            if first.previous is not None:
                summary.repeated(first.record)
            summary.ended(first.record, saved=first.save_error is None)
        self.summary = summary
        self._prefit = []
        self._summary_widget = ipywidgets.HTML(summary.to_html())
        self.cell.set_parts([Part(self._summary_widget, summary.to_html, summary.to_text, "summary")])

    def _update_summary(self) -> None:
        if self.summary is not None and self._summary_widget is not None:
            self._summary_widget.value = self.summary.to_html()
            if self.cell is not None:
                self.cell.refresh()

    # -- low level --------------------------------------------------------------------------
    def _show(self, widget_factory: Any, text: str | Callable[[], str], kind: str = "") -> None:
        """Show the widget ``widget_factory()`` in the cell's block in a notebook, else print
        ``text`` (a string, or a function making it, so that widget mode does not render text
        it never shows)."""
        if self.mode == "none":
            return
        if self.cell is not None:
            try:
                self.cell.add(widget_part(widget_factory(), kind))
                return
            except Exception:  # a widget that cannot be built falls back to its text
                pass
        print(text() if callable(text) else text, flush=True)

    def _show_html(self, markup: str, text: str, kind: str = "line") -> None:
        if self.mode == "none":
            return
        if self.cell is not None:
            try:
                self.cell.add(html_part(markup, text, kind))
                return
            except Exception:
                pass
        print(text, flush=True)

    def show_findings(self, findings: list[Any], stage: str = "") -> None:
        from kepler_jupyter.display.findings_text import render_findings_text

        def build() -> Any:
            from kepler_jupyter.display.widgets.findings import FindingsPanel

            title = f"kepler, {stage}" if stage else "kepler"
            return FindingsPanel(findings, on_ignore=self._ignore_for_project, title=title)

        self._show(build, lambda: render_findings_text(findings), kind="findings")

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

            # no chart of its own: the fit's chart ends as the overlay with this run
            return RerunNotice(previous, run.record, action, chart=False)

        self._show(build, text, kind="rerun")

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
        if self._in_summary(run):
            assert self.summary is not None
            self.summary.found(finding, run.record)
            self._update_summary()
        elif finding.stage in _PREFIT_STAGES:
            self._prefit.append(finding)
        elif finding.stage == "training":
            # a training-time finding (NaN loss, divergence…): shown as soon as it happens
            self._shown.add(id(finding))
            self.show_findings([finding], stage="during training")
        # results findings are shown with the end of the run

    def on_started(self, run: FitContext) -> None:
        if self._in_summary(run):
            assert self.summary is not None
            self.summary.started(run.record)
            if run.previous is not None:
                self.summary.repeated(run.record)
            self._update_summary()
            return
        self._show_prefit()
        self._show_duplicate(run)
        self.show_not_saved(run)

    def on_epoch(self, run: FitContext, epoch: int, logs: Mapping[str, float | None]) -> None:
        # the running record is written while the fit trains (JournalWriter.on_started): a
        # journal that cannot be written is said at the first epoch after, not only at the end
        if self.summary is None:
            self.show_not_saved(run)

    def _ended_in_summary(self, run: FitContext) -> None:
        assert self.summary is not None
        self.summary.ended(run.record, saved=run.save_error is None)
        self._update_summary()

    def on_skipped(self, run: FitContext) -> None:
        self._last_run = run
        if self._in_summary(run):
            assert self.summary is not None
            self.summary.repeated(run.record)
            self._ended_in_summary(run)
            return
        self._show_prefit()
        self._show_duplicate(run)

    def on_blocked(self, run: FitContext) -> None:
        self._last_run = run
        if self._in_summary(run):
            self._ended_in_summary(run)
            return
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
        self._last_run = run
        if self._in_summary(run):
            self._ended_in_summary(run)
            return
        record = run.record
        self.show_not_saved(run)
        text = end_summary(record, run.save_error)
        post_fit = [
            f for f in run.findings if f.stage in ("training", "results") and id(f) not in self._shown
        ]
        if post_fit:
            self.show_findings(post_fit, stage="after training")
        self._show_html(f"<span>{html.escape(text)}</span>", text, kind="end")
        report = run.after_fit_report
        if report is not None and self.mode != "none":
            from kepler_jupyter.display.widgets.after_fit import AfterFitText, AfterFitView

            # one chart per fit: where the live curves are shown they become the overlay
            chart = self.cell is None or self.cell.find("curves") is None
            self._show(lambda: AfterFitView(report, chart=chart), AfterFitText(report).to_text,
                       kind="after_fit")
