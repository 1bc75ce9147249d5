"""Run kepler's checks on one corpus case, the way a user's fit would meet them.

Pre-fit stages go through the public ``kepler_jupyter.checks.run``, with the case's streams
(generators included) sampled first as an intercepted fit samples them; a case with ``train=True``
is then really fitted (tiny) with the training monitor's callbacks from
``checks.training_callbacks`` (even after a pre-fit error, like ``--force``), and its history
and warnings go to the results checks. No project configuration applies (``config={}``).
"""

from __future__ import annotations

import warnings
from typing import Any

from kepler_jupyter import checks
from kepler_jupyter.adapters import framework_of
from kepler_jupyter.adapters import get as get_adapter
from kepler_jupyter.adapters.streams import sample_fit_streams
from kepler_jupyter.checks.base import CheckSubject, Finding
from kepler_jupyter.checks.training import make_training_callbacks
from kepler_jupyter.run.context import FitContext, RunOptions

from .case import Case

#: the code families each pre-fit stage owns (``checks.run`` selects by code)
STAGE_FAMILIES = {"data": ("K3",), "model": ("K2", "K4"), "settings": ("K10",)}


def evaluate(case: Case, statistics_every_epoch: bool = False) -> list[Finding]:
    """Every finding kepler raises on ``case`` in its stages.

    ``statistics_every_epoch`` lifts the training monitor's time budget so gradient and
    activation statistics are judged after every epoch, not only while they are cheap (the
    strictest test for false alarms); by default the monitor runs as users get it.
    """
    model, X, y, fit_kwargs = case.build()
    # streams sampled as an intercepted fit samples them: generators are replaced by replays
    arguments = {"x": X, **fit_kwargs}
    samples = sample_fit_streams(framework_of(model) or "", arguments)
    X, fit_kwargs = arguments.pop("x"), arguments
    findings: list[Finding] = []
    select = [family for stage in case.stages for family in STAGE_FAMILIES.get(stage, ())]
    if select:
        findings += checks.run(model, X, y, config={}, select=select, stream_samples=samples,
                               **fit_kwargs)
    if case.train:
        findings += _fit_and_judge(case, model, X, y, fit_kwargs, statistics_every_epoch)
    return findings


def _fit_and_judge(case: Case, model: Any, X: Any, y: Any, fit_kwargs: dict[str, Any],
                   statistics_every_epoch: bool) -> list[Finding]:
    framework = framework_of(model)
    adapter = get_adapter(framework)
    data = adapter.split_fit_arguments(model, (X, y), dict(fit_kwargs))
    ctx = FitContext(framework, model, (X, y), dict(fit_kwargs), RunOptions(), data=data)
    kwargs = dict(fit_kwargs)
    if framework == "keras" and "training" in case.stages:
        monitor = (make_training_callbacks(ctx, probe_budget=1.0) if statistics_every_epoch
                   else checks.training_callbacks(ctx))
        kwargs["callbacks"] = [*kwargs.get("callbacks", []), *monitor]
    if framework == "keras":
        kwargs.setdefault("verbose", 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = model.fit(X, y, **kwargs)
    findings = list(ctx.findings) if "training" in case.stages else []
    if "results" in case.stages:
        history, metrics = adapter.collect_results(model, result, data)
        subject = CheckSubject(
            framework=framework, model=model, X=data.X, y=data.y, validation=data.validation,
            validation_split=float(data.validation_split or 0.0), fit_kwargs=dict(fit_kwargs),
            record={"history": history, "metrics": metrics}, fit_warnings=list(caught),
            sample_weight=data.sample_weight,
        )
        findings += checks.run_checks(subject, "results", config={})
    return findings
