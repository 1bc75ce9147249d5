"""K320's list of scale-sensitive estimators is complete for the families it covers.

Every estimator scikit-learn ships in those families must be sorted into SCALE_SENSITIVE or
SCALE_INVARIANT: a new scikit-learn release that adds one makes this test fail until it is.
"""

from __future__ import annotations

from sklearn.utils import all_estimators

from kepler_jupyter.checks.sklearn import SCALE_FAMILIES, SCALE_INVARIANT, SCALE_SENSITIVE


def test_every_estimator_of_the_covered_families_is_sorted():
    unsorted = [f"{cls.__module__}.{name}" for name, cls in all_estimators()
                if cls.__module__.split(".")[1] in SCALE_FAMILIES
                and name not in SCALE_SENSITIVE | SCALE_INVARIANT]
    assert unsorted == []


def test_no_estimator_is_both_sensitive_and_invariant():
    assert SCALE_SENSITIVE.isdisjoint(SCALE_INVARIANT)


def test_a_newly_listed_family_is_flagged_on_unscaled_features():
    import numpy as np
    from sklearn.linear_model import PoissonRegressor

    from kepler_jupyter import checks

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=300), rng.normal(size=300) * 1000])
    y = rng.poisson(3, size=300)
    assert "K320" in {f.code for f in checks.run(PoissonRegressor(), X, y, config={})}
