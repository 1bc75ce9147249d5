"""Streams fed to Keras' fit: classified first, sampled within bounds, never consumed, identified.

Real tf.data pipelines, PyDatasets and generators, trained by Keras through ``watch()``.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import kepler_jupyter  # noqa: E402
from kepler_jupyter.adapters.streams import MAX_BATCHES  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(256, 6)).astype("float32")
Y = (X[:, 0] > 0).astype("int64")


def _model() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def _pipeline(batch_size: int = 32, factor: float = 1.0) -> tf.data.Dataset:
    return (tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(256)
            .batch(batch_size).map(lambda a, b: (a * factor, b)))


class Batches(keras.utils.PyDataset):
    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int = 32) -> None:
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.served = 0

    def __len__(self) -> int:
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        self.served += 1  # state a sample must not leave behind
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows], self.y[rows]


def _batches_of(x: np.ndarray, y: np.ndarray, size: int = 32):
    for start in range(0, len(x), size):
        yield x[start:start + size], y[start:start + size]


def _fit(data, name: str, **kwargs):
    with kepler_jupyter.watch(name=name, display="none") as run:
        returned = _model().fit(data, epochs=1, verbose=0, **kwargs)
    return returned, run.last


def test_a_generator_is_sampled_and_training_sees_every_batch(project):
    seen: list[int] = []

    def counted():
        for i, batch in enumerate(_batches_of(X, Y)):
            seen.append(i)
            yield batch

    history, record = _fit(counted(), "generator", steps_per_epoch=8)
    assert record["status"] == "completed"
    assert seen == list(range(8))  # each batch pulled once: the sample is replayed, not re-read
    plain = _model().fit(_batches_of(X, Y), epochs=1, verbose=0, steps_per_epoch=8)
    assert history.history["loss"] == pytest.approx(plain.history["loss"])
    stream = record["data"]["stream"]
    assert stream["kind"] == "generator" and stream["sampled_batches"] == MAX_BATCHES
    assert record["data"]["input_shape"] == [6]
    assert record["data"]["fingerprints"]["X"] is not None


def test_a_pydataset_is_indexed_first_middle_last_and_left_as_found(project):
    data = Batches(X, Y)
    history, record = _fit(data, "pydataset")
    assert record["status"] == "completed"
    assert record["data"]["n_batches"] == 8
    assert record["data"]["stream"]["where"] == "first, middle and last batches"
    alone = Batches(X, Y)
    plain = _model().fit(alone, epochs=1, verbose=0)
    assert data.served == alone.served  # the sample's reads left no trace in its state
    assert history.history["loss"] == pytest.approx(plain.history["loss"])


def test_same_pipeline_is_the_same_experiment_and_changes_are_not(project):
    records = {}
    for name, data in [("first", _pipeline()), ("again", _pipeline()),
                       ("batch", _pipeline(batch_size=64)), ("map", _pipeline(factor=2.0))]:
        _, records[name] = _fit(data, name)
    prints = {name: record["fingerprint"]["data"] for name, record in records.items()}
    assert None not in prints.values()
    assert prints["first"] == prints["again"]
    assert records["again"]["duplicate_of"] == records["first"]["id"]
    assert len({prints["first"], prints["batch"], prints["map"]}) == 3
    data = records["first"]["data"]
    assert data["n_batches"] == 8 and data["batch_size"] == 32
    assert data["element_spec"][0]["shape"] == [None, 6]


def test_a_generator_built_pipeline_is_left_alone_with_one_info(project):
    pulled: list[int] = []

    def make():
        for i, batch in enumerate(_batches_of(X, Y)):
            pulled.append(i)
            yield batch

    data = tf.data.Dataset.from_generator(
        make, output_signature=(tf.TensorSpec((None, 6), tf.float32),
                                tf.TensorSpec((None,), tf.int64)))
    _, record = _fit(data, "from_generator")
    assert record["status"] == "completed"
    assert pulled == list(range(8))  # kepler read nothing
    assert record["fingerprint"]["data"] is None and record["fingerprint"]["experiment"] is None
    assert "generator" in record["data"]["stream"]["skipped"]


class EndlessBatches:
    """Like Keras' legacy image iterators: indexable with a huge length, and an endless
    iterator. ``numpy.asarray`` walks such an object item by item."""

    def __len__(self) -> int:
        return 10**9

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return X[:32], Y[:32]

    def __iter__(self) -> EndlessBatches:
        return self

    def __next__(self) -> tuple[np.ndarray, np.ndarray]:
        return X[:32], Y[:32]


def _endless():
    while True:
        yield X[:32], Y[:32]


@pytest.mark.parametrize(("position", "with_checks"), [("x", True), ("y", False),
                                                     ("validation_data", False),
                                                     ("sample_weight", True)])
def test_endless_iterators_in_any_position_never_hang(project, position, with_checks):
    arguments = {"x": X, "y": Y}
    if position == "x":
        arguments = {"x": _endless(), "steps_per_epoch": 2}
    elif position == "validation_data":
        arguments.update(validation_data=(EndlessBatches(), EndlessBatches()), validation_steps=2)
    else:
        arguments[position] = EndlessBatches()  # Keras may refuse it: that is its business
    started = time.perf_counter()
    with kepler_jupyter.watch(name=position, display="none", checks=with_checks):
        try:
            _model().fit(epochs=1, verbose=0, **arguments)
        except Exception:
            pass  # Keras' own refusal of an iterator there is the user's business
    assert time.perf_counter() - started < 60


def test_a_keras_image_iterator_as_validation_data_is_indexed_not_walked(project):
    """The issue's 18 GB case: numpy.asarray walked this iterator through its __getitem__."""
    images = RNG.random((64, 8, 8, 1)).astype("float32")
    labels = (images.mean(axis=(1, 2, 3)) > 0.5).astype("int64")
    flow = tf.keras.preprocessing.image.ImageDataGenerator().flow(images, labels, batch_size=16,
                                                                   seed=0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with kepler_jupyter.watch(name="image-flow", display="none") as run:
        model.fit(images, labels, epochs=1, verbose=0, validation_data=flow)
    validation = run.last["data"]["validation"]
    assert run.last["status"] == "completed"
    assert validation["input_kind"] == "PyDataset" and validation["n_batches"] == 4
    alone = tf.keras.preprocessing.image.ImageDataGenerator().flow(images, labels, batch_size=16,
                                                                    seed=0)
    model.fit(images, labels, epochs=1, verbose=0, validation_data=alone)
    assert flow.total_batches_seen == alone.total_batches_seen  # the sample left no trace
    assert run.last["data"]["fingerprints"]["validation"] is not None


def test_checks_run_on_a_pipeline_sample_and_say_so(project):
    pixels = RNG.integers(0, 256, size=(128, 6)).astype("float32")  # raw 0-255 values
    data = tf.data.Dataset.from_tensor_slices((pixels, Y[:128])).shuffle(128).batch(32)
    _, record = _fit(data, "raw-pipeline")
    (raw,) = [f for f in record["findings"] if f["code"] in ("K306", "K307")]
    # 3 batches, or fewer when a loaded machine makes the time bound stop the sample first
    assert re.search(r"a sample of [123] batch(es)? \(\d+ samples", raw["evidence"]["sample"])
    assert raw["message"].startswith("In training: a sample of ")


def test_a_pydataset_with_nan_batches_blocks_the_fit(project):
    broken = X.copy()
    broken[::40, 1] = np.nan  # in every batch
    with kepler_jupyter.watch(name="nan", display="none") as run:
        with pytest.raises(kepler_jupyter.FitBlocked, match="K301"):
            _model().fit(Batches(broken, Y), epochs=1, verbose=0)
    (nan,) = [f for f in run.last["findings"] if f["code"] == "K301"]
    assert "first, middle and last batches" in nan["evidence"]["sample"]


@pytest.mark.parametrize("form", ["generator", "tf.data", "PyDataset"])
def test_validation_streams_are_checked_and_the_fit_is_unchanged(project, form):
    codes = np.round(X).astype("int64")  # integer inputs in the validation data only

    def validation():
        if form == "generator":
            return _batches_of(codes, Y)
        if form == "tf.data":
            return tf.data.Dataset.from_tensor_slices((codes, Y)).batch(32)
        return Batches(codes, Y)

    with kepler_jupyter.watch(name=form, display="none") as run:
        history = _model().fit(X, Y, epochs=1, verbose=0, validation_data=validation(),
                               validation_steps=8)
    plain = _model().fit(X, Y, epochs=1, verbose=0, validation_data=validation(),
                         validation_steps=8)
    assert run.last["status"] == "completed"
    assert history.history.keys() == plain.history.keys() and "val_loss" in plain.history
    for key, values in plain.history.items():
        assert history.history[key] == pytest.approx(values)
    (integers,) = [f for f in run.last["findings"] if f["code"] == "K313"]
    assert integers["evidence"]["part"] == "validation"
    assert integers["message"].startswith("In the validation data (validation_data, a sample of")


def test_a_seeded_shuffle_trains_in_the_order_it_would_without_kepler(project):
    """A seeded shuffle draws each epoch's order from a generator kept with the dataset: the
    sample is read from a copy, so training still gets the first order, and is checked."""
    pixels = RNG.integers(0, 256, size=(256, 6)).astype("float32")  # unscaled: K306 / K307

    def pipeline() -> tf.data.Dataset:
        keras.utils.set_random_seed(0)  # a global seed: the shuffle's seed is drawn from it
        return (tf.data.Dataset.from_tensor_slices((pixels, Y)).shuffle(256).batch(32)
                .map(lambda a, b: (a, b)))

    data = pipeline()
    with kepler_jupyter.watch(name="seeded", display="none") as run:
        history = _model().fit(data, epochs=2, verbose=0)
    plain = _model().fit(pipeline(), epochs=2, verbose=0)
    assert history.history["loss"] == pytest.approx(plain.history["loss"])
    assert {"K306", "K307"} & {f["code"] for f in run.last["findings"]}  # read, and checked
    assert 1 <= run.last["data"]["stream"]["sampled_batches"] <= MAX_BATCHES
