"""The history of a training loop (``train_on_batch`` / ``partial_fit`` called many times).

A loop has no epochs, so kepler makes epoch-like *rounds*: the training calls between two
evaluations are one round, and the evaluations (``test_on_batch``) after them belong to the
same round — the usual ``for epoch: train batches; evaluate`` loop gets one point per epoch.
A loop that never evaluates gets one point per measured call (a value measured on some calls
only, like scikit-learn's ``batch_score``, has a point for those calls), merged into at most
``MAX_POINTS`` points (means of consecutive points) so that a long loop still gives a readable
curve and a bounded record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: the most points one history curve of a loop keeps
MAX_POINTS = 200


@dataclass
class LoopHistory:
    """Per-call values of one loop, grouped into rounds."""

    #: one dict per round: metric name -> values of the calls in the round
    rounds: list[dict[str, list[float]]] = field(default_factory=list)
    calls: int = 0
    evaluations: int = 0
    _evaluating: bool = False

    def add_training(self, values: dict[str, float | None]) -> None:
        """One training call's results (``loss``, metrics...)."""
        self.calls += 1
        if not self.rounds or self._evaluating:
            self.rounds.append({})
            self._evaluating = False
        self._add(values, prefix="")

    def add_evaluation(self, values: dict[str, float | None]) -> None:
        """One evaluation call's results, kept as ``val_<name>`` of the current round."""
        self.evaluations += 1
        if not self.rounds:
            self.rounds.append({})
        self._evaluating = True
        self._add(values, prefix="val_")

    def _add(self, values: dict[str, float | None], prefix: str) -> None:
        """``None``: not measured on this call; NaN / inf (a diverged loss) stay visible: the
        point they fall in becomes None in the curves."""
        current = self.rounds[-1]
        for name, value in values.items():
            if value is not None:
                number = float(value) if math.isfinite(value) else math.nan
                current.setdefault(prefix + name, []).append(number)

    def curves(self) -> dict[str, list[float | None]]:
        """The record's ``history``: per round (or per chunk of calls) means, NaN as None."""
        if not self.rounds:
            return {}
        names = sorted({name for r in self.rounds for name in r}, key=_order)
        curves: dict[str, list[float | None]] = {}
        for name in names:
            if self.evaluations == 0:
                # no evaluations: one point per measured call
                curves[name] = [_finite(v) for r in self.rounds for v in r.get(name, [])]
            else:
                curves[name] = [_mean(r.get(name, [])) for r in self.rounds]
        return _downsample(curves)

    def point(self) -> str:
        """What one point of the curves stands for (before any merging of long curves)."""
        return "round" if self.evaluations else "call"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _downsample(curves: dict[str, list[float | None]]) -> dict[str, list[float | None]]:
    """Means of consecutive points, so that no curve has more than ``MAX_POINTS`` points."""
    longest = max((len(v) for v in curves.values()), default=0)
    if longest <= MAX_POINTS:
        return curves
    step = math.ceil(longest / MAX_POINTS)
    return {
        name: [_mean([v if v is not None else math.nan for v in values[i : i + step]])
               for i in range(0, len(values), step)]
        for name, values in curves.items()
    }


def _mean(values: list[float]) -> float | None:
    if not values:
        return None
    total = sum(values) / len(values)
    return total if math.isfinite(total) else None


def _order(name: str) -> tuple[int, str]:
    plain = name.removeprefix("val_")
    return (name.startswith("val_"), "" if plain == "loss" else plain)
