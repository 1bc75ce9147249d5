"""The training monitor: watches one Keras fit through a callback and reports K5xx findings.

Cheap checks run on every batch end (a NaN / divergence test on ``logs["loss"]``, off the main
thread: the callback is ``async_safe``) and at every epoch end (loss-curve shapes). Gradient,
activation and weight statistics (``training_stats``) run at the end of the first epoch and then
only while their total cost stays within ``probe_budget`` of the elapsed fit time.

The monitor must never break the fit: each callback method is guarded, and kepler's own error
becomes one ``KeplerInternalWarning`` after which monitoring stops and training goes on.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from typing import TYPE_CHECKING, Any

from kepler_jupyter.checks import diagnosis
from kepler_jupyter.checks.base import Check, Finding
from kepler_jupyter.checks.measure import training_curves as curves
from kepler_jupyter.models import keras_compile as kc
from kepler_jupyter.models import keras_graph as kg
from kepler_jupyter.warnings import KeplerInternalWarning

if TYPE_CHECKING:
    from kepler_jupyter.run.context import FitContext


class TrainingMonitor:
    """State and judgement of one fit; ``keras_callback`` forwards Keras' hooks to it."""

    def __init__(self, ctx: FitContext, checks: list[Check], probe_budget: float = 0.005,
                 probe_size: int = 64) -> None:
        self.ctx = ctx
        self.checks = {check.code: check for check in checks}
        self.probe_budget = probe_budget
        self.probe_size = probe_size
        self.broken = False
        self.model: Any = None
        self.epochs = 1
        self.initial_loss: float | None = None
        self.losses: list[float] = []
        self.val_losses: list[float] = []
        self.started = 0.0
        self.probe_seconds = 0.0
        #: time spent in the monitor's own hooks (all of them, probes included)
        self.hook_seconds = 0.0
        self.last_probe_cost = 0.0
        self.probe: Any = None
        self.probe_state = "pending"  # "pending", "ready" or "off"
        self.weights: Any = None
        self.chance: float | None = None
        self.loss: kc.LossInfo | None = None
        self._lock = threading.Lock()
        self._reported: set[str] = set()
        self._unshown: list[Any] = []
        self._facts: diagnosis.Facts | None = None

    # -- reporting --------------------------------------------------------------------------

    def option(self, code: str, name: str) -> Any:
        return self.checks[code].options[name]

    def report(self, code: str, message: str, evidence: dict[str, Any] | None = None,
               severity: str | None = None, stop: bool = False) -> None:
        """Record one finding per code (and stop the fit for fatal ones)."""
        check = self.checks.get(code)
        if check is None:
            return  # ignored by the project or the cell
        with self._lock:
            if code in self._reported:
                return
            self._reported.add(code)
        finding = self._diagnosed(check.finding(message, evidence, severity=severity))
        findings = self.ctx.findings
        if not any(f.code == code for f in findings):
            findings.append(finding)
        if stop and check.options.get("stop", True) and self.model is not None:
            self.model.stop_training = True
            if self.ctx.stop_reason is None:
                self.ctx.stop_reason = f"{code}: {message}"
        with self._lock:
            self._unshown.append(finding)
        if threading.current_thread() is threading.main_thread():
            self.show_pending()
        # else: batch ends run on Keras' worker threads, where widgets must not be touched;
        # the next epoch end (or the end of training) shows the finding

    def _diagnosed(self, finding: Finding) -> Finding:
        """The symptom with its probable causes named (``checks.diagnosis``). The facts are
        read once per fit, and only when a symptom fires: a healthy fit pays nothing."""
        try:
            with self._lock:
                if self._facts is None:
                    self._facts = diagnosis.keras_facts(self.ctx, self.model)
                facts = self._facts
            return diagnosis.diagnose(finding, facts)
        except Exception:  # diagnosis is a bonus: the bare symptom is still worth reporting
            return finding

    def show_pending(self) -> None:
        """Announce the findings not yet announced as the run's ``finding`` events (main
        thread only: observers draw widgets). The lifecycle isolates observers' failures."""
        with self._lock:
            unshown, self._unshown = self._unshown, []
        for finding in unshown:
            self.ctx.lifecycle.finding(self.ctx, finding)

    def fail(self, error: BaseException) -> None:
        """kepler's own error: warn once and stop monitoring; the fit goes on."""
        if self.broken:
            return
        self.broken = True
        warnings.warn(f"kepler's training monitor stopped after an internal error ({error!r}); "
                      "your fit goes on unaffected.", KeplerInternalWarning, stacklevel=2)

    # -- hooks ------------------------------------------------------------------------------

    def train_begin(self, model: Any, params: dict[str, Any]) -> None:
        self.model = model
        self.epochs = int((params or {}).get("epochs") or 1)
        self.started = time.perf_counter()
        self.loss = kc.compiled_loss_info(model)
        self.chance = self._chance_level(model)

    def batch_begin(self, batch: int) -> None:
        """Take the weights' baseline at the first batch where they exist (a Sequential
        without ``Input`` is built by its first training step)."""
        if self.weights is not None or "K509" not in self.checks or not self.model.built:
            return
        from kepler_jupyter.checks.measure.training_stats import WeightTracker

        began = time.perf_counter()
        self.weights = WeightTracker(self.model)
        self.weights.relative_changes()
        self.probe_seconds += time.perf_counter() - began

    def batch_end(self, batch: int, logs: dict[str, Any] | None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if self.initial_loss is None and batch == 0:
            self.initial_loss = loss  # batch 0 of the first epoch: measured before any update
        if not math.isfinite(loss):
            self.report("K501", f"The loss became {loss} at batch {batch}.",
                        {"batch": batch, "loss": str(loss)}, stop=True)
        elif "K502" in self.checks and self.initial_loss is not None:
            factor = self.option("K502", "factor")
            start = abs(self.initial_loss)
            if start > 0 and abs(loss) > factor * max(start, 1e-3):
                self.report("K502", f"The loss reached {loss:.4g}, more than {factor:g}× its "
                            f"initial {self.initial_loss:.4g} (batch {batch}).",
                            {"loss": loss, "initial_loss": self.initial_loss}, stop=True)

    def epoch_end(self, epoch: int, logs: dict[str, Any] | None) -> None:
        self.show_pending()
        logs = logs or {}
        loss, val_loss = logs.get("loss"), logs.get("val_loss")
        if loss is None:
            return
        loss = float(loss)
        if not math.isfinite(loss):
            self.report("K501", f"The loss became {loss} in epoch {epoch + 1}.",
                        {"epoch": epoch + 1, "loss": str(loss)}, stop=True)
            return
        if val_loss is not None and not math.isfinite(float(val_loss)):
            # NaN / inf in the validation data (or outputs that overflow on it): every
            # validation metric, and any choice made with them, is meaningless from here on
            self.report("K501", f"The validation loss became {float(val_loss)} in epoch "
                        f"{epoch + 1} (training loss {loss:.4g}): the validation data hold "
                        "NaN / inf or the model's outputs overflow on them.",
                        {"epoch": epoch + 1, "val_loss": str(float(val_loss))}, stop=True)
            return
        self.losses.append(loss)
        if val_loss is not None:
            self.val_losses.append(float(val_loss))
        if epoch == 0:
            self._judge_initial_loss()
        self._judge_curves(epoch)
        if self.model is not None and not getattr(self.model, "stop_training", False):
            self._maybe_probe(epoch)

    # -- judgements ---------------------------------------------------------------------------

    def _chance_level(self, model: Any) -> float | None:
        fit_kwargs = self.ctx.kwargs or {}
        data = self.ctx.data
        weighted = any(value is not None for value in (
            fit_kwargs.get("class_weight"), fit_kwargs.get("sample_weight"),
            getattr(data, "sample_weight", None)))
        iterations = getattr(getattr(model, "optimizer", None), "iterations", None)
        resumed = iterations is not None and int(getattr(iterations, "numpy", lambda: iterations)()) > 0
        head = kg.output_head(model)
        return curves.chance_level(self.loss, head.units if head else None, weighted, resumed)

    def _judge_initial_loss(self) -> None:
        if self.chance is None or self.initial_loss is None or "K504" not in self.checks:
            return
        ratio = self.initial_loss / self.chance
        evidence = {"initial_loss": self.initial_loss, "chance_loss": round(self.chance, 4),
                    "ratio": round(ratio, 2)}
        start = f"The first batch's loss is {self.initial_loss:.4g}; chance level is "
        if ratio > self.option("K504", "high_factor"):
            self.report("K504", f"{start}{self.chance:.3g}: {ratio:.1f}× higher.", evidence)
        elif ratio < self.option("K504", "low_factor"):
            self.report("K504", f"{start}{self.chance:.3g}: suspiciously low for an untrained "
                        "model.", evidence, severity="info")

    def _judge_curves(self, epoch: int) -> None:
        losses, checks = self.losses, self.checks
        if self.loss is not None and self.loss.kind in kc.CROSS_ENTROPY_KINDS and losses[-1] < -1e-6:
            self.report("K512", f"The training loss is {losses[-1]:.4g} in epoch {epoch + 1}.",
                        {"epoch": epoch + 1, "loss": losses[-1]})
        if "K502" in checks:
            rising = curves.rising_run(losses, self.option("K502", "rising_epochs"),
                                       self.option("K502", "rising_factor"))
            if rising:
                self.report("K502", f"The loss rose for {len(rising) - 1} epochs in a row to "
                            f"{losses[-1]:.4g}, {losses[-1] / min(losses):.1f}× its best.",
                            {"losses": rising}, stop=True)
        if "K503" in checks and self.initial_loss is not None:
            verdict = curves.not_decreasing(losses, self.initial_loss, self.epochs,
                                            **checks["K503"].options)
            if verdict:
                self.report("K503", verdict, {"losses": losses[:], "initial_loss":
                                              self.initial_loss})
        if "K510" in checks:
            verdict = curves.oscillation(losses, **checks["K510"].options)
            if verdict:
                self.report("K510", verdict, {"losses": losses[-checks["K510"].options["window"]:]})
        if "K511" in checks:
            verdict = curves.overfitting_start(losses, self.val_losses, **checks["K511"].options)
            if verdict:
                self.report("K511", verdict, {"losses": losses[:], "val_losses":
                                              self.val_losses[:]}, severity=self._overfit_severity())

    def _overfit_severity(self) -> str | None:
        """Info when an EarlyStopping on the validation loss already guards the fit."""
        callbacks = (self.ctx.kwargs or {}).get("callbacks") or []
        guarded = any(type(cb).__name__ == "EarlyStopping"
                      and "val" in str(getattr(cb, "monitor", "")) for cb in callbacks)
        return "info" if guarded else None

    # -- statistics on a schedule -------------------------------------------------------------

    def _maybe_probe(self, epoch: int) -> None:
        elapsed = time.perf_counter() - self.started
        first = self.probe_state == "pending"
        if not first and (self.probe_state == "off" or self.probe_seconds + self.last_probe_cost
                          > self.probe_budget * elapsed):
            return
        began = time.perf_counter()
        try:
            if first:
                self._start_probe()
            if self.probe_state == "ready":
                self._judge_statistics(epoch)
        except Exception as error:  # statistics off for this fit; loss checks go on
            self.probe_state = "off"
            warnings.warn(f"kepler's gradient statistics are off for this fit ({error!r}); "
                          "the loss checks go on.", KeplerInternalWarning, stacklevel=2)
        self.last_probe_cost = time.perf_counter() - began
        self.probe_seconds += self.last_probe_cost

    def _start_probe(self) -> None:
        from kepler_jupyter.checks.measure.training_stats import (
            Probe,
            probe_supported,
            select_probe,
        )

        self.probe_state = "off"
        wanted = {"K505", "K506", "K507", "K508"} & set(self.checks)
        data = self.ctx.data
        batch = select_probe(getattr(data, "X", None), getattr(data, "y", None), self.probe_size)
        import keras

        supported = probe_supported(self.model) and keras.backend.backend() == "tensorflow"
        if wanted and batch is not None and supported:
            self.probe = Probe(self.model, batch)
        self.probe_state = "ready"

    def _judge_statistics(self, epoch: int) -> None:
        where = f"after epoch {epoch + 1}"
        if self.weights is not None:
            changes = self.weights.relative_changes()
            limit = self.option("K509", "min_relative_change")
            frozen = {name: change for name, change in (changes or {}).items() if change < limit}
            if frozen:
                names = ", ".join(frozen)
                self.report("K509", f"Kernels of {names} changed by less than {limit:g} "
                            f"(relative) up to epoch {epoch + 1}.", {"relative_change": frozen})
        if self.probe is None:
            return
        stats = self.probe.measure(gradients=bool({"K505", "K506"} & set(self.checks)))
        for code, verdict in curves.judge_probe(stats, self.checks, where).items():
            self.report(code, *verdict)


def keras_callback(monitor: TrainingMonitor) -> Any:
    """A ``keras.callbacks.Callback`` that forwards to ``monitor``, every hook guarded."""
    import keras

    class KeplerTrainingMonitor(keras.callbacks.Callback):
        # batch_end only reads a float and sets flags under a lock, so Keras may dispatch it
        # asynchronously instead of syncing the device on every batch
        async_safe = True

        def __init__(self, watched: TrainingMonitor) -> None:
            super().__init__()
            self.monitor = watched

        def _guard(self, method: Any, *args: Any) -> None:
            if self.monitor.broken:
                return
            began = time.perf_counter()
            try:
                method(*args)
            except Exception as error:
                self.monitor.fail(error)
            self.monitor.hook_seconds += time.perf_counter() - began

        def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
            self._guard(self.monitor.train_begin, self.model, self.params)

        def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            if self.monitor.weights is None:  # one attribute test per batch afterwards
                self._guard(self.monitor.batch_begin, batch)

        def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            self._guard(self.monitor.batch_end, batch, logs)

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            self._guard(self.monitor.epoch_end, epoch, logs)

        def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
            self._guard(self.monitor.show_pending)

    return KeplerTrainingMonitor(monitor)
