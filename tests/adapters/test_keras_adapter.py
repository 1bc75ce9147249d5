"""The Keras adapter on real Keras 3 models: Sequential, functional with two inputs, subclassed."""

from __future__ import annotations

import json
import math

import keras
import numpy as np
import tensorflow as tf

from kepler_jupyter import adapters
from kepler_jupyter.adapters import keras as keras_adapter

from .models import sequential_classifier, two_input_model


def _json_roundtrip(value):
    """The value must be plain JSON (no NaN either): this raises otherwise."""
    return json.loads(json.dumps(value, allow_nan=False))


def _classification_data(rng, n=24):
    X = rng.normal(size=(n, 4)).astype("float32")
    y = rng.integers(0, 3, size=n)
    return X, y


def test_framework_and_module():
    model = sequential_classifier(keras)
    assert adapters.framework_of(model) == adapters.framework_of(model, by_looks=True) == "keras"
    adapter = adapters.get("keras")
    for name in (
        "split_fit_arguments",
        "describe_model",
        "describe_settings",
        "describe_data",
        "collect_results",
    ):
        assert callable(getattr(adapter, name))


def test_sequential_description_matches_the_model():
    model = sequential_classifier(keras)
    description = keras_adapter.describe_model(model)
    _json_roundtrip(description)
    assert description["class"] == "Sequential"
    assert description["built"] is True and description["compiled"] is True
    assert description["n_params"] == model.count_params() == 4 * 8 + 8 + 8 * 3 + 3
    assert description["n_trainable_params"] == model.count_params()
    dense, dropout, output = description["layers"]
    assert (dense["class"], dense["units"], dense["activation"]) == ("Dense", 8, "relu")
    assert dense["output_shape"] == [None, 8] and dense["n_params"] == 40
    assert dense["kernel_initializer"] == "GlorotUniform"
    assert (dropout["class"], dropout["rate"]) == ("Dropout", 0.2)
    assert (output["units"], output["activation"], output["output_shape"]) == (
        3,
        "softmax",
        [None, 3],
    )
    assert [layer["class_name"] for layer in description["config"]["layers"]] == [
        "InputLayer",
        "Dense",
        "Dropout",
        "Dense",
    ]


def test_unbuilt_model_is_described_with_what_is_known():
    model = keras.Sequential([keras.layers.Dense(5, activation="relu"), keras.layers.Dense(1)])
    description = keras_adapter.describe_model(model)
    assert description["built"] is False
    assert description["n_params"] is None
    assert [layer["units"] for layer in description["layers"]] == [5, 1]
    assert all(
        layer["output_shape"] is None and layer["n_params"] is None
        for layer in description["layers"]
    )
    assert model.built is False  # describing did not build it


def test_settings_of_a_fit(rng):
    model = sequential_classifier(keras)
    X, y = _classification_data(rng)
    early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)
    kwargs = {
        "x": X,
        "y": y,
        "epochs": 2,
        "validation_split": 0.25,
        "callbacks": [early, keras.callbacks.CSVLogger("log.csv")],
    }
    data = keras_adapter.split_fit_arguments(model, (), kwargs)
    params = keras_adapter.describe_settings(model, kwargs, data)
    _json_roundtrip(params)
    assert params["epochs"] == 2
    assert params["batch_size"] == 32  # Keras' default for arrays
    assert params["validation_split"] == 0.25 and params["has_validation_data"] is False
    assert params["optimizer"] == "adam"
    assert math.isclose(params["learning_rate"], 1e-3, rel_tol=1e-6)
    assert params["optimizer_config"]["beta_1"] == 0.9
    assert params["optimizer_iterations"] == 0
    assert params["loss"] == "sparse_categorical_crossentropy"
    assert params["metrics"] == ["accuracy"]
    assert params["callbacks"] == ["EarlyStopping", "CSVLogger"]
    assert params["callback_settings"][0]["settings"]["patience"] == 3
    assert params["callback_settings"][0]["settings"]["monitor"] == "val_loss"


def test_loss_object_schedule_and_positional_arguments(rng):
    model = two_input_model(keras)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    model.compile(
        optimizer=keras.optimizers.SGD(schedule),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    bound = keras_adapter.bind_fit_arguments(({"a": 1}, None, 16, 3), {})
    assert (bound["batch_size"], bound["epochs"], bound["shuffle"]) == (16, 3, True)
    data = keras_adapter.split_fit_arguments(model, ({"a": 1}, None, 16, 3), {})
    params = keras_adapter.describe_settings(model, bound, data)
    assert params["batch_size"] == 16 and params["epochs"] == 3
    assert params["optimizer"] == "sgd"
    assert params["learning_rate"]["class_name"] == "ExponentialDecay"
    assert params["learning_rate"]["config"]["initial_learning_rate"] == 0.1
    assert params["loss"]["class"] == "BinaryCrossentropy"
    assert params["loss"]["config"]["from_logits"] is True


def test_two_input_functional_fit(rng):
    model = two_input_model(keras)
    x = {
        "a": rng.normal(size=(16, 3)).astype("float32"),
        "b": rng.normal(size=(16, 2)).astype("float32"),
    }
    y = rng.integers(0, 2, size=(16, 1)).astype("float32")
    x_val = {"a": x["a"][:4], "b": x["b"][:4]}
    kwargs = {
        "x": x,
        "y": y,
        "epochs": 2,
        "verbose": 0,
        "validation_data": (x_val, y[:4], np.ones(4)),
    }
    data = keras_adapter.split_fit_arguments(model, (), kwargs)
    assert data.validation[0] is x_val and data.validation[1] is not None

    description = keras_adapter.describe_data(data)
    _json_roundtrip(description)
    assert description["input_kind"] == "dict"
    assert description["input_shape"] == {"a": [3], "b": [2]}
    assert description["n_samples"] == 16 and description["n_features"] == 5
    assert description["target_type"] == "binary"
    assert sum(description["label_distribution"].values()) == 16
    assert description["validation"]["source"] == "validation_data"
    assert description["validation"]["n_samples"] == 4
    assert all(description["fingerprints"][key] for key in ("X", "y", "validation"))

    model_description = keras_adapter.describe_model(model)
    assert model_description["class"] == "Functional"
    assert model_description["subclassed"] is False
    assert {layer["class"] for layer in model_description["layers"]} == {
        "InputLayer",
        "Concatenate",
        "Dense",
    }
    params = keras_adapter.describe_settings(model, kwargs, data)
    assert params["has_validation_data"] is True and params["metrics"] == ["auc"]

    result = model.fit(**kwargs)
    history, metrics = keras_adapter.collect_results(model, result, data)
    _json_roundtrip([history, metrics])
    assert set(history) == {"loss", "auc", "val_loss", "val_auc"}
    assert all(len(values) == 2 for values in history.values())
    assert metrics["loss"] == history["loss"][-1]


class TwoLayerNet(keras.Model):
    """A subclassed model whose get_config holds only its constructor argument."""

    def __init__(self, hidden: int = 6, **kwargs):
        super().__init__(**kwargs)
        self.hidden_layer = keras.layers.Dense(hidden, activation="relu")
        self.output_layer = keras.layers.Dense(1)

    def call(self, inputs):
        return self.output_layer(self.hidden_layer(inputs))


def test_subclassed_model_before_and_after_fit(rng):
    model = TwoLayerNet()
    model.compile(optimizer="adam", loss="mse")
    description = keras_adapter.describe_model(model)
    _json_roundtrip(description)
    assert description["subclassed"] is True
    assert description["built"] is False and description["n_params"] is None
    assert [layer["class_name"] for layer in description["config"]["layers"]] == ["Dense", "Dense"]
    assert description["config"]["init_config"]["hidden"] == 6
    assert description["code_fingerprint"]

    X = rng.normal(size=(8, 3)).astype("float32")
    model.fit(X, X[:, 0], epochs=1, verbose=0)
    after = keras_adapter.describe_model(model)
    assert after["built"] is True
    assert after["n_params"] == model.count_params() == 3 * 6 + 6 + 6 + 1
    assert after["code_fingerprint"] == description["code_fingerprint"]


def test_describing_changes_nothing(rng):
    model = sequential_classifier(keras)
    X, y = _classification_data(rng)
    weights = [w.copy() for w in model.get_weights()]
    X_copy, y_copy = X.copy(), y.copy()
    kwargs = {"x": X, "y": y, "epochs": 1, "validation_split": 0.2}
    data = keras_adapter.split_fit_arguments(model, (), kwargs)
    keras_adapter.describe_model(model)
    keras_adapter.describe_settings(model, kwargs, data)
    keras_adapter.describe_data(data)
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights(), strict=True))
    assert np.array_equal(X, X_copy) and np.array_equal(y, y_copy)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_tf_data_and_generators_are_never_iterated(rng):
    X, y = _classification_data(rng, n=20)
    dataset = tf.data.Dataset.from_tensor_slices((X, y)).batch(5)
    data = keras_adapter.split_fit_arguments(None, (dataset,), {"validation_data": dataset})
    description = keras_adapter.describe_data(data)
    _json_roundtrip(description)
    assert description["input_kind"] == "tf.data.Dataset"
    assert description["n_batches"] == 4
    assert description["input_shape"] == [4] and description["dtype"] == "float32"
    assert description["element_spec"][0]["shape"] == [None, 4]
    assert description["fingerprints"]["X"] is None
    assert description["fingerprints"]["complete"] is False
    assert sum(1 for _ in dataset) == 4  # still whole

    def batches():
        yield X[:5], y[:5]
        yield X[5:10], y[5:10]

    generator = batches()
    described = keras_adapter.describe_data(
        keras_adapter.split_fit_arguments(None, (generator,), {})
    )
    assert described["input_kind"] == "generator"
    assert described["fingerprints"]["X"] is None
    first_x, _ = next(generator)  # nothing was consumed
    assert np.array_equal(first_x, X[:5])
    params = keras_adapter.describe_settings(
        sequential_classifier(keras),
        {"x": generator},
        keras_adapter.split_fit_arguments(None, (generator,), {}),
    )
    assert params["batch_size"] is None  # the generator decides


def test_one_hot_labels_and_validation_split(rng):
    X, labels = _classification_data(rng, n=30)
    y = np.eye(3)[labels]
    data = keras_adapter.split_fit_arguments(None, (X, y), {"validation_split": 0.2})
    description = keras_adapter.describe_data(data)
    assert description["target_type"] == "onehot"
    assert description["n_classes"] == 3
    assert description["label_distribution"] == {str(k): int((labels == k).sum()) for k in range(3)}
    assert description["validation"]["source"] == "validation_split"
    assert description["validation"]["n_samples"] == 30 - math.floor(30 * 0.8)
    assert description["n_train_samples"] == 24
    tail = labels[24:]
    assert description["validation"]["label_distribution"] == {
        str(k): int((tail == k).sum()) for k in range(3) if (tail == k).any()
    }


def test_collect_results_turns_nan_into_none_and_falls_back_to_model_history(rng):
    history_callback = keras.callbacks.History()
    history_callback.history = {
        "loss": [0.5, float("nan"), np.float32(0.25)],
        "accuracy": [0.5, 0.6, float("inf")],
    }
    history, metrics = keras_adapter.collect_results(None, history_callback, None)
    assert history == {"loss": [0.5, None, 0.25], "accuracy": [0.5, 0.6, None]}
    assert metrics == {"loss": 0.25, "accuracy": None}
    _json_roundtrip([history, metrics])

    model = sequential_classifier(keras)
    X, y = _classification_data(rng)
    model.fit(X, y, epochs=2, verbose=0)
    history, metrics = keras_adapter.collect_results(model, None, None)  # the fit's result was lost
    assert len(history["loss"]) == 2 and "accuracy" in metrics
    assert keras_adapter.collect_results(None, None, None) == ({}, {})


def test_fit_arguments_at_their_default_change_no_setting(rng):
    # fit(x, y) and fit(x, y, every other argument at the default Keras gives it) train alike
    import inspect

    from kepler_jupyter.fingerprint import fingerprint_settings

    model = sequential_classifier(keras)
    X, y = _classification_data(rng)
    defaults = {name: parameter.default
                for name, parameter in inspect.signature(model.fit).parameters.items()
                if name not in ("x", "y") and parameter.default is not inspect.Parameter.empty}
    assert {"batch_size", "epochs", "shuffle", "sample_weight", "validation_freq"} <= set(defaults)
    plain = {"x": X, "y": y}
    explicit = {**plain, **defaults}
    settings = [keras_adapter.describe_settings(model, kwargs, keras_adapter.split_fit_arguments(model, (), kwargs))
                for kwargs in (plain, explicit)]
    assert settings[0] == settings[1]
    assert fingerprint_settings(settings[0]) == fingerprint_settings(settings[1])
    longer = {**plain, "epochs": 2}
    other = keras_adapter.describe_settings(model, longer, keras_adapter.split_fit_arguments(model, (), longer))
    assert fingerprint_settings(other) != fingerprint_settings(settings[0])
