"""The index rows of a stretch of the journal, computed over every core for a large one.

Parsing each id's latest line and deriving its row (``index_rows.row_for``) is most of an
index rebuild's CPU time; SQLite's inserts are the rest and must stay in one process. For a
large stretch, worker processes compute the rows of chunks of ids while this process writes
the rows already returned, in the same order as the serial path, so the index is the same
either way.

The workers are new Python processes (``sys.executable``), never forks: a Jupyter kernel has
TensorFlow's threads running, whose locks a forked child would inherit held, and
``multiprocessing``'s ``spawn`` would run the user's ``__main__`` script again in each worker.
Each worker is sent its chunks once (ids and line places: about 60 bytes an id), reads the
journal by path itself (checked to be the same file) and writes one chunk's rows at a time as
tuples to its pipe. A thread here reads each worker's answers as they come, at most ``AHEAD``
chunks ahead of the writing (so a worker rarely waits and memory stays bounded); past that
the worker waits on its full pipe.
Any failure (no worker can start, one dies, the file was replaced) has the remaining chunks
computed here, serially.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import fields
from itertools import islice
from pathlib import Path
from typing import IO, Any

from kepler_jupyter.journal.index_rows import IndexRow, row_for
from kepler_jupyter.journal.index_scan import RegionScan, key_unkeyed_lines, latest_lines
from kepler_jupyter.journal.lines import gc_paused

#: a stretch of fewer bytes is done serially (starting workers costs more than they save)
MIN_POOL_BYTES = 24 << 20
#: ids per chunk sent to a worker (about 2 MB of journal for Keras records)
CHUNK_IDS = 400
#: answers of each worker read ahead of the writing (about 1.5 MB each for Keras records)
AHEAD = 4
#: worker processes at most (the machine's cores, this one's writing included, set the rest)
MAX_WORKERS = 4
#: seconds without a worker's next answer after which the pool counts as failed (a chunk
#: takes well under a second; a hung worker must not hold the rebuild forever)
ANSWER_TIMEOUT_S = 120.0

Places = list[tuple[int, int, int]]
Chunk = list[tuple[str, Places]]
#: ``(id, offset, length, row or None for a tombstone)``; the id is the journal's, not its key
LatestRow = tuple[str, int, int, IndexRow | None]
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_ROW_FIELDS = tuple(field.name for field in fields(IndexRow))


def latest_rows(fd: int, path: Path, scan: RegionScan, first_line: int) -> Iterator[LatestRow]:
    """The row of each id's latest readable line in ``scan`` (``index_scan.latest_lines``), in
    order of first appearance; damaged lines met are added to ``scan.damaged``."""
    workers = _worker_count(scan)
    if workers < 2:
        yield from _serial(fd, scan, first_line)
        return
    if scan.unkeyed:  # rare (hand-written lines): keyed here, before the ids are split up
        key_unkeyed_lines(fd, scan, first_line)
    # the rows unpickled here hold no cycles: the collector would only rescan what is kept
    with gc_paused(MIN_POOL_BYTES):
        yield from _pooled(fd, path, scan, first_line, workers)


def _worker_count(scan: RegionScan) -> int:
    size = sum(places[-1][1] for places in scan.positions.values())
    size += sum(length for _, length, _ in scan.unkeyed)
    if size < MIN_POOL_BYTES:
        return 0
    return min(_cores(), MAX_WORKERS)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _serial(fd: int, scan: RegionScan, first_line: int) -> Iterator[LatestRow]:
    for latest in latest_lines(fd, scan, first_line):
        row = None if latest.record is None else row_for(latest.record, latest.offset, latest.length)
        yield latest.record_id, latest.offset, latest.length, row


def _pooled(fd: int, path: Path, scan: RegionScan, first_line: int,
            workers: int) -> Iterator[LatestRow]:
    stat = os.fstat(fd)
    items = iter(scan.positions.items())
    chunks = list(iter(lambda: list(islice(items, CHUNK_IDS)), []))
    done = 0
    processes: list[subprocess.Popen[bytes]] = []
    readers: list[threading.Thread] = []
    answers: list[queue.Queue[Any]] = []
    stop = threading.Event()
    try:
        processes = _start(workers)
        for number, process in enumerate(processes):  # chunk i goes to worker i % workers
            assert process.stdin is not None and process.stdout is not None
            answers.append(queue.Queue(AHEAD))
            readers.append(threading.Thread(target=_read_answers, daemon=True, name="kepler-rows",
                                             args=(process.stdout, answers[-1], stop)))
            readers[-1].start()
            pickle.dump((str(path), (stat.st_dev, stat.st_ino), first_line,
                         chunks[number::workers]), process.stdin, pickle.HIGHEST_PROTOCOL)
            process.stdin.close()
        while done < len(chunks):
            answer = answers[done % workers].get(timeout=ANSWER_TIMEOUT_S)
            if isinstance(answer, BaseException):
                raise EOFError(str(answer))
            packed, damaged = answer
            done += 1
            scan.damaged.extend(damaged)
            for record_id, offset, length, values in packed:
                yield record_id, offset, length, None if values is None else IndexRow(*values)
    except (OSError, EOFError, queue.Empty, pickle.PickleError, ValueError, TypeError):
        pass  # the pool failed (or a worker hung): the chunks not done yet are done here, serially
    finally:
        stop.set()
        for process in processes:
            process.kill()
            process.wait()
        for reader in readers:
            reader.join(timeout=5)
        for process in processes:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
    for chunk in chunks[done:]:
        part = RegionScan(end=0, positions=dict(chunk))
        yield from _serial(fd, part, first_line)
        scan.damaged.extend(part.damaged)


def _start(workers: int) -> list[subprocess.Popen[bytes]]:
    import kepler_jupyter

    root = str(Path(kepler_jupyter.__file__).resolve().parent.parent)
    code = f"import sys; sys.path.insert(0, sys.argv[1]); from {__name__} import serve; serve()"
    # one thread each: NumPy's BLAS would otherwise start a spinning thread per core
    environment = {**os.environ, **{name: "1" for name in _THREAD_VARIABLES}}
    return [subprocess.Popen([sys.executable, "-c", code, root], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environment)
            for _ in range(workers)]


def _read_answers(output: IO[bytes], answers: queue.Queue[Any], stop: threading.Event) -> None:
    """Read a worker's answers as they come (up to ``AHEAD`` waiting), so that it never waits
    for this process to write the rows before; a failure is put as the exception, last."""
    while not stop.is_set():
        answer: Any
        try:
            answer = _receive(output)
        except Exception as error:  # the worker ended or failed: the reader takes over
            answer = error
        while not stop.is_set():
            try:
                answers.put(answer, timeout=0.1)
                break
            except queue.Full:
                continue
        if isinstance(answer, BaseException):
            return


def _receive(output: IO[bytes]) -> tuple[list[Any], list[int]]:
    answer = pickle.load(output)  # from a worker this process started: trusted
    if not isinstance(answer, tuple) or len(answer) != 2 or isinstance(answer[0], str):
        raise ValueError(f"the worker failed: {answer!r}"[:500])
    return answer


def serve() -> None:
    """A worker's main: read the journal's path and chunks from stdin, write each chunk's
    ``chunk_rows`` to stdout (an error as ``("error", text)``)."""
    output = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the answers
    path, identity, first_line, chunks = pickle.load(sys.stdin.buffer)
    for chunk in chunks:
        try:
            answer: tuple[Any, ...] = chunk_rows(path, identity, chunk, first_line)
        except Exception as error:  # reported: the parent does this chunk itself
            answer = ("error", repr(error))
        pickle.dump(answer, output, pickle.HIGHEST_PROTOCOL)
        output.flush()
        if answer[0] == "error":
            return


def _fields_of(row: IndexRow) -> tuple[Any, ...]:
    values = vars(row)  # a dataclass's attributes, in field order
    if tuple(values) == _ROW_FIELDS:
        return tuple(values.values())
    return tuple(getattr(row, name) for name in _ROW_FIELDS)  # pragma: no cover - defensive


def chunk_rows(path: str, identity: tuple[int, int], chunk: Chunk,
               first_line: int) -> tuple[list[tuple[str, int, int, tuple[Any, ...] | None]], list[int]]:
    """The rows of ``chunk`` (ids and their lines) of the journal at ``path``, as tuples of
    ``IndexRow``'s fields, and the damaged lines met."""
    with open(path, "rb") as handle:
        fd = handle.fileno()
        stat = os.fstat(fd)
        if (stat.st_dev, stat.st_ino) != identity:
            raise RuntimeError("the journal was replaced")
        scan = RegionScan(end=0, positions=dict(chunk))
        packed = [(record_id, offset, length,
                   None if row is None else _fields_of(row))
                  for record_id, offset, length, row in _serial(fd, scan, first_line)]
        return packed, scan.damaged
