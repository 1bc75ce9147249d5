"""The one-line texts about a run: its metrics at a glance, how it ended, why it was not saved."""

from __future__ import annotations

from typing import Any

from kepler_jupyter.journal.record import is_metric


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
