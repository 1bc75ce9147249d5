"""The quality corpus: buggy set-ups labelled with the codes they must raise, and well-made ones
that must raise no warning or error. ``CASES`` is every case; see ``case.py`` for the format."""

from __future__ import annotations

from . import (
    buggy_data,
    buggy_keras,
    buggy_sklearn,
    buggy_training,
    gallery,
    good,
    prefit_families,
    real_pipelines,
    validation_and_generators,
)
from .case import Case

CASES: list[Case] = [
    *buggy_keras.CASES, *buggy_data.CASES, *buggy_sklearn.CASES, *buggy_training.CASES, *good.CASES,
    *real_pipelines.CASES, *validation_and_generators.CASES, *gallery.CASES,
    *prefit_families.CASES,
]
BUGGY = [c for c in CASES if not c.good]
GOOD = [c for c in CASES if c.good]
