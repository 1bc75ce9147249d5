"""Every buggy case raises its codes; no well-made case raises a warning or an error.

Pre-fit stages run through ``kepler_jupyter.checks.run``; training and results stages on a real,
tiny fit with the training monitor (see ``evaluate.py``).
"""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("keras")

from kepler_jupyter.checks import all_checks  # noqa: E402
from kepler_jupyter.checks.registry import INTERNAL_CODE  # noqa: E402

from . import BUGGY, CASES, GOOD  # noqa: E402
from .evaluate import evaluate  # noqa: E402


def judged(case, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fits' own warnings (convergence…) are the data
        return evaluate(case, **options)


def test_corpus_size_and_names():
    assert len(BUGGY) >= 40 and len(GOOD) >= 20
    assert len({c.name for c in CASES}) == len(CASES), "case names must be unique"


def test_every_check_has_a_buggy_case():
    covered = {code for case in BUGGY for code in case.expect_codes}
    catalogue = {check.code for check in all_checks() if check.code.startswith("K")}
    assert catalogue - covered == set()


@pytest.mark.parametrize("case", BUGGY, ids=[c.name for c in BUGGY])
def test_buggy_case_raises_its_codes(case):
    found = {f.code for f in judged(case)}
    assert set(case.expect_codes) <= found, f"expected {case.expect_codes}, got {sorted(found)}"


@pytest.mark.parametrize("case", GOOD, ids=[c.name for c in GOOD])
def test_well_made_case_raises_no_alarm(case):
    # gradient / activation statistics after every epoch, not only while they are cheap
    findings = judged(case, statistics_every_epoch=True)
    alarms = [str(f) for f in findings if f.severity in ("error", "warning")]
    crashed = [str(f) for f in findings if f.code == INTERNAL_CODE]  # a crash hides a verdict
    assert alarms == [] and crashed == []
