"""The base of the pre-fit checks of a Keras model: they judge the shared ``ModelAnalysis``."""

from __future__ import annotations

from collections.abc import Iterator

from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.measure.model_analysis import ModelAnalysis, analyse


class KerasCheck(Check):
    """A pre-fit check of a Keras model."""

    stage = "model"
    frameworks = ("keras",)

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if not getattr(subject.model, "layers", None):
            return iter(())  # not a Keras model kepler can read layer by layer
        return self.inspect(analyse(subject)) or iter(())

    def inspect(self, analysis: ModelAnalysis) -> Iterator[Finding] | None:
        return None
