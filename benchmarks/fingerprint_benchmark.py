"""Data fingerprint throughput on a 400 MB float32 array (1,000,000 x 100).

Prints, for the same buffer, the time and throughput of

* single-threaded whole-buffer hashes from ``hashlib`` (blake2b, sha1, sha256, md5) on a
  zero-copy memoryview: the candidates for kepler's hash;
* ``kepler_jupyter.fingerprint.fingerprint_data`` (SHA-1 over 4 MiB leaves hashed in
  parallel threads, combined with blake2b) on the C-ordered array, a Fortran-ordered copy
  (hashed in logical order, 4 MiB blocks copied at a time), a pandas DataFrame built the
  usual way (``pd.DataFrame(array)``, contiguous columns) and a scipy CSR matrix;
* ``hash_json`` of a typical model description, for scale.

Target (issue): well under a second for 400 MB. Run: ``python benchmarks/fingerprint_benchmark.py
[--rows 1000000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def best_of(function: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other processes)."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def report(label: str, seconds: float, nbytes: int) -> None:
    print(f"  {label:<44} {seconds * 1000:8.1f} ms  {nbytes / seconds / 1e6:8.0f} MB/s")


def time_layouts(data: np.ndarray, repeat: int) -> None:
    """The same values as a Fortran-ordered copy and as a DataFrame (one copy alive at a time)."""
    time_fortran_order(data, repeat)
    time_dataframe(data, repeat)


def time_fortran_order(data: np.ndarray, repeat: int) -> None:
    from kepler_jupyter.fingerprint import fingerprint_data

    fortran = np.asfortranarray(data)
    seconds = best_of(lambda: fingerprint_data(fortran), repeat)
    report("ndarray, Fortran order (same hash)", seconds, data.nbytes)
    assert fingerprint_data(fortran) == fingerprint_data(data)


def time_dataframe(data: np.ndarray, repeat: int) -> None:
    import pandas as pd

    from kepler_jupyter.fingerprint import fingerprint_data

    frame = pd.DataFrame(data, columns=[f"f{i}" for i in range(data.shape[1])])
    report("pandas DataFrame", best_of(lambda: fingerprint_data(frame), repeat), data.nbytes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()

    from kepler_jupyter.fingerprint import fingerprint_data, hash_json

    data = np.random.default_rng(0).random((arguments.rows, arguments.columns), dtype=np.float32)
    nbytes = data.nbytes
    print(f"array: {data.shape} float32, {nbytes / 1e6:.0f} MB; {os.cpu_count()} CPUs")

    print("hashlib, one thread, whole buffer (zero-copy memoryview):")
    view = memoryview(data.reshape(-1).view(np.uint8))
    for name in ("blake2b", "sha1", "sha256", "md5"):
        seconds = best_of(lambda name=name: hashlib.new(name, view).digest(), arguments.repeat)
        report(name, seconds, nbytes)

    print("kepler_jupyter.fingerprint.fingerprint_data:")
    report("ndarray, C order", best_of(lambda: fingerprint_data(data), arguments.repeat), nbytes)
    time_layouts(data, arguments.repeat)

    import scipy.sparse as sp

    sparse = sp.random(
        arguments.rows,
        arguments.columns,
        density=0.1,
        format="csr",
        dtype=np.float32,
        random_state=0,
    )
    sparse_bytes = sparse.data.nbytes + sparse.indices.nbytes + sparse.indptr.nbytes
    report(
        "scipy CSR, density 0.1",
        best_of(lambda: fingerprint_data(sparse), arguments.repeat),
        sparse_bytes,
    )

    description = {
        "class": "Sequential",
        "config": {"layers": [{"class_name": "Dense", "config": {"units": 64}}] * 20},
    }
    seconds = best_of(lambda: hash_json(description), 100)
    print(f"hash_json of a 20-layer model description: {seconds * 1e6:.0f} us")


if __name__ == "__main__":
    main()
