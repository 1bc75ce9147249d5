"""kepler's checks on data, models, settings, training and results.

Pipeline entry points (called by ``kepler_jupyter.run.stages`` with a ``FitContext``):
``run_prefit(ctx)``, ``training_callbacks(ctx)``, ``run_results(ctx)`` and
``emit_warnings(findings)``. For scripts and tests, ``run(model, X, y, **fit_kwargs)`` runs the
pre-fit checks without training. The catalogue is in ``registry`` (``all_checks``,
``get_check``, ``register``) and documented in ``docs/checks.md``.

Nothing here imports TensorFlow, Keras or scikit-learn: checks look at the user's objects
through their attributes.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from kepler_jupyter.adapters.fit_arguments import fit_settings
from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.registry import all_checks, get_check, register
from kepler_jupyter.checks.runner import normalise_codes, run_checks

if TYPE_CHECKING:
    from kepler_jupyter.run.context import FitContext

__all__ = [
    "PREFIT_STAGES",
    "Check",
    "CheckSubject",
    "Finding",
    "all_checks",
    "emit_warnings",
    "get_check",
    "register",
    "run",
    "run_checks",
    "run_prefit",
    "run_results",
    "subject_from_context",
    "training_callbacks",
    "use_stream_samples",
]

PREFIT_STAGES = ("data", "model", "settings")
def run_prefit(ctx: FitContext) -> list[Finding]:
    """Data, model and settings checks for one intercepted fit (before any training).

    The data's measurements are kept for the next fits on the same data (``measure.kept``).
    """
    from kepler_jupyter.checks.measure import kept

    subject = subject_from_context(ctx)
    kept.restore(subject)
    findings = run_checks(subject, PREFIT_STAGES, ignore=normalise_codes(ctx.options.ignore))
    kept.keep(subject)
    return findings


def run_results(ctx: FitContext) -> list[Finding]:
    """Results checks after the fit, plus the fit's own warnings (convergence) as findings."""
    subject = subject_from_context(ctx)
    return run_checks(subject, ("results",), ignore=normalise_codes(ctx.options.ignore))


def training_callbacks(ctx: FitContext) -> list[Any]:
    """The Keras callbacks of the training monitor (``checks.training``), or ``[]``.

    The monitor gets the training checks the project and the cell select, each configured with
    the project's thresholds (``[thresholds.K502] stop = false`` and the like).
    """
    try:
        from kepler_jupyter.checks.training import make_training_callbacks
    except ImportError:
        return []
    try:
        from kepler_jupyter.checks.runner import checked_thresholds, is_selected

        config = _project_config(ctx)
        chosen = normalise_codes(config.get("select"))
        ignored = [*normalise_codes(config.get("ignore")), *normalise_codes(ctx.options.ignore)]
        configured = [
            check_class(checked_thresholds(check_class, config)) for check_class in all_checks()
            if check_class.stage == "training" and ctx.framework in check_class.frameworks
            and is_selected(check_class.code, chosen, ignored)
        ]
        return list(make_training_callbacks(ctx, checks=configured) or [])
    except Exception as error:  # the monitor is optional; the fit must go on without it
        from kepler_jupyter.warnings import KeplerInternalWarning

        warnings.warn(f"kepler's training monitor could not start: {error}", KeplerInternalWarning,
                      stacklevel=2)
        return []


def _project_config(ctx: FitContext) -> dict[str, Any]:
    from kepler_jupyter.config import load_project_config

    return load_project_config(ctx.journal.project_dir if ctx.journal is not None else None)


def subject_from_context(ctx: FitContext) -> CheckSubject:
    """A ``CheckSubject`` for a ``FitContext``, with the project configuration loaded."""
    data = ctx.data
    subject = CheckSubject(
        framework=ctx.framework,
        model=ctx.model,
        X=data.X,
        y=data.y,
        validation=data.validation,
        validation_split=float(data.validation_split or 0.0),
        # ctx.kwargs already names every argument, positional ones included
        fit_kwargs=fit_settings(dict(ctx.kwargs or {})),
        config=_project_config(ctx),
        record=ctx.record,
        fit_warnings=list(ctx.fit_warnings or []),
        sample_weight=data.sample_weight,
    )
    return use_stream_samples(subject, data.samples or {})


def use_stream_samples(subject: CheckSubject, samples: dict[str, Any]) -> CheckSubject:
    """Point the subject's X / y / validation at the sampled batches of its streams.

    ``samples`` maps ``"x"`` / ``"validation_data"`` to ``adapters.streams.StreamSample``;
    the streams themselves are never read here.
    """
    from kepler_jupyter.adapters.stream_description import concatenated

    training, validation = samples.get("x"), samples.get("validation_data")
    if training is not None:
        subject.sampled["training"] = training
        subject.X, subject.y, weights = concatenated(training)
        subject.sample_weight = weights if weights is not None else subject.sample_weight
    if validation is not None:
        subject.sampled["validation"] = validation
        x_val, y_val, _ = concatenated(validation)
        subject.validation = (x_val, y_val) if x_val is not None else None
    return subject


def run(
    model: Any,
    X: Any = None,
    y: Any = None,
    *,
    ignore: Any = (),
    select: Any = None,
    project_dir: Any = None,
    config: dict[str, Any] | None = None,
    stream_samples: dict[str, Any] | None = None,
    **fit_kwargs: Any,
) -> list[Finding]:
    """Run the pre-fit checks on ``model.fit(X, y, **fit_kwargs)`` without training.

    Parameters
    ----------
    model : keras.Model or scikit-learn estimator
        The (compiled) model or estimator, exactly as it would be fitted.
    X, y : array-like
        Training inputs and labels.
    ignore, select : codes or prefixes
        As ``--ignore`` / the ``select`` setting (``"K104,K3"`` or a list).
    project_dir : path, optional
        Project whose configuration applies; by default the nearest folder with ``.kepler/``
        (or ``KEPLER_PROJECT_DIR``, or the working directory).
    config : dict, optional
        A configuration to use instead of the project's.
    stream_samples : dict, optional
        Samples already taken of the fit's streams, by argument name (``"x"``,
        ``"validation_data"``), as ``adapters.streams.sample_fit_streams`` takes them: the one
        way to have generators checked, since it hands back a generator that replays the
        sampled batches (pass that one to the fit). Other tf.data pipelines and PyDatasets are
        sampled here; a generator without a sample is never touched.
    **fit_kwargs
        What the fit would get: ``validation_data``, ``validation_split``, ``batch_size``,
        ``epochs``, ``class_weight``, ``sample_weight``, ``shuffle``…

    Returns
    -------
    list of Finding
        Errors first. Raises ``ValueError`` only when ``model`` is neither Keras nor
        scikit-learn, nor looks like either (``adapters.framework_of(..., by_looks=True)``:
        an object with ``fit`` and ``get_params`` is read as a scikit-learn estimator).
    """
    from kepler_jupyter.adapters import framework_of
    from kepler_jupyter.config import find_project_dir, load_project_config

    framework = framework_of(model, by_looks=True)
    if framework is None:
        raise ValueError(f"kepler checks Keras models and scikit-learn estimators, not {type(model).__name__}")
    from kepler_jupyter.adapters.streams import sample_stream

    validation = fit_kwargs.get("validation_data")
    has_validation = validation is not None
    # tf.data and PyDataset are sampled without being consumed; a generator is not touched
    # here (its batches could not be handed back to a fit)
    samples = dict(stream_samples or {})
    samples.update({name: sample for name, value in (("x", X), ("validation_data", validation))
                    if name not in samples and (sample := sample_stream(value)[0]) is not None})
    if isinstance(validation, (tuple, list)) and validation:
        validation = (validation[0], validation[1] if len(validation) > 1 else None)
    else:
        validation = None  # a dataset or generator: not checkable, but it still replaces the split
    split = 0.0 if has_validation else float(fit_kwargs.get("validation_split") or 0.0)
    if config is None:
        config = load_project_config(project_dir if project_dir is not None else find_project_dir())
    subject = CheckSubject(
        framework=framework, model=model, X=X, y=y, validation=validation, validation_split=split,
        fit_kwargs=dict(fit_kwargs), config=config, sample_weight=fit_kwargs.get("sample_weight"),
    )
    use_stream_samples(subject, samples)
    return run_checks(subject, PREFIT_STAGES, select=select, ignore=normalise_codes(ignore))


def _stacklevel_outside_kepler() -> int:
    """The ``stacklevel`` that attributes a warning to the first caller outside kepler (the
    user's ``fit`` line, or the framework's training loop), not to kepler's own source."""
    import sys
    import threading
    from pathlib import Path
    from types import FrameType

    package = str(Path(__file__).resolve().parent.parent)
    frame: FrameType | None = sys._getframe(1)  # emit_warnings
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame = frame.f_back
        level += 1
    if frame is not None and frame.f_code.co_filename == threading.__file__:
        # found after the fit returned, on kepler's after-fit thread (run/after_fit.py): no
        # user code called it, so kepler's worker is named rather than threading.py
        level -= 1
    return level


def emit_warnings(findings: list[Finding]) -> None:
    """Issue each error and warning finding as a Python warning of its family's class.

    Users filter them like any warning, e.g.
    ``warnings.filterwarnings("ignore", category=kepler_jupyter.warnings.DataWarning)``.
    """
    from kepler_jupyter.warnings import warning_class_for

    stacklevel = _stacklevel_outside_kepler()
    for finding in findings:
        if finding.severity not in ("error", "warning"):
            continue
        try:
            warnings.warn(f"{finding.code} {finding.title}: {finding.message}",
                          warning_class_for(finding.code), stacklevel=stacklevel)
        except Exception:
            # warnings configured as errors must not turn kepler's report into a broken cell
            pass
