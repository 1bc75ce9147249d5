"""K5xx: the training monitor on real (tiny) Keras fits, its curve rules, and the live curves."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from kepler_jupyter.checks import training_callbacks  # noqa: E402
from kepler_jupyter.checks.measure import training_curves as curves  # noqa: E402
from kepler_jupyter.checks.training import make_training_callbacks  # noqa: E402
from kepler_jupyter.display.widgets.live_curves import LiveCurves  # noqa: E402
from kepler_jupyter.run.context import FitContext, FitData, RunOptions  # noqa: E402
from kepler_jupyter.run.lifecycle import RunLifecycle, RunObserver  # noqa: E402
from kepler_jupyter.warnings import KeplerInternalWarning  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    """400 digits scaled to [0, 1]: learnable in a couple of epochs of a tiny MLP."""
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16).astype("float32"), y[:400]


class FindingsHeard(RunObserver):
    """Records the codes of the ``finding`` events the run announces."""

    def __init__(self):
        self.shown = []

    def on_finding(self, run, finding):
        self.shown.append(finding.code)


def monitored_fit(model, X, y, epochs=3, ignore=(), optimizer="adam", loss="sparse_categorical_crossentropy",
                  **fit_kwargs):
    """Compile and fit ``model`` with kepler's training callbacks; returns (ctx, history)."""
    keras.utils.set_random_seed(0)
    model.compile(optimizer=optimizer, loss=loss)
    kwargs = {"epochs": epochs, "batch_size": 32, "verbose": 0, **fit_kwargs}
    ctx = FitContext("keras", model, (X, y), dict(kwargs), RunOptions(ignore=list(ignore)),
                     data=FitData(X, y), lifecycle=RunLifecycle([FindingsHeard()]))
    callbacks = [*kwargs.pop("callbacks", []), *training_callbacks(ctx)]
    history = model.fit(X, y, callbacks=callbacks, **kwargs)
    return ctx, history


def mlp(*hidden, classes=10):
    return keras.Sequential([*hidden, layers.Dense(classes, activation="softmax")])


def codes(ctx):
    return [f.code for f in ctx.findings]


def test_well_made_fit_is_silent(digits):
    X, y = digits
    ctx, history = monitored_fit(mlp(layers.Dense(32, activation="relu")), X, y, epochs=4,
                                 validation_split=0.2)
    assert ctx.findings == [] and ctx.stop_reason is None
    assert len(history.history["loss"]) == 4


def test_nan_loss_stops_the_fit_at_once_and_is_reported_once(digits):
    X, y = digits
    targets = y.astype("float32")
    targets[40:] = np.nan  # batches from the second one on have a NaN loss
    model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
    ctx, history = monitored_fit(model, X, targets, epochs=5, loss="mse", shuffle=False)
    assert codes(ctx) == ["K501"] and ctx.findings[0].severity == "error"
    assert ctx.stop_reason.startswith("K501")
    assert len(history.history["loss"]) == 1  # stopped inside the first epoch
    assert ctx.lifecycle.observers[0].shown == ["K501"]


def test_divergence_stops_the_fit(digits):
    X, y = digits
    # plain linear regression: SGD steps of 0.5 overshoot by ~10x per step (no ReLU to die)
    ctx, history = monitored_fit(keras.Sequential([layers.Dense(1)]), X, y.astype("float32"),
                                 epochs=5, loss="mse", optimizer=keras.optimizers.SGD(0.5))
    assert "K502" in codes(ctx) and ctx.stop_reason.startswith("K502")
    assert len(history.history["loss"]) < 5


def test_ignored_codes_are_neither_reported_nor_stopping(digits):
    X, y = digits
    targets = y.astype("float32")
    targets[40:] = np.nan
    model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
    ctx, history = monitored_fit(model, X, targets, epochs=2, loss="mse", ignore=["K501"])
    assert "K501" not in codes(ctx) and ctx.stop_reason is None
    assert len(history.history["loss"]) == 2
    ctx = FitContext("keras", model, (), {}, RunOptions(ignore=["K5"]))
    assert make_training_callbacks(ctx) == []
    assert make_training_callbacks(FitContext("sklearn", object(), (), {}, RunOptions())) == []


def test_monitor_failure_is_one_internal_warning_and_the_fit_goes_on(digits, monkeypatch):
    X, y = digits
    from kepler_jupyter.checks.training_monitor import TrainingMonitor

    def broken(self, epoch, logs):
        raise RuntimeError("kepler bug")

    monkeypatch.setattr(TrainingMonitor, "epoch_end", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ctx, history = monitored_fit(mlp(layers.Dense(16, activation="relu")), X, y, epochs=3)
    internal = [w for w in caught if issubclass(w.category, KeplerInternalWarning)]
    assert len(internal) == 1 and "kepler bug" in str(internal[0].message)
    assert len(history.history["loss"]) == 3 and ctx.stop_reason is None


def test_monitoring_does_not_change_what_the_fit_computes(digits):
    """Same seed, with and without the monitor: identical weights (probes run in inference
    mode, so BatchNorm statistics and Dropout's random state stay untouched)."""
    X, y = digits

    def trained(with_monitor):
        keras.utils.set_random_seed(1)
        model = mlp(layers.Dense(32, activation="relu"), layers.BatchNormalization(), layers.Dropout(0.3))
        model.compile("adam", "sparse_categorical_crossentropy")
        ctx = FitContext("keras", model, (X, y), {"epochs": 2}, RunOptions(), data=FitData(X, y))
        callbacks = make_training_callbacks(ctx, probe_budget=1.0) if with_monitor else []
        model.fit(X, y, epochs=2, batch_size=32, verbose=0, callbacks=callbacks)
        return model.get_weights()

    for plain, watched in zip(trained(False), trained(True), strict=True):
        np.testing.assert_array_equal(plain, watched)


def test_vanishing_gradients_in_a_deep_sigmoid_stack(digits):
    X, y = digits
    deep = [layers.Dense(32, activation="sigmoid") for _ in range(10)]
    ctx, _ = monitored_fit(mlp(*deep), X, y, epochs=2)
    found = [f for f in ctx.findings if f.code == "K505"]
    assert found and found[0].evidence["ratio"] < 1e-3


def test_exploding_gradients_and_initial_loss_far_above_chance(digits):
    X, y = digits
    wide = keras.initializers.RandomNormal(stddev=3.0)
    hidden = [layers.Dense(64, activation="relu", kernel_initializer=wide) for _ in range(4)]
    ctx, _ = monitored_fit(mlp(*hidden), X, y, epochs=1, optimizer=keras.optimizers.SGD(1e-6))
    assert {"K504", "K506"} <= set(codes(ctx))
    chance = [f for f in ctx.findings if f.code == "K504"][0]
    assert chance.evidence["chance_loss"] == pytest.approx(np.log(10), abs=1e-3)


def test_dying_relu_and_weights_not_updating(digits):
    X, y = digits
    dead = layers.Dense(32, activation="relu", bias_initializer=keras.initializers.Constant(-10.0),
                        name="dead")
    ctx, _ = monitored_fit(mlp(dead), X, y, epochs=2)
    found = {f.code: f for f in ctx.findings}
    assert found["K507"].evidence["dead_fraction"] == {"dead": 1.0}
    assert "dead" in found["K509"].evidence["relative_change"]


def test_saturated_tanh_units_on_unscaled_inputs(digits):
    X, y = digits
    ctx, _ = monitored_fit(mlp(layers.Dense(32, activation="tanh", name="squashed")), X * 160, y, epochs=1)
    found = [f for f in ctx.findings if f.code == "K508"]
    assert found and found[0].evidence["saturated_fraction"]["squashed"] > 0.5


def test_loss_not_decreasing_with_a_zero_learning_rate(digits):
    X, y = digits
    ctx, _ = monitored_fit(mlp(layers.Dense(16, activation="relu")), X, y, epochs=3,
                           optimizer=keras.optimizers.SGD(0.0))
    assert {"K503", "K509"} <= set(codes(ctx))


def test_negative_cross_entropy_from_labels_out_of_range(digits):
    X, y = digits
    model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid")])
    ctx, _ = monitored_fit(model, X, y.astype("float32"), epochs=3, loss="binary_crossentropy")
    assert "K512" in codes(ctx)


def test_curve_rules_on_hand_made_curves():
    assert curves.rising_run([1.0, 0.5, 0.6, 0.9, 1.4], 3, 2.0) == [0.5, 0.6, 0.9, 1.4]
    assert curves.rising_run([1.0, 0.5, 0.6, 0.9, 0.95], 3, 2.0) is None
    options = {"min_share": 0.3, "min_epochs": 3, "min_improvement": 0.01}
    assert curves.not_decreasing([2.30, 2.30, 2.29], 2.31, 10, **options)
    assert curves.not_decreasing([2.30, 2.30, 2.29, 2.29], 2.31, 10, **options) is None  # judged once
    assert curves.not_decreasing([0.5, 0.5, 0.5], 2.3, 10, **options) is None  # learned in epoch 1
    assert curves.not_decreasing([2.3, 2.0, 1.5], 2.31, 10, **options) is None
    bouncing = {"window": 6, "min_turns": 3, "min_swing": 0.15}
    assert curves.oscillation([2.0, 1.0, 0.6, 1.1, 0.5, 1.0, 0.55], **bouncing)
    assert curves.oscillation([0.42, 0.65, 1.14, 0.83, 0.3, 0.42], **bouncing) is None  # 2 turns
    assert curves.oscillation([1.0, 0.9, 0.8, 0.7, 0.6, 0.5], **bouncing) is None
    assert curves.oscillation([1.0, 1.01, 0.99, 1.01, 0.99, 1.0], **bouncing) is None  # jitter
    assert curves.oscillation([1.0, 0.6, 0.9, 0.5], **bouncing) is None  # too few epochs yet
    sustained = {"patience": 3, "min_rise": 0.02, "window": 3}
    train = [1.0, 0.8, 0.6, 0.5, 0.4, 0.35, 0.3]
    val = [1.0, 0.9, 0.85, 0.9, 0.97, 1.05, 1.1]
    assert "epoch 3" in curves.overfitting_start(train, val, **sustained)
    assert curves.overfitting_start(train[:5], val[:5], **sustained) is None  # 2 epochs: not yet
    # one noisy epoch on a small validation set is not overfitting
    noisy = [1.0, 0.9, 0.85, 0.84, 0.95, 0.83, 0.82]
    assert curves.overfitting_start(train, noisy, **sustained) is None
    longer = [1.0, 0.8, 0.6, 0.5, 0.4, 0.35, 0.3, 0.28, 0.26]
    assert curves.overfitting_start(longer, [1.0, 0.9, 0.85, 0.85, 0.855, 0.86, 0.86, 0.862, 0.862],
                                    **sustained) is None  # sustained, but a rise under 2 %


def test_overfitting_is_info_when_early_stopping_guards_the_fit(digits):
    X, y = digits
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 10, len(y))  # random labels: validation loss rises at once
    stopper = keras.callbacks.EarlyStopping(patience=50)
    model = mlp(layers.Dense(256, activation="relu"))
    ctx, _ = monitored_fit(model, X[:200], noise[:200], epochs=12, callbacks=[stopper],
                           validation_data=(X[200:], noise[200:]))
    found = [f for f in ctx.findings if f.code == "K511"]
    assert found and found[0].severity == "info"


def test_live_curves_default_to_a_small_plotly_mime_bundle_per_redraw():
    import json

    curves = LiveCurves(["loss"], min_interval=0)
    assert curves.mode == "output"  # a FigureWidget would ship ~5 MB of plotly.js per fit
    curves.update(0, {"loss": 2.0, "val_loss": 2.5})
    curves.update(1, {"loss": 1.5, "val_loss": 2.0})
    (output,) = curves.widget.outputs  # each redraw replaces the figure
    figure = output["data"]["application/vnd.plotly.v1+json"]
    assert [trace["y"] for trace in figure["data"]] == [[2.0, 1.5], [2.5, 2.0]]
    assert len(json.dumps(output)) < 50_000


def test_live_curves_append_one_point_per_epoch_and_throttle():
    pytest.importorskip("anywidget")
    curves_widget = LiveCurves(["loss", "accuracy"], mode="figurewidget", min_interval=3600)
    curves_widget.update(0, {"loss": 1.0, "val_loss": 1.2, "accuracy": 0.5, "lr": "n/a"})
    curves_widget.update(1, {"loss": 0.5, "val_loss": float("nan"), "accuracy": 0.7})
    figure_widget = curves_widget.widget.children[0]
    traces = {trace.meta: trace for trace in figure_widget.data}
    assert traces["loss"].y == (1.0,)  # the second epoch waits for the throttle
    curves_widget.finish()
    assert traces["loss"].x == (1, 2) and traces["loss"].y == (1.0, 0.5)
    assert traces["val_loss"].y == (1.2,)  # the NaN is skipped
    assert repr(curves_widget) == "LiveCurves(epoch 2: loss 0.5 (val 1.2), accuracy 0.7)"


def test_live_curves_output_fallback_builds_the_same_figure():
    fallback = LiveCurves(["loss"], mode="output", min_interval=0)
    fallback.update(0, {"loss": 2.0, "val_loss": 2.5})
    figure = fallback.figure()
    assert [(t.meta, t.y) for t in figure.data] == [("loss", (2.0,)), ("val_loss", (2.5,))]
    assert type(fallback.widget).__name__ == "Output"
    assert repr(LiveCurves([])) == "LiveCurves(loss: no epoch yet)"


def test_live_curves_without_names_take_the_first_epochs_metrics():
    discovered = LiveCurves(mode="output")
    assert repr(discovered) == "LiveCurves(metrics: no epoch yet)"
    discovered.update(0, {"loss": 1.0, "accuracy": 0.4, "val_loss": 1.1, "val_accuracy": 0.3,
                          "learning_rate": 0.001})
    assert discovered.panels == ["loss", "accuracy"]
    assert repr(discovered) == "LiveCurves(epoch 1: loss 1 (val 1.1), accuracy 0.4 (val 0.3))"
