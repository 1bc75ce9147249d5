"""K2xx / K4xx: Keras model checks fire on minimal bad models and stay silent on good ones."""

from __future__ import annotations

import functools
import random

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

from kepler_jupyter import checks  # noqa: E402
from kepler_jupyter.checks.measure import keras_labels  # noqa: E402
from kepler_jupyter.models import keras_graph as kg  # noqa: E402

from .check_helpers import alarms, codes  # noqa: E402


def model_findings(model, X, y, **fit_kwargs):
    """Only the model checks (K2, K4), with no project configuration."""
    return checks.run(model, X, y, config={}, select=["K2", "K4"], **fit_kwargs)


def only(findings, code):
    return [f for f in findings if f.code == code]


def seq(*stack, loss="sparse_categorical_crossentropy", compile_model=True):
    model = keras.Sequential(list(stack))
    if compile_model:
        model.compile(optimizer="adam", loss=loss)
    return model


@pytest.fixture
def data(blobs):
    return blobs  # 600 × 8 standardised features, labels 0..2


def test_well_made_models_are_silent(data, rng):
    X, y = data
    good = [
        seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")),
        seq(keras.Input((8,)), layers.Dense(16), layers.BatchNormalization(), layers.Activation("relu"),
            layers.Dropout(0.3), layers.Dense(3), layers.Softmax()),
        seq(layers.Dense(16, activation="relu"), layers.Dense(3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
        seq(layers.Dense(16, activation="tanh"), layers.Dense(16, activation="tanh"), layers.Dense(3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)),  # linear head
    ]
    # two saturating layers are not "deep" on their own, but in front of a saturating head they
    # are (issue 13: the stack is judged with the head it feeds)
    tanh_softmax = seq(layers.Dense(16, activation="tanh"), layers.Dense(16, activation="tanh"),
                       layers.Dense(3, activation="softmax"))
    assert [a[0] for a in alarms(model_findings(tanh_softmax, X, y))] == ["K401"]
    for model in good:
        assert alarms(model_findings(model, X, y)) == [], model.layers
    one_hot = seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax"),
                  loss="categorical_crossentropy")
    assert alarms(model_findings(one_hot, X, np.eye(3, dtype="float32")[y])) == []
    binary = seq(layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid"),
                 loss=keras.losses.binary_crossentropy)
    assert alarms(model_findings(binary, X, y % 2)) == []
    regression = seq(layers.Dense(16, activation="relu"), layers.Dense(1), loss="mse")
    assert alarms(model_findings(regression, X, rng.normal(size=len(X)) * 100)) == []
    sequences = rng.normal(size=(64, 10, 3)).astype("float32")
    lstm = seq(layers.LSTM(8, return_sequences=True), layers.LSTM(8), layers.Dense(3, activation="softmax"))
    assert alarms(model_findings(lstm, sequences, y[:64])) == []


def test_functional_residual_model_is_read_through_its_graph(data):
    X, y = data
    inputs = keras.Input((8,))
    hidden = layers.Dense(16, activation="relu")(inputs)
    branch = layers.Dense(16, activation="relu")(hidden)
    merged = layers.Add()([hidden, branch])
    outputs = layers.Dense(3, activation="softmax")(merged)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    assert alarms(model_findings(model, X, y)) == []
    # a linear projection straight into another Dense, inside a graph
    projected = layers.Dense(16)(inputs)
    logits = layers.Dense(3, activation="softmax")(layers.Dense(16, activation="relu")(projected))
    bad = keras.Model(inputs, logits)
    bad.compile("adam", "sparse_categorical_crossentropy")
    found = only(model_findings(bad, X, y), "K402")
    assert found and found[0].evidence["pairs"][0][0] == bad.layers[1].name


def test_checks_leave_an_unbuilt_model_and_the_random_state_alone(data):
    X, y = data
    model = seq(layers.Dense(64, activation="relu"), layers.Dense(3, activation="softmax"))
    state = random.getstate()
    found = checks.run(model, X[:5], y[:5], config={}, select=["K4"])
    assert not model.built  # nothing was built, not even on a copy
    assert random.getstate() == state  # so a seeded user initialisation is unchanged
    # the parameter count of the unbuilt model is inferred from X's shape
    assert only(found, "K414")[0].evidence["trainable_parameters"] == (8 + 1) * 64 + (64 + 1) * 3


def test_not_compiled_is_an_error(data):
    X, y = data
    found = only(model_findings(seq(layers.Dense(3, activation="softmax"), compile_model=False), X, y),
                 "K400")
    assert found and found[0].severity == "error"


@pytest.mark.parametrize("initialiser", ["zeros", "ones", keras.initializers.Constant(0.1)])
def test_constant_hidden_kernels(data, initialiser):
    X, y = data
    model = seq(layers.Dense(16, activation="relu", kernel_initializer=initialiser, name="hidden"),
                layers.Dense(3, activation="softmax"))
    assert list(only(model_findings(model, X, y), "K201")[0].evidence["layers"]) == ["hidden"]
    # a zero-initialised output layer (as in some heads) is fine
    head = seq(layers.Dense(16, activation="relu"),
               layers.Dense(3, activation="softmax", kernel_initializer="zeros"))
    assert only(model_findings(head, X, y), "K201") == []


def test_initial_weight_scale_on_built_and_unbuilt_models(data):
    X, y = data
    wide = keras.initializers.RandomNormal(stddev=5.0)  # 5 · sqrt(8) ≈ 14
    for first in ([], [keras.Input((8,))]):
        model = seq(*first, layers.Dense(16, activation="relu", kernel_initializer=wide, name="big"),
                    layers.Dense(3, activation="softmax"))
        found = only(model_findings(model, X, y), "K202")
        assert found and found[0].evidence["layers"]["big"]["fan_in"] == 8
    tiny = seq(layers.Dense(16, activation="relu",
                            kernel_initializer=keras.initializers.RandomUniform(-1e-4, 1e-4)),
               layers.Dense(3, activation="softmax"))
    assert only(model_findings(tiny, X, y), "K202")
    default_normal = seq(layers.Dense(16, activation="relu", kernel_initializer="random_normal"),
                         layers.Dense(3, activation="softmax"))
    assert only(model_findings(default_normal, X, y), "K202") == []


def test_deep_saturating_stack_counts_activation_layers(data):
    X, y = data
    stack = [layers.Dense(16, activation="sigmoid"), layers.Dense(16), layers.Activation("tanh"),
             layers.Dense(16, activation="tanh")]
    found = only(model_findings(seq(*stack, layers.Dense(3, activation="softmax")), X, y), "K401")
    assert found and len(found[0].evidence["layers"]) == 3


def test_missing_nonlinearity_and_allowed_patterns(data):
    X, y = data
    bad = seq(layers.Dense(16, name="a"), layers.Dropout(0.2), layers.Dense(16, activation="relu", name="b"),
              layers.Dense(3, activation="softmax"))
    assert only(model_findings(bad, X, y), "K402")[0].evidence["pairs"] == [["a", "b"]]
    before_softmax = seq(layers.Dense(16, activation="relu"), layers.Dense(3), layers.Softmax())
    assert only(model_findings(before_softmax, X, y), "K402") == []


def test_double_activation(data):
    X, y = data
    model = seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="relu"), layers.Softmax())
    found = only(model_findings(model, X, y), "K403")
    assert found and "softmax" in found[0].evidence["pairs"][0][1]


@pytest.mark.parametrize("loss", [
    "sparse_categorical_crossentropy",
    keras.losses.sparse_categorical_crossentropy,
    keras.losses.SparseCategoricalCrossentropy(),
    functools.partial(keras.losses.sparse_categorical_crossentropy, from_logits=False),
])
def test_linear_output_with_probability_loss_in_every_loss_form(data, loss):
    X, y = data
    found = only(model_findings(seq(layers.Dense(16, activation="relu"), layers.Dense(3), loss=loss), X, y),
                 "K404")
    assert found and found[0].severity == "error" and found[0].evidence["activation"] == "linear"


def test_from_logits_on_probabilities(data):
    X, y = data
    model = seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax"),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    found = only(model_findings(model, X, y), "K405")
    assert found and found[0].evidence["from_logits"] is True


def test_activation_and_loss_mismatches(data):
    X, y = data
    one_hot = np.eye(3, dtype="float32")[y]
    softmax_bce = seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax"),
                      loss="binary_crossentropy")
    assert "K406" in codes(model_findings(softmax_bce, X, one_hot))
    sigmoid_cce = seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="sigmoid"),
                      loss="categorical_crossentropy")
    assert "K407" in codes(model_findings(sigmoid_cce, X, one_hot))
    single_softmax = seq(layers.Dense(16, activation="relu"), layers.Dense(1, activation="softmax"),
                         loss="binary_crossentropy")
    found = only(model_findings(single_softmax, X, y % 2), "K408")
    assert found and found[0].severity == "error"


def test_output_width_against_the_labels(data):
    X, y = data
    narrow = seq(layers.Dense(16, activation="relu"), layers.Dense(2, activation="softmax"))
    found = only(model_findings(narrow, X, y), "K409")
    assert found and found[0].evidence["label_max"] == 2 and found[0].evidence["units"] == 2
    one_unit_cce = seq(layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid"),
                       loss="categorical_crossentropy")
    assert "always 0" in only(model_findings(one_unit_cce, X, (y % 2)[:, None]), "K409")[0].message
    regression = seq(layers.Dense(16, activation="relu"), layers.Dense(4), loss="mse")
    assert only(model_findings(regression, X, X[:, 0]), "K409")
    # a class that only the validation labels have still needs a unit
    three = seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax"))
    y_val = np.full(20, 3)
    assert only(model_findings(three, X, y, validation_data=(X[:20], y_val)), "K409")
    wide = seq(layers.Dense(16, activation="relu"), layers.Dense(5, activation="softmax"))
    assert only(model_findings(wide, X, y), "K409") == []  # unused extra classes are allowed


def test_labels_incompatible_with_the_loss(data):
    X, y = data
    sparse = seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax"))
    found = only(model_findings(sparse, X, np.eye(3)[y]), "K410")
    assert found and found[0].evidence["label_kind"] == "onehot"
    categorical = seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax"),
                      loss="categorical_crossentropy")
    assert only(model_findings(categorical, X, y), "K410")[0].evidence["label_kind"] == "integer"
    binary = seq(layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid"),
                 loss="binary_crossentropy")
    assert "3 classes" in only(model_findings(binary, X, y), "K410")[0].message


@pytest.mark.parametrize(("activation", "labels", "fires"), [
    ("sigmoid", np.linspace(0, 5, 600), True),
    ("sigmoid", np.linspace(0, 1, 600), False),
    ("tanh", np.linspace(-2, 1, 600), True),
    ("relu", np.linspace(-1, 3, 600), True),
    ("relu", np.linspace(0, 300, 600), False),
    ("linear", np.linspace(-1e6, 1e6, 600), False),
])
def test_label_range_outside_the_output_range(data, activation, labels, fires):
    X, _ = data
    model = seq(layers.Dense(16, activation="relu"), layers.Dense(1, activation=activation), loss="mse")
    assert bool(only(model_findings(model, X, labels), "K411")) is fires


def test_dropout_rate_and_order(data):
    X, y = data
    model = seq(layers.Dense(16, activation="relu"), layers.Dropout(0.8, name="heavy"),
                layers.BatchNormalization(name="bn"), layers.Dense(3, activation="softmax"))
    found = model_findings(model, X, y)
    assert only(found, "K412")[0].evidence["rates"] == {"heavy.rate": 0.8}
    assert only(found, "K413")[0].evidence["pairs"] == [["heavy", "bn"]]
    recurrent = seq(layers.LSTM(8, recurrent_dropout=0.7), layers.Dense(3, activation="softmax"))
    assert only(model_findings(recurrent, np.zeros((10, 5, 2), "float32"), y[:10]), "K412")


def test_transfer_learning_head_is_found_inside_nested_models(data):
    base = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu")], name="base")
    base.trainable = False
    model = seq(base, layers.Dense(3))  # linear head, probability loss
    head = kg.output_head(model)
    assert head.units == 3 and head.activation == "linear"
    X, y = data
    assert "K404" in codes(model_findings(model, X, y))


def test_unknown_losses_and_unreadable_labels_stay_silent(data):
    X, y = data

    def my_loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred))

    custom = seq(layers.Dense(16, activation="relu"), layers.Dense(3), loss=my_loss)
    assert alarms(model_findings(custom, X, y)) == []
    sparse = seq(layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax"))
    assert keras_labels.label_summary(iter(y)) is None
    assert alarms(model_findings(sparse, X, None)) == []


def test_sequence_tagging_labels_are_one_class_id_per_step(rng):
    tokens = rng.normal(size=(64, 10, 4)).astype("float32")
    tags = rng.integers(0, 5, size=(64, 10))
    binary_tags = rng.integers(0, 2, size=(64, 10))
    for unbuilt in (True, False):
        first = [] if unbuilt else [keras.Input((10, 4))]
        tagger = seq(*first, layers.LSTM(8, return_sequences=True), layers.Dense(5, activation="softmax"))
        assert alarms(model_findings(tagger, tokens, tags)) == []
        two = seq(*first, layers.LSTM(8, return_sequences=True), layers.Dense(2, activation="softmax"))
        assert alarms(model_findings(two, tokens, binary_tags)) == []
        narrow = seq(*first, layers.LSTM(8, return_sequences=True), layers.Dense(4, activation="softmax"))
        assert only(model_findings(narrow, tokens, tags), "K409")
        categorical = seq(*first, layers.LSTM(8, return_sequences=True), layers.Dense(5, activation="softmax"),
                          loss="categorical_crossentropy")
        assert only(model_findings(categorical, tokens, tags), "K410")

