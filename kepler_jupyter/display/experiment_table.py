"""A table of experiments that renders as HTML in a notebook and as text in a terminal."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from kepler_jupyter.display.run_text import format_metrics
from kepler_jupyter.journal.record import summary as record_summary

COLUMNS = ("id", "name", "when", "model", "settings", "metrics", "status", "findings")


def _when(timestamp: str | None) -> str:
    if not timestamp:
        return ""
    try:
        moment = datetime.fromisoformat(timestamp).astimezone()
    except ValueError:
        return str(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M")


def _model(summary: dict[str, Any]) -> str:
    name = summary.get("model_class") or "?"
    n_params = summary.get("n_params")
    return f"{name} ({n_params:,} params)" if isinstance(n_params, int) else name


def _loss_name(loss: Any) -> str:
    if isinstance(loss, dict):
        return str(loss.get("name") or loss.get("class_name") or loss.get("class") or loss)
    return str(loss)


def _settings(framework: Any, summary: dict[str, Any]) -> str:
    """The summary's settings as text: training settings for Keras, estimator parameters for
    scikit-learn."""
    if framework != "keras":
        estimator = summary.get("estimator_params") or {}
        shown = [f"{key}={value}" for key, value in estimator.items() if value is not None]
        return " ".join(shown[:4])
    settings = summary.get("settings") or {}
    parts = []
    if settings.get("optimizer"):
        learning_rate = settings.get("learning_rate")
        lr = f" lr={learning_rate:.3g}" if isinstance(learning_rate, (int, float)) else ""
        parts.append(f"{settings['optimizer']}{lr}")
    for key in ("epochs", "batch_size"):
        if settings.get(key) is not None:
            parts.append(f"{key}={settings[key]}")
    if settings.get("loss"):
        parts.append(f"loss={_loss_name(settings['loss'])}")
    return " ".join(parts)


def _findings(summary: dict[str, Any]) -> str:
    errors, warns = summary.get("n_errors") or 0, summary.get("n_warnings") or 0
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors > 1 else ''}")
    if warns:
        parts.append(f"{warns} warning{'s' if warns > 1 else ''}")
    return ", ".join(parts)


def experiment_row(record: dict[str, Any]) -> dict[str, str]:
    """The columns shown for one (normalised) experiment, from its stored summary."""
    summary = record_summary(record)
    status = str(record.get("status") or "")
    if record.get("damaged"):
        status += " (damaged)"  # `kepler show ID` says which fields and why
    return {
        "id": str(record.get("id", "")),
        "name": str(record.get("name") or ""),
        "when": _when(record.get("created")),
        "model": _model(summary),
        "settings": _settings(record.get("framework"), summary),
        "metrics": format_metrics(record.get("metrics") or {}),
        "status": status,
        "findings": _findings(summary),
    }


class ExperimentTable:
    """Experiments as a table; ``marked`` ids (e.g. the best so far) get a star."""

    def __init__(self, records: list[dict[str, Any]], title: str = "", marked: set[str] | None = None) -> None:
        self.records = records
        self.title = title
        self.marked = marked or set()
        self.rows = [experiment_row(record) for record in records]
        for row in self.rows:
            if row["id"] in self.marked:
                row["name"] = "★ " + row["name"]

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        if not self.rows:
            return "kepler: no experiments in this project yet."
        widths = {c: max(len(c), *(len(r[c]) for r in self.rows)) for c in COLUMNS}
        widths = {c: min(w, 48) for c, w in widths.items()}
        lines = [self.title] if self.title else []
        lines.append("  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip())
        for row in self.rows:
            lines.append("  ".join(row[c][: widths[c]].ljust(widths[c]) for c in COLUMNS).rstrip())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if not self.rows:
            return "<p>kepler: no experiments in this project yet.</p>"
        head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(row[c])}</td>" for c in COLUMNS) + "</tr>"
            for row in self.rows
        )
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return f'<table class="kepler-experiments">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
