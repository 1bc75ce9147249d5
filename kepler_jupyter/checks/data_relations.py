"""K316–K318: a feature that is the label itself, validation data on another scale, and
validation inputs of another shape or column order.

Both compare two parts of the data on the row sample ``column_stats`` keeps, so they cost
milliseconds on a million rows.

Target leakage (K316) asks for a *copy*, not for a strong relation: a classification label is
leaked when one column's values map one-to-one onto the classes on every sampled row (each
class seen at least ``min_per_class`` times); a regression target when a column equals it or
is an exact affine transform of it (|correlation| ≥ 0.99999). Features that are merely
informative — the best features of sklearn's breast-cancer, wine, iris, digits and diabetes
data sets — stay far below that (``tests/checks/test_data_relations.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.measure.column_stats import (
    ColumnStats,
    column_stats,
    validation_column_stats,
)
from kepler_jupyter.checks.measure.data_stats import inputs_of, is_dataframe, labels, split_inputs


class TargetLeakage(Check):
    code = "K316"
    title = "A feature is a copy of the label (target leakage)"
    severity = "warning"
    stage = "data"
    why = ("A column that holds the label (left in the DataFrame, or recoded) lets the model "
           "read the answer: training and validation scores look perfect, and the model fails "
           "on real data where that column is not known in advance.")
    fix = ("Drop the label column from the features (`X = df.drop(columns=[target])`), and "
           "check columns computed from the outcome (post-event dates, totals, status codes).")
    defaults = {"min_rows": 30, "min_per_class": 5, "min_correlation": 0.99999}
    on_validation = True

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        coded = labels(subject)
        if coded is None or coded.train is None:
            return
        for stats in column_stats(subject):
            if stats.ndim != 2 or len(stats.sample_rows) < self.options["min_rows"]:
                continue
            target = coded.train[stats.sample_rows]
            if coded.task == "classification" and coded.kind in ("sparse", "onehot"):
                copies = self._class_copies(stats, target, split_inputs(subject).train)
            elif coded.task == "regression":
                copies = self._value_copies(stats, target)
            else:
                continue
            if copies:
                yield self.finding(
                    f"{len(copies)} feature{'s' if len(copies) > 1 else ''} of {stats.name} "
                    f"{'are copies' if len(copies) > 1 else 'is a copy'} of the label on "
                    f"{len(stats.sample_rows):,} sampled rows: {', '.join(copies[:5])}.",
                    evidence={"input": stats.name, "columns": copies[:20],
                              "n_rows": int(len(stats.sample_rows)), "task": coded.task},
                )

    def _class_copies(self, stats: ColumnStats, target: np.ndarray,
                      inputs: list[tuple[str, Any]]) -> list[str]:
        present, counts = np.unique(target, return_counts=True)
        if len(present) < 2 or counts.min() < self.options["min_per_class"]:
            return []
        copies = [stats.columns[j] for j in np.flatnonzero(stats.n_unique == len(present))
                  if _one_to_one(stats.sample[:, j], target)]
        array = dict(inputs).get(stats.name)
        if array is not None and is_dataframe(array):
            for name, position, unique in zip(stats.non_numeric, stats.non_numeric_positions,
                                              stats.non_numeric_unique, strict=True):
                if unique == len(present):
                    column = array.iloc[stats.sample_rows, position]
                    if _one_to_one(column.to_numpy(), target):
                        copies.append(name)
        return copies

    def _value_copies(self, stats: ColumnStats, target: np.ndarray) -> list[str]:
        if not np.all(np.isfinite(target)) or target.std() == 0:
            return []
        sample = stats.sample
        usable = np.isfinite(sample).all(axis=0) & (stats.std > 0)
        columns = np.flatnonzero(usable)
        if len(columns) == 0:
            return []
        centred = sample[:, columns] - sample[:, columns].mean(axis=0)
        scale = np.sqrt(np.einsum("ij,ij->j", centred, centred))
        t = target - target.mean()
        correlation = np.einsum("ij,i->j", centred, t) / (scale * np.sqrt(t @ t))
        hits = columns[np.abs(correlation) >= self.options["min_correlation"]]
        return [stats.columns[j] for j in hits]


def _one_to_one(values: Any, target: np.ndarray) -> bool:
    """Whether ``values`` and ``target`` determine each other on every row (no missing value)."""
    import pandas as pd

    codes, uniques = pd.factorize(values)
    if (codes < 0).any():
        return False
    n_values, n_classes = len(uniques), int(target.max()) + 1
    pairs = np.unique(codes.astype(np.int64) * n_classes + target.astype(np.int64))
    return len(pairs) == n_values == len(np.unique(target))


class ValidationScaleDiffers(Check):
    code = "K317"
    title = "Validation data on a different scale from the training data"
    severity = "warning"
    stage = "data"
    why = ("When training and validation inputs are normalised separately (or one of them not "
           "at all), the model meets validation features in a range it never saw: validation "
           "scores are meaningless and the same mistake will hit the data in production. "
           "(The original Kepler's K104, \"train/dev normalised separately\".)")
    fix = ("Fit the scaler on the training data only and apply that same scaler to validation "
           "and test data (`scaler.fit(X_train)`, then `scaler.transform(X_val)`), or put the "
           "normalisation in the model (`keras.layers.Normalization` adapted on training data, "
           "a scikit-learn Pipeline).")
    # effect sizes, not significance: drift between real splits is common, a whole-data
    # rescaling moves most features by more than a training standard deviation
    defaults = {"max_shift": 1.0, "max_spread_ratio": 2.0, "min_fraction": 0.5, "min_rows": 20}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        split = split_inputs(subject)
        if split.from_split or not split.validation:
            return  # a validation_split tail comes from the same arrays
        train_stats = {stats.name: stats for stats in column_stats(subject)}
        for validation in validation_column_stats(subject):
            train = train_stats.get(validation.name)
            if train is None or train.n_features == 0 or validation.columns != train.columns:
                continue
            if min(len(train.sample_rows), len(validation.sample_rows)) < self.options["min_rows"]:
                continue
            yield from self._compare(train, validation)

    def _compare(self, train: ColumnStats, validation: ColumnStats) -> Iterator[Finding]:
        varying = np.flatnonzero((train.std > 0) & (validation.std > 0) & ~train.binary)
        if len(varying) == 0:
            return
        t_mean, t_std = train.mean[varying], train.std[varying]
        v_mean, v_std = validation.mean[varying], validation.std[varying]
        shift = np.abs(v_mean - t_mean) / t_std
        spread = np.maximum(v_std / t_std, t_std / v_std)
        off = (shift > self.options["max_shift"]) | (spread > self.options["max_spread_ratio"])
        if off.sum() < max(1, self.options["min_fraction"] * len(varying)):
            return
        worst = int(np.argmax(np.where(off, shift + spread, -np.inf)))
        column = train.columns[varying[worst]]
        yield self.finding(
            f"{int(off.sum())} of {len(varying)} features of {train.name} sit on another scale "
            f"in the validation data; e.g. feature {column}: training mean {t_mean[worst]:.3g} "
            f"± {t_std[worst]:.3g}, validation mean {v_mean[worst]:.3g} ± {v_std[worst]:.3g}.",
            evidence={"input": train.name, "n_off": int(off.sum()), "n_features": len(varying),
                      "example": column, "train_mean": float(t_mean[worst]),
                      "train_std": float(t_std[worst]), "validation_mean": float(v_mean[worst]),
                      "validation_std": float(v_std[worst])},
        )


class ValidationInputsDiffer(Check):
    code = "K318"
    title = "Validation inputs do not match the training inputs"
    severity = "error"
    stage = "data"
    frameworks = ("keras",)
    why = ("The model is built for the training inputs: validation inputs with another number "
           "of features, another shape or other inputs make Keras fail at the end of the first "
           "epoch, after its compute is spent; DataFrame columns in another order are read by "
           "position and silently feed each feature into the wrong weights.")
    fix = ("Build the validation data with the same code as the training data (same columns, "
           "in the same order: `X_val = X_val[X_train.columns]`; same reshaping and encoding).")

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        if not subject.validation or subject.X is None:
            return  # a validation_split tail comes from the same arrays
        train, validation = inputs_of(subject.X), inputs_of(subject.validation[0])
        if not train or not validation:
            return
        names, other = [n for n, _ in train], [n for n, _ in validation]
        if sorted(names) != sorted(other):
            yield self.finding(
                f"the training data has inputs {', '.join(names)}; the validation data "
                f"{', '.join(other)}.", evidence={"training_inputs": names, "validation_inputs": other})
            return
        paired = dict(validation)
        for name, array in train:
            yield from self._compare(name, array, paired[name])

    def _compare(self, name: str, train: Any, validation: Any) -> Iterator[Finding]:
        t_shape, v_shape = tuple(train.shape[1:]), tuple(validation.shape[1:])
        evidence = {"input": name, "training_shape": list(t_shape), "validation_shape": list(v_shape)}
        if is_dataframe(train) and is_dataframe(validation):
            t_cols, v_cols = [str(c) for c in train.columns], [str(c) for c in validation.columns]
            if t_cols == v_cols:
                return
            evidence.update(training_columns=t_cols[:50], validation_columns=v_cols[:50])
            if sorted(t_cols) == sorted(v_cols):
                moved = [c for c, d in zip(t_cols, v_cols, strict=True) if c != d]
                yield self.finding(f"input {name}: the validation DataFrame has the training "
                                   f"columns in another order ({', '.join(moved[:6])} moved).",
                                   evidence=evidence)
                return
            if len(t_cols) == len(v_cols):
                differ = [f"{c} / {d}" for c, d in zip(t_cols, v_cols, strict=True) if c != d]
                yield self.finding(f"input {name}: the validation DataFrame's columns are named "
                                   f"differently (training / validation: {', '.join(differ[:6])}).",
                                   evidence=evidence, severity="warning")
                return
        if t_shape == v_shape:
            return
        # the last axis is the features / channels the first layer's weights are sized for
        fatal = len(t_shape) != len(v_shape) or t_shape[-1:] != v_shape[-1:]
        yield self.finding(
            f"input {name}: training samples have shape {t_shape}, validation samples "
            f"{v_shape}.", evidence=evidence, severity=None if fatal else "warning")


CHECKS = [TargetLeakage, ValidationScaleDiffers, ValidationInputsDiffer]
