"""kepler's checks on data, models, settings, training and results.

Public entry points (filled in by the checks modules):
``run_prefit(ctx)``, ``training_callbacks(ctx)``, ``run_results(ctx)`` and
``run(model, X, y, **fit_kwargs)``.
"""

from __future__ import annotations
