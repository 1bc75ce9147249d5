"""Unusual fit inputs never make a check fail internally (no K000) and give sensible findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

from kepler_jupyter import checks

from .check_helpers import make_mlp

keras = pytest.importorskip("keras")


def internal_failures(findings):
    return [f.message for f in findings if f.code == "K000"]


def run(model, X, y=None, **kwargs):
    return checks.run(model, X, y, config={}, **kwargs)


def test_datasets_and_generators_are_skipped_quietly(blobs):
    import tensorflow as tf

    X, y = blobs
    dataset = tf.data.Dataset.from_tensor_slices((X, y)).batch(32)
    assert internal_failures(run(make_mlp(), dataset, epochs=3)) == []

    def batches():
        while True:
            yield X[:32], y[:32]

    assert internal_failures(run(make_mlp(), batches(), steps_per_epoch=5, epochs=3)) == []
    found = run(make_mlp(), X, y, validation_data=tf.data.Dataset.from_tensor_slices((X, y)).batch(32), epochs=3)
    assert internal_failures(found) == [] and "K105" not in {f.code for f in found}


def test_multi_input_dict_and_list(blobs):
    X, y = blobs
    left, right = keras.Input((8,), name="left"), keras.Input((4,), name="right")
    merged = keras.layers.Concatenate()([keras.layers.Dense(8, activation="relu")(left), right])
    model = keras.Model([left, right], keras.layers.Dense(3, activation="softmax")(merged))
    model.compile("adam", "sparse_categorical_crossentropy")
    right_values = np.random.default_rng(0).normal(size=(len(X), 4)).astype("float32")
    for inputs in ({"left": X, "right": right_values}, [X, right_values]):
        found = run(model, inputs, y, epochs=3)
        assert internal_failures(found) == []
    # a duplicate row must repeat in every input to count
    doubled = {"left": np.vstack([X, X[:50]]), "right": np.vstack([right_values, right_values[:50]])}
    assert "K303" in {f.code for f in run(model, doubled, np.r_[y, y[:50]], epochs=3)}
    half = {"left": np.vstack([X, X[:50]]), "right": np.vstack([right_values, right_values[50:100]])}
    assert "K303" not in {f.code for f in run(model, half, np.r_[y, y[:50]], epochs=3)}


def test_lists_series_strings_and_one_dimensional_inputs(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "bird"])[y]
    found = run(DecisionTreeClassifier(), X.tolist(), pd.Series(names))
    assert internal_failures(found) == []
    imbalanced = np.where(np.arange(len(y)) < 20, "rare", "common")
    found = run(LogisticRegression(), X, imbalanced)
    assert [f.evidence["counts"] for f in found if f.code == "K321"] == [{"common": 580, "rare": 20}]
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    assert internal_failures(run(model, X[:, 0], X[:, 1], epochs=3)) == []


def test_sparse_text_features_and_unsupervised_estimators(blobs):
    X, _ = blobs
    texts = ["the cat sat", "a dog ran", "birds fly high", "the dog sat"] * 50
    labels = np.arange(200) % 2
    found = run(make_pipeline(TfidfVectorizer(), LogisticRegression()), texts, labels)
    assert internal_failures(found) == []
    sparse = scipy.sparse.random(200, 30, density=0.1, format="csr", random_state=0)
    assert internal_failures(run(LogisticRegression(), sparse, labels)) == []
    assert internal_failures(run(KMeans(n_clusters=3, n_init=1), X)) == []


def test_sequences_and_float16_images(rng):
    sequences = rng.normal(size=(200, 12, 3)).astype("float32")
    model = keras.Sequential([keras.Input((12, 3)), keras.layers.LSTM(4), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    assert internal_failures(run(model, sequences, rng.normal(size=200), epochs=3)) == []
    images = (rng.random((64, 8, 8, 3)) * 255).astype("float16")
    cnn = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    cnn.compile("adam", "sparse_categorical_crossentropy")
    found = run(cnn, images, np.arange(64) % 2, epochs=3)
    assert internal_failures(found) == [] and "K306" in {f.code for f in found}


def test_non_contiguous_and_fortran_arrays_hash_like_c_arrays(blobs):
    X, y = blobs
    doubled = np.vstack([X, X[:40]])
    labels = np.r_[y, y[:40]]
    for variant in (np.asfortranarray(doubled), np.hstack([doubled, doubled])[:, ::2]):
        found = [f for f in run(DecisionTreeClassifier(), variant, labels) if f.code == "K303"]
        assert found and found[0].evidence["duplicates"] == 40
