"""The findings panel shown under a cell: a summary line and one expandable entry per finding.

Entries are coloured by severity with JupyterLab's theme variables, so they follow light and
dark themes. Every piece of text that comes from the user's data or model (messages,
evidence, column and layer names) is escaped: the panel never renders user data as HTML.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from kepler_jupyter.display.findings_text import render_findings_text, sorted_findings, summary_line
from kepler_jupyter.display.widgets.text_fallback import TextFallback

STYLE = """<style>
.kepler-finding { border-left: 4px solid var(--jp-border-color2, #bdbdbd); padding: 2px 8px;
  margin: 2px 0; }
.kepler-finding-error { border-left-color: var(--jp-error-color1, #d32f2f); }
.kepler-finding-warning { border-left-color: var(--jp-warn-color1, #f57c00); }
.kepler-finding-info { border-left-color: var(--jp-info-color1, #0288d1); }
.kepler-severity-error { color: var(--jp-error-color1, #d32f2f); font-weight: bold; }
.kepler-severity-warning { color: var(--jp-warn-color1, #f57c00); font-weight: bold; }
.kepler-severity-info { color: var(--jp-info-color1, #0288d1); font-weight: bold; }
.kepler-finding-code { font-family: var(--jp-code-font-family, monospace); }
.kepler-findings-details { padding: 0 12px 4px 12px; }
.kepler-findings-details table { border-collapse: collapse; font-size: 90%; }
.kepler-findings-details td { padding: 1px 8px 1px 0; vertical-align: top; }
</style>"""
_EVIDENCE_CHARS = 300


def _escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _evidence_text(value: Any) -> str:
    try:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _EVIDENCE_CHARS else text[:_EVIDENCE_CHARS] + "…"


def header_html(finding: Any) -> str:
    """The always-visible part of an entry: severity, code, title and message."""
    severity = _escape(finding.severity)
    return (
        f'<div class="kepler-finding kepler-finding-{severity}">'
        f'<span class="kepler-severity-{severity}">{severity}</span> '
        f'<span class="kepler-finding-code">{_escape(finding.code)}</span> '
        f"<b>{_escape(finding.title)}</b><br>{_escape(finding.message)}</div>"
    )


def details_html(finding: Any) -> str:
    """The expandable part: why, how to fix, and the evidence as a table."""
    rows = "".join(
        f"<tr><td><code>{_escape(key)}</code></td><td>{_escape(_evidence_text(value))}</td></tr>"
        for key, value in (finding.evidence or {}).items()
    )
    parts = ['<div class="kepler-findings-details">']
    if finding.why:
        parts.append(f"<p><b>Why it matters:</b> {_escape(finding.why)}</p>")
    if finding.fix:
        parts.append(f"<p><b>How to fix:</b> {_escape(finding.fix)}</p>")
    if rows:
        parts.append(f"<p><b>Evidence</b> ({_escape(finding.stage)} stage)</p><table>{rows}</table>")
    parts.append("</div>")
    return "".join(parts)


#: severity colours of the static HTML (no theme variables where no JupyterLab styles it)
_COLOURS = {"error": "#d32f2f", "warning": "#f57c00", "info": "#0288d1"}


def findings_html(findings: Iterable[Any], title: str = "kepler") -> str:
    """The findings as static HTML: a summary line and one ``<details>`` entry per finding
    (severity, code, title and message always visible; why, fix and evidence on a click),
    with inline styles, so it reads the same where no script or stylesheet runs."""
    ordered = sorted_findings(findings)
    entries = []
    for finding in ordered:
        colour = _COLOURS.get(finding.severity, "#757575")
        entries.append(
            f"<details class='kepler-finding kepler-finding-{_escape(finding.severity)}' "
            f"style='border-left: 4px solid {colour}; padding: 2px 8px; margin: 2px 0;'>"
            f"<summary><b style='color: {colour}'>{_escape(finding.severity)}</b> "
            f"<code>{_escape(finding.code)}</code> <b>{_escape(finding.title)}</b>: "
            f"{_escape(finding.message)}</summary>{details_html(finding)}</details>")
    return (f"<div class='kepler-findings-static'><div><b>{_escape(title)}:</b> "
            f"{_escape(summary_line(ordered))}</div>{''.join(entries)}</div>")


@dataclass
class FindingEntry:
    """The widgets of one finding's entry."""

    finding: Any
    box: widgets.VBox
    details: widgets.HTML
    toggle: widgets.ToggleButton
    ignore_button: widgets.Button | None
    status: widgets.HTML


class FindingsPanel(TextFallback, widgets.VBox):
    """A summary line and one expandable, severity-coloured entry per finding.

    Parameters
    ----------
    findings : iterable of Finding
        What to show; errors come first.
    on_ignore : callable, optional
        ``on_ignore(code)`` is called by an entry's "Ignore Kxxx for this project" button
        (e.g. ``kepler_jupyter.config.ignore_code_for_project`` bound to the project). Without
        it the entries have no ignore button.
    title : str
        Text before the summary (e.g. "kepler, before training").
    """

    def __init__(self, findings: Iterable[Any], on_ignore: Callable[[str], Any] | None = None,
                 title: str = "kepler") -> None:
        self.findings = sorted_findings(findings)
        self.title = title
        self.on_ignore = on_ignore
        self.summary = widgets.HTML(
            f"{STYLE}<div class='kepler-findings-summary'><b>{_escape(title)}:</b> "
            f"{_escape(summary_line(self.findings))}</div>"
        )
        self.entries = [self._entry(finding) for finding in self.findings]
        super().__init__(children=[self.summary, *(entry.box for entry in self.entries)])
        self.add_class("kepler-findings")

    @classmethod
    def for_project(cls, findings: Iterable[Any], project_dir: Any, **kwargs: Any) -> FindingsPanel:
        """A panel whose ignore buttons add the code to ``<project>/.kepler/config.toml``."""
        from kepler_jupyter.config import ignore_code_for_project

        return cls(findings, on_ignore=lambda code: ignore_code_for_project(project_dir, code), **kwargs)

    def _entry(self, finding: Any) -> FindingEntry:
        header = widgets.HTML(header_html(finding))
        details = widgets.HTML(details_html(finding), layout=widgets.Layout(display="none"))
        toggle = widgets.ToggleButton(value=False, description="Details", icon="chevron-down",
                                      tooltip="Show the evidence, why it matters and how to fix it",
                                      layout=widgets.Layout(width="auto"))

        def show_details(change: dict[str, Any]) -> None:
            details.layout.display = "block" if change["new"] else "none"
            toggle.icon = "chevron-up" if change["new"] else "chevron-down"

        toggle.observe(show_details, names="value")
        status = widgets.HTML("")
        controls: list[widgets.Widget] = [toggle]
        button = None
        if self.on_ignore is not None and finding.code != "K000":
            button = widgets.Button(description=f"Ignore {finding.code} for this project",
                                    tooltip=f"Add {finding.code} to `ignore` in .kepler/config.toml",
                                    layout=widgets.Layout(width="auto"))
            button.on_click(lambda _button, code=finding.code: self.ignore(code))
            controls.append(button)
        controls.append(status)
        box = widgets.VBox([header, widgets.HBox(controls), details])
        box.add_class(f"kepler-finding-{finding.severity}")
        return FindingEntry(finding, box, details, toggle, button, status)

    def ignore(self, code: str) -> bool:
        """Ignore ``code`` for the project through ``on_ignore``; True when it worked."""
        if self.on_ignore is None:
            return False
        try:
            self.on_ignore(code)
        except Exception as error:  # shown in the panel: a button must never raise into the kernel
            for entry in self._entries_of(code):
                entry.status.value = f"<span class='kepler-severity-error'>Could not ignore {_escape(code)}: {_escape(error)}</span>"
            return False
        for entry in self._entries_of(code):
            if entry.ignore_button is not None:
                entry.ignore_button.disabled = True
                entry.ignore_button.description = f"{code} ignored for this project"
            entry.status.value = _escape(f"{code} will not be reported again in this project.")
        return True

    def _entries_of(self, code: str) -> list[FindingEntry]:
        return [entry for entry in self.entries if entry.finding.code == code]

    def to_text(self) -> str:
        return render_findings_text(self.findings)

    def static_html(self) -> str:
        """The panel as static HTML (``findings_html``): the ``text/html`` of its bundle."""
        return findings_html(self.findings, self.title)
