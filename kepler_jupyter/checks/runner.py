"""Runs the selected checks of some stages on a subject and collects their findings.

Selection works like ruff's: ``select`` (codes or prefixes such as ``"K3"``) narrows the
catalogue, ``ignore`` removes codes or prefixes, and both come from the project configuration
and from the cell. A check that raises becomes a ``K000`` finding: kepler's own failures never
reach the user's fit. Checks marked ``on_validation`` run again on the validation data and
their findings are merged with the training ones (``validation_part``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import SEVERITIES, Check, CheckSubject, Finding
from kepler_jupyter.checks.registry import INTERNAL_CODE, all_checks
from kepler_jupyter.checks.validation_part import merge_parts, validation_subject
from kepler_jupyter.config import thresholds_for

_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def normalise_codes(codes: Iterable[str] | str | None) -> list[str]:
    """Codes from a list and / or comma-separated strings, upper-cased: ``"k104, K3"`` → both."""
    if codes is None:
        return []
    if isinstance(codes, str):
        codes = [codes]
    out: list[str] = []
    for item in codes:
        out.extend(part.strip().upper() for part in str(item).split(",") if part.strip())
    return out


def is_selected(code: str, select: Sequence[str] | None, ignore: Sequence[str]) -> bool:
    """Whether ``code`` passes ``select`` (None: everything) and is not in ``ignore``."""
    if any(code.startswith(prefix) for prefix in ignore):
        return False
    return not select or any(code.startswith(prefix) for prefix in select)


def run_checks(
    subject: CheckSubject,
    stages: str | Iterable[str],
    select: Iterable[str] | str | None = None,
    ignore: Iterable[str] | str = (),
    config: dict[str, Any] | None = None,
) -> list[Finding]:
    """Run the checks of ``stages`` on ``subject``.

    Parameters
    ----------
    subject : CheckSubject
        What the checks look at; ``subject.cache`` is shared between them.
    stages : str or iterable of str
        ``"data"``, ``"model"``, ``"settings"``, ``"training"``, ``"results"``.
    select : codes or prefixes, optional
        Only these checks; defaults to the configuration's ``select`` (all when absent).
    ignore : codes or prefixes
        Added to the configuration's ``ignore``.
    config : dict, optional
        The project configuration; defaults to ``subject.config``.

    Returns
    -------
    list of Finding
        Errors first, then warnings, then info; by code within each.
    """
    if config is None:
        config = subject.config
    else:
        subject.config = config
    wanted_stages = {stages} if isinstance(stages, str) else set(stages)
    chosen = normalise_codes(select) if select is not None else normalise_codes(config.get("select"))
    ignored = [*normalise_codes(config.get("ignore")), *normalise_codes(ignore)]
    selected = [check_class for check_class in all_checks()
                if check_class.stage in wanted_stages
                and is_selected(check_class.code, chosen, ignored)]
    findings = _run_each(subject, selected, config)
    again = [check_class for check_class in selected if check_class.on_validation]
    part = validation_subject(subject) if again else None
    if part is not None:
        part.cache["timings"] = subject.cache.setdefault("timings", {})
        findings = merge_parts(findings, _run_each(part, again, config), part)
    # K000 stands for a selected check, so only an explicit ignore hides it
    kept = [f for f in findings
            if is_selected(f.code, None if f.code == INTERNAL_CODE else chosen, ignored)]
    return sorted(kept, key=lambda f: (_SEVERITY_RANK.get(f.severity, len(SEVERITIES)), f.code))


def _run_each(subject: CheckSubject, selected: list[type[Check]],
              config: dict[str, Any]) -> list[Finding]:
    """The findings of each selected check on ``subject``; a check that raises becomes K000."""
    timings = subject.cache.setdefault("timings", {})
    findings: list[Finding] = []
    checks: list[tuple[type[Check], Check]] = []
    for check_class in selected:  # configured first: a mistyped threshold warns the user
        started = time.perf_counter()
        try:
            checks.append((check_class, check_class(checked_thresholds(check_class, config))))
        except Exception as error:
            findings.append(internal_failure(check_class.code, check_class.stage, error))
        finally:
            timings[check_class.code] = timings.get(check_class.code, 0.0) + time.perf_counter() - started
    # numpy's RuntimeWarnings about empty slices and the like are the checks' business (one
    # context around them all: entering one per check cost more than most checks)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for check_class, check in checks:
            code = check_class.code
            started = time.perf_counter()
            try:
                if subject.sampled and not check_class.works_on_sample:
                    continue
                if not check.applies(subject):
                    continue
                produced = list(check.run(subject) or [])
                findings.extend(_on_sample(f, subject, check_class) for f in produced
                                if isinstance(f, Finding))
            except Exception as error:
                findings.append(internal_failure(code, check_class.stage, error))
            finally:
                timings[code] = timings.get(code, 0.0) + time.perf_counter() - started
    return findings


def _on_sample(finding: Finding, subject: CheckSubject, check_class: type[Check]) -> Finding:
    """Say in a data finding that it was found on a stream's sample, and on how much.

    A check that runs on each part in turn speaks of the training part here (the validation
    pass names its own sample in ``where``); a check comparing the parts, of every sampled one.
    """
    if subject.part != "training" or finding.stage != "data" or "sample" in finding.evidence:
        return finding
    parts = ("training",) if check_class.on_validation else tuple(subject.sampled)
    described = "; ".join(f"{part}: {sample.describe()}" for part, sample in subject.sampled.items()
                          if part in parts and sample.batches)
    if described:
        finding.message = f"In {described}: {finding.message}"
        finding.evidence["sample"] = described
    return finding


def checked_thresholds(check_class: type[Check], config: dict[str, Any]) -> dict[str, Any]:
    """The configured thresholds of a check that it knows, with the type of their defaults.

    A typo or a value of the wrong type gives a one-line warning and the default is used, so a
    configuration mistake never makes the check fail.
    """
    wanted = thresholds_for(config, check_class.code)
    kept: dict[str, Any] = {}
    for key, value in wanted.items():
        if key not in check_class.defaults and not _open_ended(check_class):
            known = ", ".join(check_class.defaults) or "none"
            _warn(f"{check_class.code} has no threshold {key!r} (known: {known}); ignored")
        elif key in check_class.defaults and not _same_kind(value, check_class.defaults[key]):
            _warn(f"[thresholds.{check_class.code}] {key} = {value!r} is not a "
                  f"{type(check_class.defaults[key]).__name__}; using {check_class.defaults[key]!r}")
        else:
            kept[key] = value
    return kept


def _open_ended(check_class: type[Check]) -> bool:
    # K101 takes per-optimizer keys (adam_max, sgd_min…) beyond its defaults
    return bool(getattr(check_class, "open_thresholds", False))


def _same_kind(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _warn(message: str) -> None:
    from kepler_jupyter.warnings import KeplerWarning

    warnings.warn(f"kepler: {message}", KeplerWarning, stacklevel=4)


def internal_failure(code: str, stage: str, error: BaseException) -> Finding:
    """The finding that stands for a check that raised."""
    detail = " ".join(f"{type(error).__name__}: {error}".split())
    if len(detail) > 300:
        detail = detail[:300] + "…"
    return Finding(
        code=INTERNAL_CODE,
        title="A check failed internally",
        severity="info",
        stage=stage,
        message=f"check {code} failed internally: {detail}; training goes on",
        why="kepler could not finish this check on your data or model; nothing else is affected.",
        fix=(f"Ignore it with --ignore {code} if it keeps failing, and please report it with the "
             "message above."),
        evidence={"check": code, "error": detail},
    )
