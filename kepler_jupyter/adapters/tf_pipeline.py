"""A ``tf.data`` pipeline's identity and a bounded sample of its first batches.

The structure is read from the dataset objects themselves (each transformation keeps its
input dataset and its arguments), not by serialising the dataset graph: that graph embeds the
tensors of ``from_tensor_slices`` and took 0.8 s for 100 MB here. Each transformation counts
with its class, its arguments (batch size, buffer size, seeds given explicitly, flags), its
functions (the traced ``map`` / ``filter`` graph: ops, attributes and constants, with the
names TensorFlow numbers per trace removed) and its source tensors (hashed by content; file
names listed). Seeds are left out: under a global seed TensorFlow derives each op's seed from
how many ops were made before, so the same pipeline built twice differs there. What this cannot
see: a changed explicit ``shuffle`` seed, Python state a function reads at run time through
``tf.py_function`` / ``numpy_function``, and the contents of the files a pipeline reads.
"""

from __future__ import annotations

import re
from typing import Any

from kepler_jupyter.adapters.streams import Budget, StreamSample, n_rows, split_batch

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
    n_batches = sample.cardinality if isinstance(sample.cardinality, int) else None
    budget = Budget(max_batches, n_batches)
    sample.where = "first"
    try:
        for count, element in enumerate(dataset.take(max_batches), start=1):
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

        return None if self.unreadable or not self.parts else hash_json(self.parts)

    def read(self, dataset: Any, depth: int = 0) -> None:
        if depth > 200:  # a pathological chain; the parts read so far still count
            raise RecursionError("pipeline too deep")
        node: dict[str, Any] = {"class": type(dataset).__name__}
        for name, value in sorted(vars(dataset).items()):
            if name in _SKIPPED_ATTRIBUTES or name.startswith("__"):
                continue
            node[name] = self._value(name, value)
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
        import numpy as np

        from kepler_jupyter.fingerprint import fingerprint_data

        array = np.asarray(tensor.numpy())
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
