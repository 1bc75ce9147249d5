"""Reading a sample of a seeded, reshuffling pipeline leaves its order for training untouched."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from kepler_jupyter.adapters.tf_pipeline import sample_dataset  # noqa: E402
from kepler_jupyter.adapters.tf_sampling_copy import sampling_copy  # noqa: E402

X = np.arange(40, dtype="float32").reshape(20, 2)
Y = np.arange(20)


def _pipeline(seed=None, reshuffle=True):
    return (tf.data.Dataset.from_tensor_slices((X, Y))
            .shuffle(20, seed=seed, reshuffle_each_iteration=reshuffle).batch(4)
            .map(lambda a, b: (a * 2.0, b), num_parallel_calls=2).prefetch(2))


def _order(dataset) -> list[list[int]]:
    return [batch[1].numpy().tolist() for batch in dataset]


@pytest.mark.parametrize("global_seed", [None, 0])
def test_a_sample_leaves_a_seeded_shuffle_s_first_order_to_training(global_seed):
    tf.random.set_seed(global_seed)
    untouched = _order(_pipeline(seed=1))
    tf.random.set_seed(global_seed)
    data = _pipeline(seed=1)
    sample = sample_dataset(data, 2)
    assert _order(data) == untouched
    x, y, _ = sample.batches[0]
    np.testing.assert_array_equal(x, X[y] * 2.0)  # the map above the shuffle still applies
    tf.random.set_seed(None)


def test_only_pipelines_whose_reads_change_them_are_copied():
    tf.random.set_seed(None)
    plain = _pipeline()
    assert sampling_copy(plain) is plain  # unseeded: every order is random anyway
    fixed = _pipeline(seed=1, reshuffle=False)
    assert sampling_copy(fixed) is fixed
    seeded = _pipeline(seed=1)
    assert sampling_copy(seeded) is not seeded
    cached = (tf.data.Dataset.from_tensor_slices(X).shuffle(20, seed=1).cache().batch(4))
    assert sampling_copy(cached) is None  # not rebuilt: left unread (K315 says why)
    assert "seeded" in sample_dataset(cached, 2).skipped
