"""Findings as plain text: for terminals, scripts, logs and every widget's ``__repr__``."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

SEVERITY_ORDER = ("error", "warning", "info")
_PLURALS = {"error": "errors", "warning": "warnings", "info": "info"}
_WIDTH = 100


def severity_counts(findings: Iterable[Any]) -> dict[str, int]:
    """How many findings of each severity, in the order error, warning, info."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts


def summary_line(findings: Iterable[Any]) -> str:
    """``1 error, 3 warnings, 2 info`` (only the severities present); ``no findings`` if none."""
    parts = []
    for severity, count in severity_counts(findings).items():
        if count:
            word = severity if count == 1 or severity == "info" else _PLURALS.get(severity, severity)
            parts.append(f"{count} {word}")
    return ", ".join(parts) if parts else "no findings"


def sorted_findings(findings: Iterable[Any]) -> list[Any]:
    """Errors first, then warnings, then info; by code within each."""
    rank = {severity: i for i, severity in enumerate(SEVERITY_ORDER)}
    return sorted(findings, key=lambda f: (rank.get(f.severity, len(rank)), f.code))


def render_findings_text(findings: Iterable[Any], width: int = _WIDTH) -> str:
    """The findings as plain text: a summary line, then one block per finding.

    Parameters
    ----------
    findings : iterable of Finding
        What the checks found (``Finding`` objects or anything with the same attributes).
    width : int
        Lines are wrapped to this many characters.

    Returns
    -------
    str
        E.g.::

            kepler: 1 error, 1 warning
            [error] K301 NaN or infinite values in the inputs
                training input X has 12 non-finite values ...
                why: One NaN or inf in a batch makes ...
                fix: Impute or drop the missing values ...
    """
    findings = sorted_findings(findings)
    lines = [f"kepler: {summary_line(findings)}"]
    for finding in findings:
        lines.append(f"[{finding.severity}] {finding.code} {finding.title}")
        lines.extend(_wrapped(finding.message, width))
        if finding.why:
            lines.extend(_wrapped(f"why: {finding.why}", width))
        if finding.fix:
            lines.extend(_wrapped(f"fix: {finding.fix}", width))
    return "\n".join(lines)


def _wrapped(text: str, width: int) -> list[str]:
    return textwrap.wrap(" ".join(str(text).split()), width=width, initial_indent="    ",
                         subsequent_indent="      ", break_long_words=False,
                         break_on_hyphens=False) or ["    "]
