"""K3 data integrity checks: NaN / inf, duplicates, conflicting labels, leakage, dull features.

Scale and dtype checks live in ``data_scale.py``, label-distribution checks in
``data_labels.py``.
Exact answers (NaN, duplicates, overlap) read every row; the others use a row sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.measure.blas import gram
from kepler_jupyter.checks.measure.column_stats import column_stats
from kepler_jupyter.checks.measure.data_rows import duplicates, overlap
from kepler_jupyter.checks.measure.data_stats import (
    as_checkable,
    inputs_of,
    is_dataframe,
    is_sparse,
    split_index,
    split_inputs,
    take,
)
from kepler_jupyter.checks.measure.nonfinite import count_nonfinite, label_nonfinite
from kepler_jupyter.models.sklearn_steps import nan_handler


class NonFiniteInputs(Check):
    code = "K301"
    title = "NaN or infinite values in the inputs"
    severity = "error"
    stage = "data"
    why = ("One NaN or inf in a batch makes that batch's loss and gradients NaN, and the weights "
           "become NaN for good; scikit-learn estimators refuse such data or silently drop rows.")
    fix = ("Impute or drop the missing values before the fit (e.g. SimpleImputer, "
           "`np.nan_to_num`, `df.dropna()`), or find where the NaN came from (a division by zero, "
           "a failed parse, a log of zero).")
    on_validation = True

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        split = split_inputs(subject)
        # a validation_split tail is the validation pass's (checks.validation_part)
        inputs = split.train if split.from_split and split.train else _inputs_or_sparse(subject.X)
        part = subject.part
        sklearn = subject.framework == "sklearn"
        for name, array in inputs:
            bad = count_nonfinite(array)
            if bad is None or bad["values"] == 0:
                continue
            where = f" in columns {', '.join(bad['columns'][:8])}" if bad["columns"] else ""
            message = (f"{part} input {name} has {bad['values']:,} non-finite values "
                       f"({bad['nan']:,} NaN, {bad['inf']:,} inf) in {bad['rows']:,} of "
                       f"{bad['n_rows']:,} rows{where}; first rows: {bad['first_rows'][:5]}.")
            # the NaN columns by name (a DataFrame's, all of them listed) let a
            # ColumnTransformer be judged on the branches that really receive them
            named = is_dataframe(array) and len(bad["columns"]) < 20
            handler = (nan_handler(subject.model, bad["columns"] if named else None)
                       if sklearn else None)
            handled = handler is not None and bad["inf"] == 0
            yield self.finding(
                message + (f" {handler} handles missing values, so this is fine if intended."
                           if handled else ""),
                evidence={"part": part, "input": name, **bad},
                severity="info" if handled else None,
            )


def _inputs_or_sparse(X: Any) -> list[tuple[str, Any]]:
    """The inputs to scan for NaN / inf; a sparse matrix is scanned on its stored values."""
    if X is None:
        return []
    return [("X", X)] if is_sparse(X) else inputs_of(X)


class NonFiniteLabels(Check):
    code = "K302"
    title = "NaN or infinite values in the labels"
    severity = "error"
    stage = "data"
    why = "The loss of a sample with a NaN label is NaN, and it spreads to every weight."
    fix = "Drop the samples whose label is missing, or fill them in, before the fit."
    on_validation = True

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        y = subject.y
        labels = as_checkable(y)
        if split_inputs(subject).from_split and labels is not None:
            # a validation_split tail is the validation pass's (checks.validation_part)
            y = take(labels, slice(0, split_index(len(labels), subject.validation_split)))
        bad = label_nonfinite(y)
        if bad and bad["values"]:
            yield self.finding(
                f"{subject.part} labels have {bad['values']:,} missing or non-finite values in "
                f"{bad['rows']:,} of {bad['n_rows']:,} samples; first rows: {bad['first_rows'][:5]}.",
                evidence={"part": subject.part, **bad},
            )


def _duplicates_are_expected(subject: CheckSubject) -> bool:
    """Whether the features allow so few distinct rows that repeats are natural.

    With a handful of low-cardinality features (categories, small counts) many samples share
    the same inputs by nature; repeats only point at a bug when the feature space is so large
    that chance repeats are unlikely (more than n² possible rows).
    """
    stats = column_stats(subject)
    if not stats:
        return False
    space = sum(s.log_value_space() for s in stats)
    return space < 2 * math.log(max(stats[0].n_rows, 2))


class DuplicateSamples(Check):
    code = "K303"
    title = "Exact duplicate training samples"
    severity = "warning"
    stage = "data"
    why = ("Repeated samples weigh more in the loss than the rest, which biases the model "
           "toward them; many repeats usually mean the data was concatenated or oversampled "
           "twice by mistake, and duplicates split across training and validation leak.")
    fix = ("Remove repeats before splitting: `np.unique(X, axis=0, return_index=True)` or "
           "`df.drop_duplicates()`; if oversampling is intended, do it after the split.")
    defaults = {"max_fraction": 0.01}
    on_validation = True

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = duplicates(subject)
        if found is None or found.duplicate_samples == 0:
            return
        if _duplicates_are_expected(subject):
            return
        fraction = found.duplicate_samples / found.n_rows
        severity = "warning" if fraction >= self.options["max_fraction"] else "info"
        yield self.finding(
            f"{found.duplicate_samples:,} of {found.n_rows:,} {subject.part} samples "
            f"({fraction:.2%}) repeat an earlier sample exactly (same inputs and label); "
            f"groups of identical rows, e.g. {found.examples[:3]}.",
            evidence={"duplicates": found.duplicate_samples, "n_rows": found.n_rows,
                      "fraction": fraction, "example_rows": found.examples},
            severity=severity,
        )


class ConflictingLabels(Check):
    code = "K304"
    title = "Identical inputs with different labels"
    severity = "warning"
    stage = "data"
    why = ("The model cannot give two labels to one input: conflicting samples cap the "
           "achievable accuracy and often reveal labelling errors or features that were lost.")
    fix = ("Inspect the listed rows: fix wrong labels, drop the conflicting copies, or add the "
           "feature that tells these samples apart.")
    defaults = {"max_fraction": 0.001}
    on_validation = True

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = duplicates(subject)
        if found is None or found.conflict_groups == 0:
            return
        if _duplicates_are_expected(subject):
            return
        fraction = found.conflict_rows / found.n_rows
        severity = "warning" if fraction >= self.options["max_fraction"] else "info"
        examples = "; ".join(
            f"rows {e['rows']} labelled {', '.join(map(str, e['labels']))}"
            for e in found.conflict_examples[:3]
        )
        yield self.finding(
            f"{found.conflict_groups:,} groups of identical inputs ({found.conflict_rows:,} rows, "
            f"{fraction:.2%}) carry different labels: {examples}.",
            evidence={"groups": found.conflict_groups, "rows": found.conflict_rows,
                      "fraction": fraction, "examples": found.conflict_examples},
            severity=severity,
        )


class TrainValidationOverlap(Check):
    code = "K305"
    title = "Validation samples also in the training data (leakage)"
    severity = "warning"
    stage = "data"
    why = ("A validation sample the model trained on measures memory, not generalisation: "
           "validation scores come out too good and model choices based on them are wrong.")
    fix = ("Remove duplicates before splitting (`df.drop_duplicates()`), and split by a group "
           "key (patient, user, source image) when several samples come from one source.")
    defaults = {"max_fraction": 0.01}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        found = overlap(subject)
        if found is None or found[0] == 0:
            return
        shared, n_val, examples = found
        if _duplicates_are_expected(subject):
            return
        fraction = shared / n_val
        severity = "warning" if fraction >= self.options["max_fraction"] else "info"
        source = "the validation_split tail" if split_inputs(subject).from_split else "validation_data"
        yield self.finding(
            f"{shared:,} of {n_val:,} validation samples ({fraction:.2%}) in {source} are "
            f"exact copies of training samples, e.g. [validation row, training row] {examples[:3]}.",
            evidence={"shared": shared, "n_validation": n_val, "fraction": fraction,
                      "examples": examples},
            severity=severity,
        )


class ConstantFeatures(Check):
    code = "K308"
    title = "Constant features"
    severity = "info"
    stage = "data"
    why = ("A feature with one value carries no information; it costs memory and compute, and "
           "standardising it divides by a zero standard deviation.")
    fix = ("Drop the columns (scikit-learn: `VarianceThreshold()` in the pipeline). For pixel "
           "data, constant border pixels are normal and harmless.")
    on_validation = True

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        for stats in column_stats(subject):
            if stats.ndim != 2 or stats.n_features + len(stats.non_numeric) < 2:
                continue
            array = dict(split_inputs(subject).train)[stats.name]
            constant = [stats.columns[j] for j in np.flatnonzero(stats.std == 0)
                        if _constant_on_all_rows(array, stats, int(j))]
            constant += _constant_categories(array, stats)
            if constant:
                total = stats.n_features + len(stats.non_numeric)
                yield self.finding(
                    f"{len(constant)} of {total} features of {stats.name} have a single value on "
                    f"every {subject.part} row: {', '.join(constant[:10])}{' …' if len(constant) > 10 else ''}.",
                    evidence={"input": stats.name, "columns": constant[:50], "n_constant": len(constant)},
                )


def _constant_on_all_rows(array: Any, stats: Any, column: int) -> bool:
    """Verify on the full column what the sample suggests (cheap: one strided column)."""
    if is_dataframe(array):  # by position: labels may be ints, tuples or repeated
        values = array.iloc[:, stats.positions[column]].to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = array[:, column]
    with np.errstate(all="ignore"):
        return bool(np.nanmin(values) == np.nanmax(values))


def _constant_categories(array: Any, stats: Any) -> list[str]:
    if not is_dataframe(array):
        return []
    return [name for name, position in zip(stats.non_numeric, stats.non_numeric_positions,
                                           strict=True)
            if array.iloc[:, position].nunique(dropna=False) <= 1]


class CorrelatedFeatures(Check):
    code = "K309"
    title = "Highly correlated (redundant) features"
    severity = "info"
    stage = "data"
    why = ("Features that are (almost) copies of each other add no information; they make "
           "linear-model coefficients unstable and hard to read, and can hide a leaked copy of "
           "the target.")
    fix = "Keep one feature of each redundant pair, or combine them (PCA, averaging)."
    defaults = {"max_correlation": 0.99, "max_columns": 400, "sample_rows": 5000}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        for stats in column_stats(subject):
            if stats.ndim != 2:
                continue
            key = ("K309", self.options["max_columns"], self.options["sample_rows"])
            if key not in stats.derived:
                stats.derived[key] = _correlated_columns(stats, self.options["max_columns"],
                                                         self.options["sample_rows"])
            found = stats.derived[key]
            if found is None:
                continue
            columns, correlation, n_sampled = found
            upper = np.triu(np.abs(correlation), k=1)
            first, second = np.nonzero(upper > self.options["max_correlation"])
            if len(first) == 0:
                continue
            pairs = [(stats.columns[columns[a]], stats.columns[columns[b]], float(correlation[a, b]))
                     for a, b in zip(first[:10], second[:10], strict=False)]
            listed = ", ".join(f"{a} ~ {b} (ρ={r:+.3f})" for a, b, r in pairs[:5])
            yield self.finding(
                f"{len(first)} pairs of features of {stats.name} have |correlation| above "
                f"{self.options['max_correlation']} on a {n_sampled:,}-row sample: {listed}.",
                evidence={"input": stats.name, "pairs": pairs, "n_pairs": int(len(first))},
            )


def _correlated_columns(stats: Any, max_columns: int,
                        sample_rows: int) -> tuple[np.ndarray, np.ndarray, int] | None:
    """(the informative columns, their correlation matrix, rows used) on the sample's rows
    without NaN / inf; None when there are fewer than 2 such columns or 30 such rows."""
    columns = np.flatnonzero(stats.informative)[:max_columns]
    if len(columns) < 2:
        return None
    sample = stats.sample[:sample_rows, columns]
    finite = np.isfinite(sample).all(axis=1)
    if not finite.all():
        sample = sample[finite]
    if len(sample) < 30:
        return None
    return columns, _correlation(sample), len(sample)


def _correlation(sample: np.ndarray) -> np.ndarray:
    """Pearson correlation of the columns (their product on one BLAS thread: ``measure.blas``)."""
    standard = sample - sample.mean(axis=0)
    scale = np.sqrt(np.einsum("ij,ij->j", standard, standard))
    scale[scale == 0] = 1.0
    standard /= scale  # in place: a new array of this size costs its page faults again
    return gram(standard)


CHECKS = [NonFiniteInputs, NonFiniteLabels, DuplicateSamples, ConflictingLabels,
          TrainValidationOverlap, ConstantFeatures, CorrelatedFeatures]
