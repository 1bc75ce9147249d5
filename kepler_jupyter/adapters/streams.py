"""Sample a stream (``tf.data``, ``PyDataset``, generator) for checks and identity, boundedly.

Nothing here iterates a stream past a hard bound on batches, bytes and time, and nothing
changes what training sees:

- a ``tf.data.Dataset`` is re-iterated with ``take(k)``; one built on a Python generator
  (``from_generator``) may not be re-iterable and is left alone (``skipped`` says why);
- a ``PyDataset`` / ``Sequence`` is indexed at its first, middle and last batch, and the
  attributes its ``__getitem__`` rebinds (Keras' image iterators count batches seen) and
  numpy's global random state are restored afterwards;
- a generator or iterator has its first batches pulled, and ``fit`` is handed a generator
  that yields those batches again and then the rest (``replay``), an error the stream raised
  while sampled included, at the same place.

The time budget is ``max(MIN_SECONDS, FRACTION_OF_EPOCH × estimated epoch)``, the epoch
estimated from the first batch's time and the number of batches when the stream knows it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kepler_jupyter.adapters.data_kinds import data_kind

#: batches sampled at most from one stream
MAX_BATCHES = 3
#: bytes sampled at most from one stream
MAX_BYTES = 64 << 20
#: the sampling time always allowed, and the share of an estimated epoch allowed beyond it
MIN_SECONDS = 0.2
FRACTION_OF_EPOCH = 0.05
#: arguments of Keras' fit that may hold a stream kepler samples
STREAM_ARGUMENTS = ("x", "validation_data")


@dataclass
class StreamSample:
    """What kepler read from one stream.

    ``batches`` holds each sampled batch as ``(x, y, sample_weight)`` of numpy arrays (or
    dicts / lists of arrays for multi-input models; None where the stream has no such part).
    """

    kind: str
    batches: list[tuple[Any, Any, Any]] = field(default_factory=list)
    #: number of batches per epoch, "infinite" or "unknown"
    cardinality: int | str = "unknown"
    batch_size: int | None = None
    element_spec: Any = None
    #: why nothing was sampled (e.g. a tf.data pipeline built on a Python generator)
    skipped: str | None = None
    #: what stopped the sampling early: "time", "bytes" or "end" (the stream ended)
    stopped_by: str | None = None
    seconds: float = 0.0
    n_bytes: int = 0
    #: which batches were read ("first 3", "first, middle and last")
    where: str = ""
    #: tf.data only: a hash of the pipeline's structure and its source files, if any
    structure: str | None = None
    files: list[str] | None = None
    #: tf.data only: built on a Python generator (left alone: it may not be re-iterable)
    python_generator: bool = False
    #: tf.data only: the pipeline's transformations, last first ("PrefetchDataset", ...)
    transformations: list[str] | None = None

    @property
    def n_batches(self) -> int:
        return len(self.batches)

    @property
    def n_rows(self) -> int:
        return sum(n_rows(batch[0]) for batch in self.batches)

    def describe(self) -> str:
        """``"a sample of 3 batches (96 samples)"``, the phrase checks put in their evidence."""
        rows = self.n_rows
        return (f"a sample of {self.n_batches} batch{'es' if self.n_batches != 1 else ''}"
                f" ({rows:,} samples, {self.where} of the {self.kind})")


@dataclass
class Replay:
    """The replacement for a sampled generator: yields the sampled batches, then the rest."""

    head: list[Any]
    rest: Iterator[Any]
    error: BaseException | None = None

    def generator(self) -> Iterator[Any]:
        yield from self.head
        if self.error is not None:
            raise self.error
        yield from self.rest


def sample_stream(obj: Any, *, max_batches: int = MAX_BATCHES,
                  replace: bool = False) -> tuple[StreamSample | None, Any]:
    """A bounded sample of ``obj`` if it is a stream, and what ``fit`` should be given instead.

    Parameters
    ----------
    obj
        A fit's data argument.
    replace
        Whether generators and iterators may be sampled: only when the caller hands the
        returned replacement to the fit (otherwise the pulled batches would be lost).

    Returns
    -------
    (StreamSample or None, object)
        None for what is not a stream (or a generator that may not be replaced); the object
        is ``obj`` itself, or for a sampled generator the generator that replays it.
    """
    kind = data_kind(obj)
    if kind == "tf.data":
        from kepler_jupyter.adapters.tf_pipeline import sample_dataset

        return sample_dataset(obj, max_batches), obj
    if kind == "pydataset":
        return _sample_pydataset(obj, max_batches), obj
    if kind in ("generator", "iterator") and replace:
        return _sample_iterator(obj, kind, max_batches)
    return None, obj


def sample_fit_streams(framework: str, arguments: dict[str, Any]) -> dict[str, StreamSample]:
    """Sample the streams among a Keras fit's arguments, replacing sampled generators in place.

    ``arguments`` is the fit's arguments by name (``BoundArguments.arguments``); a generator
    in ``x`` or ``validation_data`` is replaced there by its replay as soon as it has been
    read, so the fit gets it even if a later step fails. Returns the samples by argument name.
    """
    samples: dict[str, StreamSample] = {}
    if framework != "keras":
        return samples  # scikit-learn takes no streams; nothing to sample
    for name in STREAM_ARGUMENTS:
        value = arguments.get(name)
        sample, replacement = sample_stream(value, replace=True)
        if replacement is not value:
            arguments[name] = replacement
        if sample is not None:
            samples[name] = sample
    return samples


def split_batch(element: Any) -> tuple[Any, Any, Any]:
    """A batch as ``(x, y, sample_weight)``, parts converted to numpy (Keras' unpacking)."""
    if isinstance(element, tuple) and 1 <= len(element) <= 3:
        parts = (*element, None, None)[:3]
    else:
        parts = (element, None, None)
    return tuple(_to_numpy(part) for part in parts)


class Budget:
    """The sampling bounds of one stream: batches, bytes and time."""

    def __init__(self, max_batches: int, n_batches: int | None = None) -> None:
        self.max_batches = max_batches
        self.n_batches = n_batches
        self.started = time.perf_counter()
        self.seconds = MIN_SECONDS
        self.n_bytes = 0

    def add(self, batch: tuple[Any, Any, Any], count: int) -> str | None:
        """Account for one more batch; the bound that stops sampling now, or None."""
        self.n_bytes += sum(_nbytes(part) for part in batch)
        elapsed = time.perf_counter() - self.started
        if count == 1 and self.n_batches:
            # a first batch's time × the number of batches estimates the first epoch
            self.seconds = max(MIN_SECONDS, FRACTION_OF_EPOCH * elapsed * self.n_batches)
        if count >= self.max_batches:
            return "batches"
        if self.n_bytes >= MAX_BYTES:
            return "bytes"
        if elapsed >= self.seconds:
            return "time"
        return None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def _sample_pydataset(dataset: Any, max_batches: int) -> StreamSample:
    sample = StreamSample(kind="PyDataset")
    try:
        length = int(len(dataset))
    except Exception:
        sample.skipped = "it has no length, so its batches cannot be indexed"
        return sample
    sample.cardinality = length
    if length <= 0:
        sample.stopped_by = "end"
        return sample
    indices = sorted({0, length // 2, length - 1})[:max_batches]
    sample.where = {1: "the only batch", 2: "first and last batches"}.get(
        len(indices), "first, middle and last batches")
    budget = Budget(max_batches, length)
    with _restored_state(dataset):
        for count, index in enumerate(indices, start=1):
            try:
                batch = split_batch(dataset[index])
            except Exception as error:  # the user's __getitem__: fit will meet it too
                sample.skipped = f"reading batch {index} raised {type(error).__name__}: {error}"
                break
            sample.batches.append(batch)
            sample.stopped_by = budget.add(batch, count)
            if sample.stopped_by in ("bytes", "time"):
                break
    _finish(sample, budget)
    return sample


def _sample_iterator(iterator: Any, kind: str, max_batches: int) -> tuple[StreamSample, Any]:
    sample = StreamSample(kind=kind)
    head: list[Any] = []
    replay = Replay(head, iterator)
    budget = Budget(max_batches)
    while True:
        try:
            element = next(iterator)
        except StopIteration:
            sample.stopped_by = "end"
            break
        except Exception as error:  # raised again by the replay where training would meet it
            replay.error = error
            sample.skipped = f"the {kind} raised {type(error).__name__} when read"
            break
        head.append(element)
        try:
            batch = split_batch(element)
        except Exception:
            break  # an element kepler cannot read: it still reaches the fit unchanged
        sample.batches.append(batch)
        sample.stopped_by = budget.add(batch, len(head))
        if sample.stopped_by is not None:
            break
    sample.where = f"first {len(head)}"
    if sample.stopped_by == "end":
        sample.cardinality = len(head)
    _finish(sample, budget)
    return sample, replay.generator()


def _finish(sample: StreamSample, budget: Budget) -> None:
    sample.seconds = budget.elapsed()
    sample.n_bytes = budget.n_bytes
    if sample.batches and sample.batch_size is None:
        sample.batch_size = n_rows(sample.batches[0][0]) or None


class _restored_state:
    """Restores an object's attribute bindings and numpy's global random state on exit.

    Keras' image iterators count the batches they served and reseed numpy in
    ``__getitem__``; indexing them for a sample must not shift what training then sees.
    """

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __enter__(self) -> None:
        import numpy as np

        self.random_state = np.random.get_state()
        try:
            self.attributes: dict[str, Any] | None = dict(vars(self.obj))
        except TypeError:  # no __dict__
            self.attributes = None

    def __exit__(self, *exc_info: Any) -> None:
        import numpy as np

        np.random.set_state(self.random_state)
        if self.attributes is not None:
            try:
                current = vars(self.obj)
                for name in [name for name in current if name not in self.attributes]:
                    del current[name]
                current.update(self.attributes)
            except Exception:
                pass


def _to_numpy(part: Any) -> Any:
    import numpy as np

    if part is None:
        return None
    if isinstance(part, dict):
        return {key: _to_numpy(value) for key, value in part.items()}
    if isinstance(part, (list, tuple)):
        return [_to_numpy(value) for value in part]
    numpy = getattr(part, "numpy", None)
    if callable(numpy) and not isinstance(part, np.ndarray):
        return np.asarray(numpy())
    kind = data_kind(part)
    if kind in ("dataframe", "series", "array", "tensor", "scalar", "values"):
        return part if kind in ("dataframe", "series") else np.asarray(part)
    raise TypeError(f"a batch part of type {type(part).__name__} is not data kepler reads")


def n_rows(part: Any) -> int:
    """The number of samples in a batch part (arrays, DataFrames, dicts / lists of them)."""
    if part is None:
        return 0
    if isinstance(part, dict):
        return max((n_rows(value) for value in part.values()), default=0)
    if isinstance(part, list):
        return max((n_rows(value) for value in part), default=0)
    shape = getattr(part, "shape", None)
    return int(shape[0]) if shape else 1


def _nbytes(part: Any) -> int:
    if part is None:
        return 0
    if isinstance(part, dict):
        return sum(_nbytes(value) for value in part.values())
    if isinstance(part, list):
        return sum(_nbytes(value) for value in part)
    nbytes = getattr(part, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    memory = getattr(part, "memory_usage", None)
    try:
        return int(memory(deep=False).sum()) if callable(memory) else 0
    except Exception:
        return 0
