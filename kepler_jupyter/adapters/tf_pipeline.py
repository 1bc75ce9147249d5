"""A ``tf.data`` pipeline's identity and a bounded sample of its first batches.

A pipeline whose seeded shuffle reshuffles each epoch is sampled through a copy
(``tf_sampling_copy``): reading it would hand training a later epoch's order.

The structure is read from the dataset objects themselves (each transformation keeps its
input dataset and its arguments), not by serialising the dataset graph: that graph embeds the
tensors of ``from_tensor_slices`` and took 0.8 s for 100 MB here. Each transformation counts
with its class, its arguments (batch size, buffer size, seeds given explicitly, flags), its
functions (the traced ``map`` / ``filter`` graph: ops, attributes and constants, with the
names TensorFlow numbers per trace removed), its source tensors (hashed by content; file
names listed) and the size and modification time of the files it names (up to
``STATTED_FILES`` of them, spread over the list). Seeds count only when given explicitly with
no global seed set (``shuffle(n, seed=42)``): under a global seed TensorFlow draws each op's
seed from a generator, so the same pipeline built twice differs there, and an explicit seed
looks the same. What this cannot see: an explicit seed under a global seed, Python state a
function reads at run time through ``tf.py_function`` / ``numpy_function``, files found at run
time (``list_files`` patterns), and a file rewritten with the same size and time.
"""

from __future__ import annotations

import re
from typing import Any

from kepler_jupyter.adapters.streams import Budget, StreamSample, n_rows, split_batch
from kepler_jupyter.adapters.tf_sampling_copy import sampling_copy

#: ops that run Python code inside a pipeline; a generator-built dataset holds one
_PYTHON_OPS = frozenset({"PyFunc", "EagerPyFunc", "PyFuncStateless"})
_SKIPPED_ATTRIBUTES = frozenset(
    {"_input_dataset", "_input_datasets", "_datasets", "_variant_tensor_attr", "_graph_attr",
     "_name", "_structure", "_element_spec", "_metadata",
     # seeds: with a global seed, TensorFlow numbers each op's seed by creation order, so the
     # same pipeline built twice gets other values; an explicit seed is not told apart
     "_seed", "_seed2", "_seed_generator"}
)
#: a source tensor larger than this is hashed, not listed
_LISTED_VALUES = 64
#: TensorFlow's seed for an op given a seed when no global seed is set (random_seed.py)
_DEFAULT_GRAPH_SEED = 87654321
#: dtypes whose host tensors numpy reads in place through DLPack
_DLPACK_DTYPES = frozenset({"float16", "float32", "float64", "int8", "int16", "int32", "int64",
                            "uint8", "uint16", "uint32", "uint64"})
#: files whose size and modification time enter the identity, at most (os.stat each)
STATTED_FILES = 2_000
_TRACE_NUMBER = re.compile(rb"(__inference_[A-Za-z0-9_]*?)_\d+\b")


def sample_dataset(dataset: Any, max_batches: int) -> StreamSample:
    """The first ``max_batches`` elements of ``dataset`` (via ``take``), with its identity."""
    from kepler_jupyter.adapters.data_description import spec_to_json

    sample = StreamSample(kind="tf.data pipeline")
    sample.element_spec = spec_to_json(getattr(dataset, "element_spec", None))
    sample.cardinality = _cardinality(dataset)
    structure = PipelineStructure()
    try:
        structure.read(dataset)
    except Exception:
        structure.unreadable = True
    sample.structure = structure.digest()
    sample.files = structure.files or None
    sample.transformations = [str(part["class"]).strip("_") for part in structure.parts]
    if structure.uses_generator:
        sample.python_generator = True
        sample.skipped = ("it is built on a Python generator (from_generator), which may not "
                          "be re-iterable: reading a sample could consume what training needs")
        return sample
    readable = sampling_copy(dataset)
    if readable is None:
        sample.skipped = ("its shuffle is seeded (explicitly or by a global seed) and reshuffles "
                          "every epoch, in a pipeline kepler cannot copy: reading a sample would "
                          "draw the first epoch's order, and training would then see the second")
        return sample
    n_batches = sample.cardinality if isinstance(sample.cardinality, int) else None
    budget = Budget(max_batches, n_batches)
    sample.where = "first"
    try:
        for count, element in enumerate(_unoptimised(readable.take(max_batches)), start=1):
            batch = split_batch(element)
            sample.batches.append(batch)
            sample.stopped_by = budget.add(batch, count)
            if sample.stopped_by in ("bytes", "time"):
                break
    except Exception as error:  # the pipeline's own error: training meets it as well
        sample.skipped = f"reading a sample raised {type(error).__name__}"
    sample.where = f"first {len(sample.batches)}"
    sample.seconds = budget.elapsed()
    sample.n_bytes = budget.n_bytes
    if sample.batches:
        sample.batch_size = n_rows(sample.batches[0][0]) or None
    return sample


def _host_array(tensor: Any) -> Any:
    """A tensor's values as numpy: without a copy for numbers in host memory (DLPack)."""
    import numpy as np

    # DLPack only for plain numbers on the CPU: TensorFlow aborts the process (not an
    # exception) when asked to export a string tensor
    if (getattr(getattr(tensor, "dtype", None), "name", "") in _DLPACK_DTYPES
            and "CPU" in str(getattr(tensor, "device", ""))):
        try:
            import tensorflow as tf

            capsule = tf.experimental.dlpack.to_dlpack(tensor)
            return np.from_dlpack(_Capsule(capsule))
        except Exception:
            pass
    return np.asarray(tensor.numpy())


class _Capsule:
    """The ``__dlpack__`` protocol numpy reads, over a DLPack capsule of a host tensor."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **_: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # kDLCPU


def _explicit_seed(dataset: Any) -> int | None:
    """The seed a transformation was given explicitly, when no global seed blurs it."""
    try:
        seed, seed2 = int(vars(dataset)["_seed"]), int(vars(dataset)["_seed2"])
    except (KeyError, TypeError, ValueError):
        return None
    return seed2 if seed == _DEFAULT_GRAPH_SEED else None


def file_states(files: list[str]) -> list[Any]:
    """(size, modification time) of up to ``STATTED_FILES`` of ``files``, spread evenly; a
    name that is no readable file gives None (text that merely holds slashes stays stable)."""
    import os

    step = max(1, -(-len(files) // STATTED_FILES))
    states: list[Any] = []
    for name in files[::step]:
        try:
            status = os.stat(name)
        except (OSError, ValueError):
            states.append(None)
            continue
        states.append([status.st_size, status.st_mtime_ns])
    return states


def _unoptimised(dataset: Any) -> Any:
    """``dataset`` with tf.data's static optimisations and autotuning off, for a short read.

    Applying the default graph rewrites serialises the whole dataset graph, source tensors
    included, when the iterator is made: most of a sample's cost on a pipeline built from
    arrays (about 0.2 s of 0.3 s for 50 MB). The rewrites do not change the elements, and
    the fit's own iterator still gets them.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    options.autotune.enabled = False
    try:
        return dataset.with_options(options)
    except Exception:  # options of the user's that cannot be merged: read it as it is
        return dataset


def _cardinality(dataset: Any) -> int | str:
    try:  # computed from the pipeline's graph; nothing is read
        value = int(dataset.cardinality())
    except Exception:
        return "unknown"
    return value if value >= 0 else {-1: "infinite"}.get(value, "unknown")


class PipelineStructure:
    """Walks a dataset's transformations from the last to the sources."""

    def __init__(self) -> None:
        self.parts: list[Any] = []
        self.files: list[str] = []
        self.uses_generator = False
        self.unreadable = False

    def digest(self) -> str | None:
        from kepler_jupyter.fingerprint import hash_json

        if self.unreadable or not self.parts:
            return None
        if not self.files:  # the same digest as before files counted: earlier records match
            return hash_json(self.parts)
        return hash_json({"parts": self.parts, "files": file_states(self.files)})

    def read(self, dataset: Any, depth: int = 0) -> None:
        if depth > 200:  # a pathological chain; the parts read so far still count
            raise RecursionError("pipeline too deep")
        node: dict[str, Any] = {"class": type(dataset).__name__}
        for name, value in sorted(vars(dataset).items()):
            if name in _SKIPPED_ATTRIBUTES or name.startswith("__"):
                continue
            node[name] = self._value(name, value)
        seed = _explicit_seed(dataset)
        if seed is not None:
            node["explicit_seed"] = seed
        self.parts.append(node)
        inputs = dataset._inputs() if hasattr(dataset, "_inputs") else []
        for item in inputs:
            self.read(item, depth + 1)

    def _value(self, name: str, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, (list, tuple)):
            return [self._value(name, item) for item in value]
        if hasattr(value, "function") and hasattr(value.function, "function_def"):
            return self._function(value.function)  # a StructuredFunctionWrapper
        if hasattr(value, "numpy") and hasattr(value, "dtype"):
            return self._tensor(name, value)
        return type(value).__name__  # options and the like: their class only

    def _tensor(self, name: str, tensor: Any) -> Any:

        from kepler_jupyter.fingerprint import fingerprint_data

        array = _host_array(tensor)
        if array.dtype.kind in "SOU":
            texts = [item.decode(errors="replace") if isinstance(item, bytes) else str(item)
                     for item in array.reshape(-1)[:100_000]]
            # file names: TFRecordDataset's `_filenames`, or the paths image_dataset_from_directory
            # and list_files slice
            if "file" in name.lower() or (texts and all(("/" in t or "\\" in t) for t in texts[:100])):
                self.files.extend(texts)
        if array.size <= _LISTED_VALUES:
            return array.tolist() if array.dtype.kind not in "SO" else [
                item.decode(errors="replace") if isinstance(item, bytes) else str(item)
                for item in array.reshape(-1)]
        return {"shape": list(array.shape), "dtype": str(array.dtype),
                "content": fingerprint_data(array)}

    def _function(self, function: Any) -> str:
        from kepler_jupyter.fingerprint import hash_json

        definition = function.function_def
        ops = [node.op for node in definition.node_def]
        if _PYTHON_OPS.intersection(ops) or "GeneratorDataset" in ops:
            self.uses_generator = self.uses_generator or "GeneratorDataset" in ops or any(
                "generator" in node.name.lower() for node in definition.node_def)
        for library_function in getattr(function.graph, "_functions", {}).values():
            nested = getattr(library_function, "definition", None)
            if nested is not None and any(n.op == "GeneratorDataset" for n in nested.node_def):
                self.uses_generator = True
        copy = type(definition)()
        copy.CopyFrom(definition)
        copy.signature.name = ""
        text = _TRACE_NUMBER.sub(rb"\1", copy.SerializeToString(deterministic=True))
        return hash_json({"ops": ops, "definition": text.hex()})
