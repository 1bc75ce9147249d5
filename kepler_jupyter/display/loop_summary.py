"""One live summary for a cell that fits many models (a ``for`` loop of fits).

Instead of one block per fit, repeating the same finding and comparison each time, the cell
shows one line that grows with the loop: how many fits, how they ended, the best so far on
the goal metric, and each finding once with the runs it hit. Pure state and rendering; the
reporter feeds it and puts it in the cell's block (``display.cell_output``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kepler_jupyter.display.findings_text import SEVERITY_ORDER
from kepler_jupyter.display.run_text import format_metrics
from kepler_jupyter.history.goal import Goal, best_experiment, default_goal
from kepler_jupyter.journal.record import experiment_label

if TYPE_CHECKING:
    from kepler_jupyter.checks.base import Finding

#: runs named per finding at most; the rest are counted
RUNS_NAMED = 4
_STATUS_COLOURS = {"completed": "#2e7d32", "stopped": "#f57c00", "skipped": "#9e9e9e",
                   "blocked": "#d32f2f", "failed": "#d32f2f", "interrupted": "#d32f2f",
                   "running": "#0288d1"}
_SEVERITY_COLOURS = {"error": "#d32f2f", "warning": "#f57c00", "info": "#0288d1"}


@dataclass
class FindingHits:
    """One finding code and the runs of the cell it was found in."""

    finding: Finding
    runs: list[str] = field(default_factory=list)

    def runs_text(self) -> str:
        named = ", ".join(self.runs[:RUNS_NAMED])
        more = len(self.runs) - RUNS_NAMED
        return named + (f" and {more} more" if more > 0 else "")

    def count_text(self, total: int) -> str:
        """``all 200 runs`` or ``3 of 200 runs: a, b, c``."""
        if total > 1 and len(self.runs) >= total:
            return f"all {total} runs"
        return f"{len(self.runs)} of {total} run{'s' if total != 1 else ''}: {self.runs_text()}"


class LoopSummary:
    """The state of a cell's fits, told as one line and a list of findings.

    Parameters
    ----------
    goal : Goal, optional
        The project goal; without one, the default metric of the runs so far.
    """

    def __init__(self, goal: Goal | None = None) -> None:
        self.goal = goal
        #: the final record of every run that ended, in order
        self.records: list[dict[str, Any]] = []
        #: the run now training (its label), if any
        self.running: str | None = None
        #: finding code -> the first finding of that code and the runs it hit
        self.hits: dict[str, FindingHits] = {}
        #: labels of the runs that repeat an experiment already in the journal
        self.repeats: list[str] = []
        #: labels of the runs that could not be saved
        self.not_saved: list[str] = []

    # -- what the reporter tells it -------------------------------------------------------------
    def started(self, record: dict[str, Any]) -> None:
        self.running = experiment_label(record)

    def found(self, finding: Finding, record: dict[str, Any]) -> None:
        label = experiment_label(record)
        hits = self.hits.setdefault(finding.code, FindingHits(finding))
        if label not in hits.runs:
            hits.runs.append(label)

    def repeated(self, record: dict[str, Any]) -> None:
        self.repeats.append(experiment_label(record))

    def ended(self, record: dict[str, Any], saved: bool = True) -> None:
        self.records.append(dict(record))
        self.running = None
        if not saved:
            self.not_saved.append(experiment_label(record))

    # -- reading -------------------------------------------------------------------------------
    def total(self) -> int:
        """The runs of the cell so far, the one training included."""
        return len(self.records) + (1 if self.running else 0)

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.records:
            status = str(record.get("status"))
            counts[status] = counts.get(status, 0) + 1
        return counts

    def current_goal(self) -> Goal | None:
        return self.goal or default_goal(self.records)

    def best(self) -> dict[str, Any] | None:
        return best_experiment(self.records, self.current_goal())

    def headline(self) -> str:
        count = len(self.records)
        statuses = ", ".join(f"{n} {status}" for status, n in self.statuses().items())
        line = f"kepler: {count} fit{'s' if count != 1 else ''} in this cell"
        line += f" ({statuses})" if statuses else ""
        best, goal = self.best(), self.current_goal()
        if best is not None and goal is not None:
            value = goal.value(best)
            line += f" · best {goal.metric} {value:.4g}: {experiment_label(best)}"
        elif self.records:
            metrics = format_metrics(self.records[-1].get("metrics"), limit=2)
            line += f" · last: {metrics}" if metrics else ""
        if self.running:
            line += f" · training {self.running}"
        return line

    def _ordered_hits(self) -> list[FindingHits]:
        rank = {severity: i for i, severity in enumerate(SEVERITY_ORDER)}
        return sorted(self.hits.values(),
                      key=lambda hits: (rank.get(hits.finding.severity, len(rank)), hits.finding.code))

    def notes(self) -> list[str]:
        lines = []
        if self.repeats:
            lines.append(f"{len(self.repeats)} run(s) repeat an experiment already in the journal "
                         f"({', '.join(self.repeats[:RUNS_NAMED])}{' …' if len(self.repeats) > RUNS_NAMED else ''}).")
        if self.not_saved:
            lines.append(f"{len(self.not_saved)} run(s) could not be saved: "
                         f"{', '.join(self.not_saved[:RUNS_NAMED])} — your fits are unaffected.")
        return lines

    def to_text(self) -> str:
        lines = [self.headline()]
        for hits in self._ordered_hits():
            finding = hits.finding
            lines.append(f"  [{finding.severity}] {finding.code} {finding.title} — "
                         f"{hits.count_text(self.total())}")
        lines += [f"  {note}" for note in self.notes()]
        return "\n".join(lines)

    def to_html(self) -> str:
        from kepler_jupyter.display.widgets.findings import details_html

        total = max(self.total(), 1)
        segments = [(status, n) for status, n in self.statuses().items()]
        if self.running:
            segments.append(("running", 1))
        bar = "".join(
            f"<span title='{html.escape(f'{n} {status}')}' style='display:inline-block;height:8px;"
            f"width:{100 * n / total:.2f}%;background:{_STATUS_COLOURS.get(status, '#757575')}'></span>"
            for status, n in segments)
        parts = [f"<div class='kepler-loop-summary'><div><b>{html.escape(self.headline())}</b></div>",
                 f"<div style='width:100%;max-width:480px;background:#eee;line-height:0;"
                 f"margin:3px 0'>{bar}</div>"]
        for hits in self._ordered_hits():
            finding = hits.finding
            colour = _SEVERITY_COLOURS.get(finding.severity, "#757575")
            parts.append(
                f"<details class='kepler-finding kepler-finding-{html.escape(finding.severity)}' "
                f"style='border-left: 4px solid {colour}; padding: 1px 8px; margin: 2px 0;'>"
                f"<summary><b style='color: {colour}'>{html.escape(finding.severity)}</b> "
                f"<code>{html.escape(finding.code)}</code> <b>{html.escape(finding.title)}</b>: "
                f"{html.escape(hits.count_text(self.total()))}</summary>"
                f"<div>{html.escape(finding.message)}</div>{details_html(finding)}</details>")
        parts += [f"<div>{html.escape(note)}</div>" for note in self.notes()]
        return "".join(parts) + "</div>"
