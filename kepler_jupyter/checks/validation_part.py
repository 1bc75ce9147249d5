"""The validation data gets the training data's checks: one more pass, and one voice per problem.

A check whose class sets ``on_validation = True`` runs a second time on a subject whose
training part *is* the validation data (``validation_data`` arrays, DataFrames or a stream's
sample; or the ``validation_split`` tail of the arrays). Its findings there are merged with the
training pass's:

- the same code on the same input in both parts gives **one** finding naming both (its
  evidence has ``parts: ["training", "validation"]`` and the validation's own evidence);
- a finding of the validation alone says so first ("In the validation data (…): …") and has
  ``part: "validation"`` and ``where`` in its evidence;
- a validation-only scale finding (K306 / K307) is dropped when K317 already says the
  validation data sits on another scale than the training data (one cause, one finding).

Checks that compare the two parts themselves (K305, K310, K311, K317, K318) or are about
training alone (class balance and class weights, correlated features, batch order, the model,
the settings) keep ``on_validation = False``.
"""

from __future__ import annotations

from typing import Any

from kepler_jupyter.checks.base import CheckSubject, Finding
from kepler_jupyter.checks.measure.data_stats import (
    as_checkable,
    is_dataframe,
    n_rows,
    split_index,
    split_inputs,
)

#: validation-only findings that K317 (validation on another scale) already explains
_SCALE_CODES = ("K306", "K307")
_SCALE_DIFFERS = "K317"


def validation_subject(subject: CheckSubject) -> CheckSubject | None:
    """A subject whose training part is ``subject``'s validation data; None without one.

    The new subject shares the model, fit settings and configuration, has no validation of
    its own, and ``part == "validation"``; ``where`` names the validation data for messages.
    """
    if subject.part != "training":
        return None
    sample = subject.sampled.get("validation")
    if subject.validation:
        X = subject.validation[0]
        y = subject.validation[1] if len(subject.validation) > 1 else None
        where = "validation_data"
        if sample is not None:
            where = f"validation_data, {sample.describe()}"
    elif subject.validation_split and subject.X is not None:
        tail = split_inputs(subject).validation
        if not tail:
            return None
        X = _regroup(subject.X, tail)
        y = _tail(subject.y, subject.validation_split)
        where = f"the validation_split tail, the last {subject.validation_split:.0%} of the arrays"
    else:
        return None
    if X is None:
        return None
    part = CheckSubject(
        framework=subject.framework, model=subject.model, X=X, y=y,
        fit_kwargs=subject.fit_kwargs, config=subject.config, record=subject.record,
        sampled={"validation": sample} if sample is not None else {},
        part="validation", where=where,
    )
    _share_measurements(subject, part)
    return part


def _share_measurements(subject: CheckSubject, part: CheckSubject) -> None:
    """Start the validation pass from what the training pass measured of the validation data
    (its row hashes for K305, its column statistics for K317): the same arrays, read once."""
    hashes = subject.cache.get("row_hashes")
    if hashes is not None and hashes[1] is not None:
        part.cache["row_hashes"] = (hashes[1], None)
    if "validation_column_stats" in subject.cache:
        part.cache["column_stats"] = subject.cache["validation_column_stats"]


def _regroup(original: Any, parts: list[tuple[str, Any]]) -> Any:
    """``split_inputs``' named parts back in the shape of the fit's ``x`` (one, dict, list)."""
    if isinstance(original, dict):
        return dict(parts)
    if isinstance(original, (list, tuple)) and len(parts) > 1:
        return [array for _, array in parts]
    return parts[0][1] if len(parts) == 1 else None


def _tail(y: Any, validation_split: float) -> Any:
    array = as_checkable(y)
    if array is None:
        return None
    cut = split_index(n_rows(array), validation_split)
    return array.iloc[cut:] if is_dataframe(array) else array[cut:]


def merge_parts(training: list[Finding], validation: list[Finding],
                part: CheckSubject) -> list[Finding]:
    """The training pass's findings with the validation pass's merged in (see the module)."""
    merged = list(training)
    by_key = {_key(finding): finding for finding in training}
    scale_explained = {finding.evidence.get("input") for finding in training
                       if finding.code == _SCALE_DIFFERS}
    for finding in validation:
        twin = by_key.get(_key(finding))
        if twin is not None:
            _name_both(twin, finding, part.where)
        elif finding.code in _SCALE_CODES and finding.evidence.get("input") in scale_explained:
            continue
        else:
            merged.append(_validation_only(finding, part.where))
    return merged


def _key(finding: Finding) -> tuple[str, Any, Any]:
    # K000 names the check that failed: two failures are two findings
    return finding.code, finding.evidence.get("input"), finding.evidence.get("check")


def _name_both(training: Finding, validation: Finding, where: str) -> None:
    training.message = f"{training.message} The validation data ({where}) too: {validation.message}"
    order = ("error", "warning", "info")
    if order.index(validation.severity) < order.index(training.severity):
        training.severity = validation.severity
    training.evidence = {**training.evidence, "parts": ["training", "validation"],
                         "validation": {**validation.evidence, "where": where}}


def _validation_only(finding: Finding, where: str) -> Finding:
    finding.message = f"In the validation data ({where}): {finding.message}"
    finding.evidence = {**finding.evidence, "part": "validation", "where": where}
    return finding
