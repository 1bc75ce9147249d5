"""Fingerprints: equal for the same experiment, different as soon as anything that matters changes."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kepler_jupyter import fingerprint as fp
from kepler_jupyter.fingerprint import (
    experiment_fingerprint,
    fingerprint_data,
    fingerprint_model,
    fingerprint_settings,
)


@pytest.fixture
def array():
    return np.random.default_rng(0).normal(size=(500, 20)).astype("float32")


# ----------------------------------------------------------------------------------- data


def test_same_values_same_hash_any_memory_layout(array):
    digest = fingerprint_data(array)
    assert isinstance(digest, str) and len(digest) == 2 * fp.DIGEST_SIZE
    assert fingerprint_data(array.copy()) == digest
    assert fingerprint_data(np.asfortranarray(array)) == digest
    padded = np.zeros((500, 40), dtype="float32")
    padded[:, ::2] = array
    assert fingerprint_data(padded[:, ::2]) == digest  # a strided view of the same values


def test_one_changed_value_dtype_or_shape_changes_the_hash(array):
    digest = fingerprint_data(array)
    changed = array.copy()
    changed[250, 7] += 1e-3
    assert fingerprint_data(changed) != digest
    assert fingerprint_data(array.astype("float64")) != digest
    assert fingerprint_data(array.reshape(1000, 10)) != digest
    assert fingerprint_data(array[::-1]) != digest  # row order is part of the data


def test_large_arrays_hash_in_parallel_leaves_and_catch_a_change_at_the_end():
    big = np.zeros((fp.PARALLEL_MIN_BYTES // 8 + 1000,), dtype="float64")
    digest = fingerprint_data(big)
    big[-1] = 1.0
    assert fingerprint_data(big) != digest
    big[-1] = 0.0
    assert fingerprint_data(big) == digest


def test_dataframes_series_and_lists():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]})
    digest = fingerprint_data(frame)
    assert fingerprint_data(frame.set_axis([10, 11, 12])) == digest  # fit never sees the index
    assert fingerprint_data(frame.rename(columns={"a": "A"})) != digest
    changed = frame.copy()
    changed.loc[1, "b"] = "w"
    assert fingerprint_data(changed) != digest
    assert fingerprint_data(frame.astype({"a": "float32"})) != digest
    assert fingerprint_data(frame["b"]) != fingerprint_data(frame["b"].rename("c"))
    assert fingerprint_data([1, 2, 3]) == fingerprint_data(np.array([1, 2, 3]))
    assert fingerprint_data(["spam", "eggs"]) != fingerprint_data(["spam", "ham"])
    assert fingerprint_data(np.array(["a", 1], dtype=object)) is not None


def test_sparse_and_multi_input_structures(array):
    matrix = sp.csr_matrix(np.where(array > 1, array, 0))
    digest = fingerprint_data(matrix)
    assert digest is not None and fingerprint_data(matrix.copy()) == digest
    changed = matrix.copy()
    changed.data[0] += 1
    assert fingerprint_data(changed) != digest
    assert fingerprint_data(matrix.tocoo()) is not None

    inputs = {"a": array[:, :3], "b": array[:, 3:]}
    assert fingerprint_data(inputs) == fingerprint_data({"b": array[:, 3:], "a": array[:, :3]})
    assert fingerprint_data(inputs) != fingerprint_data({"a": array[:, 3:], "b": array[:, :3]})
    assert fingerprint_data([array, array[:, :2]]) != fingerprint_data([array[:, :2], array])


def test_streams_and_none_are_not_hashed():
    generator = (i for i in range(3))
    assert fingerprint_data(generator) is None
    assert next(generator) == 0  # not consumed
    assert fingerprint_data(iter([1, 2])) is None
    assert fingerprint_data(None) is None


# ---------------------------------------------------------------------------------- model


def _sequential(keras, units=8, names=(None, None), seed=None):
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(
                units,
                activation="relu",
                name=names[0],
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
            ),
            keras.layers.Dense(3, activation="softmax", name=names[1]),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _functional(keras, activation="tanh"):
    a, b = keras.Input((3,)), keras.Input((2,))
    hidden = keras.layers.Dense(4, activation=activation)(keras.layers.Concatenate()([a, b]))
    return keras.Model([a, b], keras.layers.Dense(1)(hidden))


def test_rebuilt_or_renamed_keras_models_keep_their_fingerprint():
    import keras

    from kepler_jupyter.adapters.keras import describe_model

    first = describe_model(_sequential(keras))
    second = describe_model(_sequential(keras))
    assert first["layers"][0]["name"] != second["layers"][0]["name"]  # auto names dense / dense_2
    assert fingerprint_model(first) == fingerprint_model(second)
    assert fingerprint_model(
        describe_model(_sequential(keras, names=("hidden", "out")))
    ) == fingerprint_model(first)
    assert fingerprint_model(describe_model(_sequential(keras, seed=42))) == fingerprint_model(
        first
    )
    assert fingerprint_model(describe_model(_sequential(keras, units=16))) != fingerprint_model(
        first
    )

    functional = fingerprint_model(describe_model(_functional(keras)))
    assert fingerprint_model(describe_model(_functional(keras))) == functional
    assert fingerprint_model(describe_model(_functional(keras, activation="relu"))) != functional


def test_subclassed_models_differ_when_their_code_does():
    import keras

    from kepler_jupyter.adapters.keras import describe_model

    def make_class(double: bool):
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = keras.layers.Dense(2)

            if double:

                def call(self, inputs):
                    return self.dense(inputs) * 2.0
            else:

                def call(self, inputs):
                    return self.dense(inputs)

        return Net

    plain, doubled = make_class(False), make_class(True)
    assert fingerprint_model(describe_model(plain())) == fingerprint_model(describe_model(plain()))
    assert fingerprint_model(describe_model(plain())) != fingerprint_model(
        describe_model(doubled())
    )


def test_sklearn_model_fingerprint_ignores_seeds_noise_and_fitted_state():
    from sklearn.linear_model import LogisticRegression

    from kepler_jupyter.adapters.sklearn import describe_model

    base = fingerprint_model(describe_model(LogisticRegression(C=1.0)))
    assert (
        fingerprint_model(describe_model(LogisticRegression(C=1.0, random_state=3, n_jobs=2)))
        == base
    )
    assert fingerprint_model(describe_model(LogisticRegression(C=2.0))) != base
    model = LogisticRegression(C=1.0).fit(np.eye(4), [0, 1, 0, 1])
    assert fingerprint_model(describe_model(model)) == base  # re-running fit on the same object


# ------------------------------------------------------------------------------- settings


KERAS_SETTINGS = {
    "epochs": 10,
    "batch_size": 32,
    "validation_split": 0.2,
    "has_validation_data": False,
    "shuffle": True,
    "initial_epoch": 0,
    "steps_per_epoch": None,
    "class_weight": None,
    "seed": None,
    "optimizer": "adam",
    "learning_rate": 0.001,
    "optimizer_iterations": 0,
    "optimizer_config": {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9},
    "loss": "sparse_categorical_crossentropy",
    "metrics": ["accuracy"],
    "callbacks": ["EarlyStopping"],
    "callback_settings": [
        {
            "class": "EarlyStopping",
            "module": "keras.src.callbacks.early_stopping",
            "settings": {"monitor": "val_loss", "patience": 3},
        }
    ],
}


def _changed(**changes):
    settings = copy.deepcopy(KERAS_SETTINGS)
    settings.update(changes)
    return fingerprint_settings(settings)


def test_settings_that_change_training_change_the_hash():
    base = fingerprint_settings(KERAS_SETTINGS)
    assert (
        _changed(
            learning_rate=0.01,
            optimizer_config={"name": "adam", "learning_rate": 0.01, "beta_1": 0.9},
        )
        != base
    )
    assert _changed(epochs=11) != base
    assert _changed(optimizer_iterations=30) != base  # continuing an earlier training
    patience = copy.deepcopy(KERAS_SETTINGS["callback_settings"])
    patience[0]["settings"]["patience"] = 5
    assert _changed(callback_settings=patience) != base
    assert fingerprint_settings(
        {"estimator_params": {"C": 1.0, "random_state": 0}}
    ) != fingerprint_settings({"estimator_params": {"C": 1.0, "random_state": 1}})


def test_logging_only_settings_do_not_change_the_hash():
    base = fingerprint_settings(KERAS_SETTINGS)
    logging = KERAS_SETTINGS["callback_settings"] + [
        {
            "class": "TensorBoard",
            "module": "keras.src.callbacks.tensorboard",
            "settings": {"log_dir": "logs"},
        },
        {
            "class": "KeplerEpochRecorder",
            "module": "kepler_jupyter.adapters.keras_callbacks",
            "settings": {},
        },
    ]
    assert _changed(callback_settings=logging, callbacks=["EarlyStopping", "TensorBoard"]) == base
    assert _changed(metrics=["accuracy", "auc"]) == base
    assert (
        _changed(optimizer_config={"name": "my_adam", "learning_rate": 0.001, "beta_1": 0.9})
        == base
    )
    sklearn = {"estimator_params": {"C": 1.0, "n_jobs": None, "clf__verbose": 0}, "fit_kwargs": {}}
    assert fingerprint_settings(sklearn) == fingerprint_settings(
        {"estimator_params": {"C": 1.0, "n_jobs": 4, "clf__verbose": 2}, "fit_kwargs": {}}
    )


def test_fit_arguments_passed_as_none_are_not_settings():
    # fit(X, y, sample_weight=None) is fit(X, y), whatever path made the settings
    plain = {"estimator_params": {"C": 1.0}, "fit_kwargs": {}}
    assert fingerprint_settings(
        {**plain, "fit_kwargs": {"sample_weight": None, "clf__sample_weight": None}}
    ) == fingerprint_settings(plain)
    assert fingerprint_settings({**plain, "fit_kwargs": {"check_input": False}}) != (
        fingerprint_settings(plain)
    )
    # a None estimator parameter stays a setting: None is often not its default there
    assert fingerprint_settings({"estimator_params": {"C": 1.0, "max_depth": None}}) != (
        fingerprint_settings({"estimator_params": {"C": 1.0}})
    )


# ----------------------------------------------------------------------------- experiment


def test_experiment_fingerprint_combines_the_parts():
    prints = {"X": "a" * 20, "y": "b" * 20, "validation": None, "complete": True}
    result = experiment_fingerprint("m" * 20, prints, "s" * 20)
    assert set(result) == {"experiment", "model", "data", "settings"}
    assert result["data"] and result["experiment"]
    assert experiment_fingerprint("m" * 20, dict(prints), "s" * 20) == result
    assert (
        experiment_fingerprint("m" * 20, {**prints, "y": "c" * 20}, "s" * 20)["experiment"]
        != result["experiment"]
    )
    assert experiment_fingerprint("n" * 20, prints, "s" * 20)["experiment"] != result["experiment"]
    assert experiment_fingerprint("m" * 20, prints, "t" * 20)["experiment"] != result["experiment"]


def test_unhashable_data_never_makes_two_experiments_equal():
    incomplete = {"X": "a" * 20, "y": None, "validation": None, "complete": False}
    assert experiment_fingerprint("m" * 20, incomplete, "s" * 20)["experiment"] is None
    dataset = {"X": None, "y": None, "validation": None, "complete": False}
    result = experiment_fingerprint("m" * 20, dataset, "s" * 20)
    assert result["data"] is None and result["experiment"] is None and result["model"] == "m" * 20


def test_missing_descriptions_give_no_fingerprint():
    assert fingerprint_model(None) is None and fingerprint_model({}) is None
    assert fingerprint_settings(None) is None
    assert (
        experiment_fingerprint(None, {"X": "a" * 20, "complete": True}, "s" * 20)["experiment"]
        is None
    )


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_hashing_large_data_works_in_a_forked_child():
    import multiprocessing

    big = np.arange(fp.PARALLEL_MIN_BYTES // 8 + 10, dtype="float64")
    parent = fingerprint_data(big)  # the parent's thread pool now exists
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        child = pool.apply_async(fingerprint_data, (big,)).get(timeout=60)
    assert child == parent
