"""Symptom → cause: a training finding names what most probably caused it (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

from kepler_jupyter.checks import diagnosis  # noqa: E402
from kepler_jupyter.checks.base import Finding  # noqa: E402
from kepler_jupyter.checks.training import LossNotDecreasing  # noqa: E402
from kepler_jupyter.run.context import FitContext, FitData, RunOptions  # noqa: E402

RNG = np.random.default_rng(0)


def facts_of(model, X, y, optimizer="adam", loss="sparse_categorical_crossentropy",
             batch_size=32, prefit=()):
    """The facts kepler reads for a real compiled (not trained) Keras model."""
    model.compile(optimizer=optimizer, loss=loss)
    opt = model.optimizer
    record = {"params": {"optimizer": type(opt).__name__.lower(),
                         "learning_rate": float(opt.learning_rate), "batch_size": batch_size}}
    ctx = FitContext("keras", model, (X, y), {}, RunOptions(), data=FitData(X, y), record=record,
                     findings=list(prefit))
    return diagnosis.keras_facts(ctx, model)


def symptom(code="K503"):
    return Finding(code, "symptom", "warning", "training", "The loss stayed at 2.30.",
                   fix="generic fix")


def top_cause(code, facts):
    ranked = diagnosis.rank_causes(code, facts)
    return ranked[0][1].name if ranked else None


def dense_net(*hidden, head, inputs=8):
    return keras.Sequential([keras.Input((inputs,)), *hidden, head])


def test_regression_loss_on_class_labels_is_named_for_a_flat_loss():
    X, y = RNG.normal(size=(200, 8)).astype("float32"), RNG.integers(0, 10, 200)
    model = dense_net(layers.Dense(16, activation="relu"), head=layers.Dense(10, activation="softmax"))
    facts = facts_of(model, X, y, loss="mse")
    found = diagnosis.diagnose(symptom(), facts)
    assert "Probable cause: regression loss on class labels" in found.message
    assert "sparse_categorical_crossentropy" in found.fix
    assert found.evidence["causes"][0]["cause"] == "regression loss on class labels"


def test_output_that_cannot_reach_the_targets():
    X, y = RNG.normal(size=(200, 8)).astype("float32"), RNG.uniform(0, 500, 200)
    model = dense_net(layers.Dense(16, activation="relu"), head=layers.Dense(1, activation="sigmoid"))
    assert top_cause("K503", facts_of(model, X, y, loss="mse")) == "output cannot reach the targets"
    linear = dense_net(layers.Dense(16, activation="relu"), head=layers.Dense(1))
    assert top_cause("K503", facts_of(linear, X, y / 500, loss="mse")) is None


def test_saturating_stack_in_front_of_a_saturating_head_explains_vanishing_gradients():
    X, y = RNG.normal(size=(200, 8)).astype("float32"), RNG.integers(0, 2, 200)
    model = dense_net(layers.Dense(16, activation="sigmoid"), layers.Dense(16, activation="tanh"),
                      layers.Dense(16, activation="sigmoid"), head=layers.Dense(1, activation="sigmoid"))
    facts = facts_of(model, X, y, loss="binary_crossentropy")
    assert len(facts.saturating_hidden) == 3
    found = diagnosis.diagnose(symptom("K505"), facts)
    assert "saturating hidden stack" in found.message and "relu" in found.fix


def test_learning_rate_judged_against_the_optimizer_and_the_target_scale():
    X = RNG.normal(size=(200, 8)).astype("float32")
    classes = RNG.integers(0, 3, 200)
    model = dense_net(layers.Dense(16, activation="relu"), head=layers.Dense(3, activation="softmax"))
    facts = facts_of(model, X, classes, optimizer=keras.optimizers.Adam(0.5))
    found = diagnosis.diagnose(symptom("K502"), facts)
    assert "learning rate too high" in found.message and "0.05" in found.fix
    # a learning rate fine for Adam, but targets in the tens of thousands with a squared error
    prices = RNG.normal(50_000, 20_000, 200)
    regressor = dense_net(layers.Dense(16, activation="relu"), head=layers.Dense(1))
    facts = facts_of(regressor, X, prices, loss="mse")
    assert top_cause("K502", facts) == "targets on a large scale for the learning rate"
    assert "TransformedTargetRegressor" in diagnosis.diagnose(symptom("K502"), facts).fix


def test_unscaled_inputs_from_the_data_or_from_the_prefit_finding():
    X, y = RNG.integers(0, 256, size=(200, 8)).astype("float32"), RNG.integers(0, 10, 200)
    model = dense_net(layers.Dense(16, activation="relu"), head=layers.Dense(10, activation="softmax"))
    assert top_cause("K504", facts_of(model, X, y)) == "unscaled inputs"
    rescaled = dense_net(layers.Rescaling(1 / 255), layers.Dense(16, activation="relu"),
                         head=layers.Dense(10, activation="softmax"))
    assert top_cause("K504", facts_of(rescaled, X, y)) is None
    pixels = Finding("K306", "raw pixels", "warning", "data", "input X ranges from 0 to 255.",
                     fix="Divide by 255.")
    found = diagnosis.diagnose(symptom("K504"), facts_of(rescaled, X, y, prefit=[pixels]))
    assert "K306" in found.message and found.fix == "Divide by 255."


def test_a_well_made_model_keeps_the_bare_symptom_and_says_so():
    X, y = RNG.normal(size=(200, 8)).astype("float32"), RNG.integers(0, 10, 200)
    model = dense_net(layers.Dense(16, activation="relu"), head=layers.Dense(10, activation="softmax"))
    found = diagnosis.diagnose(symptom(), facts_of(model, X, y))
    assert "No cause stands out" in found.message
    assert found.fix == "generic fix" and found.evidence["causes"] == []
    other = Finding("K999", "t", "warning", "training", "m")
    assert diagnosis.diagnose(other, facts_of(model, X, y)) is other


def test_the_monitor_names_the_cause_in_a_real_fit():
    """MSE on a softmax head for one-hot class labels: the loss barely moves and the finding
    says why (the pre-fit check for it is ignored here, so the fact itself must be read)."""
    from kepler_jupyter.checks import training_callbacks

    X = RNG.normal(size=(256, 8)).astype("float32")
    y = keras.utils.to_categorical(RNG.integers(0, 10, 256), 10)  # one-hot class labels
    keras.utils.set_random_seed(0)
    model = dense_net(layers.Dense(16, activation="relu"), head=layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.SGD(1e-4), loss="mse")
    record = {"params": {"optimizer": "sgd", "learning_rate": 1e-4, "batch_size": 64}}
    ctx = FitContext("keras", model, (X, y), {"epochs": 4}, RunOptions(), data=FitData(X, y),
                     record=record)
    model.fit(X, y, epochs=4, batch_size=64, verbose=0, callbacks=training_callbacks(ctx))
    flat = [f for f in ctx.findings if f.code == LossNotDecreasing.code]
    assert flat, [f.code for f in ctx.findings]
    assert flat[0].evidence["causes"][0]["cause"] in ("regression loss on class labels",
                                                      "learning rate too low")
    assert "Probable cause" in flat[0].message
