"""K310–K312: how labels are ordered, split and balanced.

Keras' ``validation_split`` takes the *last* fraction of the arrays before any shuffling, so
label-sorted data gives a validation set of one or two classes. These checks compare the label
distributions of the parts the fit will actually use, with a significance test so a small
validation set's natural sampling noise never fires them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.measure.data_stats import Labels, labels
from kepler_jupyter.checks.measure.fit_facts import estimator_params, fit_is_weighted
from kepler_jupyter.checks.measure.label_order import (
    chi_square_p,
    distribution_distance,
    label_order,
)

#: a class must be expected this many times in a part before its absence counts as an error
MIN_EXPECTED = 5


def _shares(coded: Labels, counts: np.ndarray, top: int = 6) -> str:
    order = np.argsort(-counts, kind="stable")[:top]
    total = max(int(counts.sum()), 1)
    return ", ".join(f"{coded.name(int(c))}: {counts[c] / total:.0%}" for c in order)


class ValidationSplitTail(Check):
    code = "K310"
    title = "validation_split takes an ordered tail of the data"
    severity = "warning"
    stage = "data"
    frameworks = ("keras",)
    why = ("Keras takes validation_split from the END of the arrays, before shuffling. When the "
           "data is sorted or grouped by label (or by time), the validation set holds different "
           "classes or values than training: the model is validated on what it never learned.")
    fix = ("Shuffle once before the fit (`idx = np.random.permutation(len(X)); X, y = X[idx], "
           "y[idx]`) or split with `train_test_split(..., stratify=y)` and pass "
           "`validation_data=(X_val, y_val)`.")
    defaults = {"max_distance": 0.1, "min_p_value": 0.001}

    def applies(self, subject: CheckSubject) -> bool:
        return super().applies(subject) and bool(subject.validation_split) and not subject.validation

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        coded = labels(subject)
        if coded is None or coded.train is None or coded.validation is None or not len(coded.validation):
            return
        if coded.task == "regression":
            yield from self._sorted_values(subject, coded)
            return
        train, val = coded.counts("train"), coded.counts("validation")
        total = train + val
        share = subject.validation_split
        missing_val = [int(c) for c in np.flatnonzero(val == 0) if total[c] * share >= MIN_EXPECTED]
        missing_train = [int(c) for c in np.flatnonzero(train == 0) if total[c] * (1 - share) >= MIN_EXPECTED]
        evidence = {"validation_split": share, "train_counts": train.tolist(),
                    "validation_counts": val.tolist(), "classes": [str(c) for c in coded.classes]}
        if missing_val or missing_train:
            parts = []
            if missing_val:
                parts.append(f"classes {_names(coded, missing_val)} are absent from the validation "
                             "tail")
            if missing_train:
                parts.append(f"classes {_names(coded, missing_train)} appear only in the "
                             "validation tail, never in training")
            yield self.finding(
                f"with validation_split={share}, the last {len(coded.validation):,} samples hold "
                f"{_shares(coded, val)}; " + " and ".join(parts) + ".",
                evidence=evidence, severity="error")
            return
        distance = distribution_distance(train, val)
        p_value = chi_square_p(np.vstack([train, val]))
        if distance > self.options["max_distance"] and p_value < self.options["min_p_value"]:
            yield self.finding(
                f"with validation_split={share}, training holds {_shares(coded, train)} but the "
                f"validation tail holds {_shares(coded, val)} (distance {distance:.2f}, "
                f"p={p_value:.1g}).", evidence={**evidence, "distance": distance, "p_value": p_value})

    def _sorted_values(self, subject: CheckSubject, coded: Labels) -> Iterator[Finding]:
        train, validation = coded.train, coded.validation
        if train is None or validation is None:  # run() has checked; kept for the type checker
            return
        values = np.concatenate([train, validation])
        order = label_order(values[np.isfinite(values)], classification=False)
        if order is None or order < 0.8:
            return
        yield self.finding(
            f"the targets are sorted ({order:.0%} ordered): the validation tail spans "
            f"{np.nanmin(validation):.4g} to {np.nanmax(validation):.4g}, training "
            f"{np.nanmin(train):.4g} to {np.nanmax(train):.4g}.",
            evidence={"order": order, "validation_split": subject.validation_split})


def _names(coded: Labels, codes: list[int]) -> str:
    shown = ", ".join(coded.name(int(c)) for c in codes[:10])
    return shown + (" …" if len(codes) > 10 else "")


class UnstratifiedValidation(Check):
    code = "K311"
    title = "Training and validation label distributions differ"
    severity = "warning"
    stage = "data"
    why = ("Validation scores only predict real performance when the validation set looks like "
           "the data the model will meet; a skewed or class-missing validation set over- or "
           "under-states the score and misleads model selection.")
    fix = ("Split with stratification: `train_test_split(X, y, test_size=0.2, stratify=y)` "
           "(or `StratifiedKFold`), after shuffling.")
    defaults = {"max_distance": 0.1, "min_p_value": 0.001}
    works_on_sample = False  # the first batches of two streams say little about their labels

    def applies(self, subject: CheckSubject) -> bool:
        return super().applies(subject) and bool(subject.validation)

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        coded = labels(subject)
        if coded is None or coded.task != "classification" or coded.validation is None:
            return
        train, val = coded.counts("train"), coded.counts("validation")
        if train.sum() == 0 or val.sum() == 0:
            return
        evidence = {"train_counts": train.tolist(), "validation_counts": val.tolist(),
                    "classes": [str(c) for c in coded.classes]}
        unseen = np.flatnonzero((train == 0) & (val > 0))
        if len(unseen):
            yield self.finding(
                f"validation holds {int(val[unseen].sum()):,} samples of classes never seen in "
                f"training: {_names(coded, unseen.tolist())}.", evidence=evidence)
            return
        distance = distribution_distance(train, val)
        p_value = chi_square_p(np.vstack([train, val]))
        if distance > self.options["max_distance"] and p_value < self.options["min_p_value"]:
            yield self.finding(
                f"training holds {_shares(coded, train)}; validation holds {_shares(coded, val)} "
                f"(total variation distance {distance:.2f}, chi-square p={p_value:.1g}).",
                evidence={**evidence, "distance": distance, "p_value": p_value})


class ClassImbalance(Check):
    code = "K312"
    title = "Strong class imbalance"
    severity = "warning"
    stage = "data"
    why = ("With one class much rarer than another, a model can score well by mostly ignoring "
           "the rare class; plain accuracy hides it.")
    fix = ("Weight the classes (Keras: `fit(..., class_weight={...})`; scikit-learn: "
           "`sample_weight=compute_sample_weight('balanced', y)`), resample the training data, "
           "and judge with balanced accuracy, F1 or PR-AUC rather than accuracy.")
    defaults = {"min_ratio": 0.1}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if fit_is_weighted(subject) or _sklearn_has_class_weight(subject):
            return  # weighted already, or K321 gives the estimator-specific advice
        if subject.sampled:
            from kepler_jupyter.checks.streams import ordered_stream

            if ordered_stream(subject) is not None:
                return  # the first batches of a label-ordered stream say nothing of balance
        yield from imbalance_findings(self, subject)


def imbalance_findings(check: Check, subject: CheckSubject) -> Iterator[Finding]:
    """The imbalance finding shared by K312 and scikit-learn's K321."""
    coded = labels(subject)
    if coded is None or coded.task != "classification" or coded.train is None:
        return
    counts = coded.counts("train")
    present = np.flatnonzero(counts)
    if len(present) < 2:
        return
    rare, common = present[np.argmin(counts[present])], present[np.argmax(counts[present])]
    ratio = counts[rare] / counts[common]
    if ratio >= check.options["min_ratio"]:
        return
    yield check.finding(
        f"class {coded.name(int(rare))} has {counts[rare]:,} training samples, class "
        f"{coded.name(int(common))} {counts[common]:,} (ratio {ratio:.3f}); "
        f"distribution: {_shares(coded, counts)}.",
        evidence={"counts": {coded.name(int(c)): int(counts[c]) for c in present[:50]},
                  "ratio": float(ratio)},
    )


def _sklearn_has_class_weight(subject: CheckSubject) -> bool:
    return subject.framework == "sklearn" and "class_weight" in estimator_params(subject)


CHECKS = [ValidationSplitTail, UnstratifiedValidation, ClassImbalance]
