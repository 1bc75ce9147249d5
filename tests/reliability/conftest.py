"""Hypothesis budgets for the fuzz suites: small and fixed in CI, larger locally.

``KEPLER_FUZZ=ci`` (the default) runs a fixed number of examples per test, derandomized so CI
is reproducible; ``KEPLER_FUZZ=full`` runs many more with fresh random seeds (see
docs/reliability.md for the figures of a full run).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                 HealthCheck.function_scoped_fixture]
settings.register_profile("kepler-ci", max_examples=30, deadline=None, derandomize=True,
                          suppress_health_check=_SLOW_IS_FINE, print_blob=True)
settings.register_profile("kepler-full", max_examples=400, deadline=None,
                          suppress_health_check=_SLOW_IS_FINE, print_blob=True)
settings.load_profile("kepler-full" if os.environ.get("KEPLER_FUZZ") == "full" else "kepler-ci")
