"""Which framework a model belongs to: by its real classes, or also by its looks for checks.

``adapters.framework_of`` is the one owner. Interception and search need a real Keras model or
scikit-learn estimator; ``checks.run`` only reads the model, so it also takes objects that
follow scikit-learn's estimator protocol or come from a Keras module (``by_looks=True``).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from kepler_jupyter import adapters, checks


class ProtocolEstimator:
    """scikit-learn's estimator protocol without its base class (as CatBoost's models)."""

    def __init__(self, depth: int = 3) -> None:
        self.depth = depth

    def get_params(self, deep: bool = True) -> dict[str, int]:
        return {"depth": self.depth}

    def set_params(self, **params: int) -> ProtocolEstimator:
        self.__dict__.update(params)
        return self

    def fit(self, X, y) -> ProtocolEstimator:
        return self


class LegacyKerasModel:
    """A class from a Keras module that is not Keras 3's ``keras.Model`` (as tf_keras's)."""

    __module__ = "tf_keras.src.engine.training"


def test_real_classes_answer_the_same_either_way():
    for model, framework in ((LogisticRegression(), "sklearn"), (object(), None), ("text", None)):
        assert adapters.framework_of(model) == framework
        assert adapters.framework_of(model, by_looks=True) == framework


def test_lookalikes_count_only_when_judged_by_their_looks():
    assert adapters.framework_of(ProtocolEstimator()) is None
    assert adapters.framework_of(ProtocolEstimator(), by_looks=True) == "sklearn"
    assert adapters.framework_of(LegacyKerasModel()) is None
    assert adapters.framework_of(LegacyKerasModel(), by_looks=True) == "keras"


def test_checks_read_an_estimator_that_only_follows_the_protocol():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    X[3, 1] = np.nan
    y = rng.integers(0, 2, size=100)
    codes = [finding.code for finding in checks.run(ProtocolEstimator(), X, y, config={})]
    assert "K301" in codes  # the data check ran on it
    with pytest.raises(ValueError, match="not object"):
        checks.run(object(), X, y, config={})
