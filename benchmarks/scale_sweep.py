"""The journal at 1,000 / 10,000 / 100,000 experiments: the figures of issue 14, with targets.

For each size a journal of realistic records (``scale_records``: Keras MLPs with 50-epoch
curves, scikit-learn classifiers) is written, then measured:

* index rebuild from scratch, in a new process (target <= 30 s at 100,000);
* per-fit overhead: a ``LogisticRegression`` fit on iris inside ``kepler_jupyter.watch()``
  (what ``%%kepler fit`` runs) minus the plain fit, alternating, medians, compared with the
  same overhead on an empty journal (target <= +5 ms);
* the first such fit in a new process (kernel start excluded: imports and the fit; target
  <= 0.5 s);
* cold ``kepler list`` in a new process, load + list, and that process's peak memory
  (targets <= 300 ms, <= 150 MB);
* ``get(id)`` (median over random ids, target <= 5 ms) and top-5 similar (warm median, target
  <= 20 ms) in a process that has the journal open;
* the server's list route, first request after the server started (a new process with the
  server's modules imported: open the journal and its index, answer the first page; target
  <= 100 ms), and that process's peak memory;
* insert (``add``) p50 / p95 (targets <= 5 ms / <= 20 ms).

Run: ``python benchmarks/scale_sweep.py [--sizes 1000 10000 100000] [--quick]``;
``--quick`` uses small sizes and fewer repeats (a smoke test: figures, no assertions).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# One BLAS thread: on a shared 2-core machine, threads fighting over cores make a 20 ms fit
# take seconds and drown the figures in noise (children inherit it).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from scale_records import write_journal  # noqa: E402
from timing import median_ms  # noqa: E402

_REBUILD = """
import sys, time
from kepler_jupyter.journal import Journal
started, cpu = time.perf_counter(), time.process_time()
journal = Journal(sys.argv[1])
assert journal.indexed() is not None
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                  "count": len(journal)}))
"""
_FIRST_FIT = """
import json, sys, time
started, cpu = time.perf_counter(), time.process_time()
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True)
LogisticRegression(max_iter=300).fit(X, y)
plain, plain_cpu = time.perf_counter() - started, time.process_time() - cpu
started, cpu = time.perf_counter(), time.process_time()
import kepler_jupyter
with kepler_jupyter.watch(project_dir=sys.argv[1], display="none"):
    LogisticRegression(max_iter=300).fit(X, y)
fit, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
from kepler_jupyter.run import after_fit
after_fit.wait()
print(json.dumps({"plain": plain, "plain_cpu": plain_cpu, "seconds": fit, "cpu": fit_cpu,
                  "after": time.perf_counter() - started - fit,
                  "after_cpu": time.process_time() - cpu - fit_cpu}))
"""
# Peak memory from /proc: ru_maxrss of a child started by a large parent keeps the parent's.
_PEAK_MB = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024"
_CLI_LIST = """
import json, sys, time
started, cpu = time.perf_counter(), time.process_time()
from kepler_jupyter.cli import main
import io, contextlib
with contextlib.redirect_stdout(io.StringIO()) as out:
    main(["--project", sys.argv[1], "list"])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "cpu": time.process_time() - cpu, "peak_mb": PEAK_MB,
                  "lines": out.getvalue().count("\\n")}))
""".replace("PEAK_MB", _PEAK_MB)
# The route's work on a server that has just started (modules imported, no journal opened
# yet): what the list handler runs for the first request after the server starts.
_SERVER_LIST = """
import json, sys, time
from pathlib import Path
from kepler_jupyter.server.handlers import ExperimentListHandler  # the server's modules
from kepler_jupyter.server.indexed_listing import indexed_query
from kepler_jupyter.server.project import locate_project
from kepler_jupyter.server.query import ListQuery
started, cpu = time.perf_counter(), time.process_time()
location = locate_project(Path(sys.argv[1]), None, allow_hidden=False)
payload = indexed_query(location, ListQuery())
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                  "items": len(payload["items"]),
                  "peak_mb": PEAK_MB}))
""".replace("PEAK_MB", _PEAK_MB)


def _child(script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", "import json\n" + script, *args],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fit_overhead(project: Path, repeats: int) -> tuple[float, float]:
    """Median plain fit and median extra time of the same fit inside ``watch()`` (ms) until
    the fit returns, alternating the two so that load on the machine hits both alike."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import kepler_jupyter

    X, y = load_iris(return_X_y=True)

    def plain() -> None:
        LogisticRegression(max_iter=300).fit(X, y)

    def watched() -> None:
        with kepler_jupyter.watch(project_dir=str(project), display="none"):
            LogisticRegression(max_iter=300).fit(X, y)

    from kepler_jupyter.run import after_fit

    watched()  # warm: this process has the journal open, as a kernel that fitted before
    after_fit.wait()
    plain_times, extra, extra_cpu = [], [], []
    for _ in range(repeats):
        cpu = time.thread_time()
        plain_ms = median_ms(plain, 1)
        plain_cpu = time.thread_time() - cpu
        plain_times.append(plain_ms)
        cpu = time.thread_time()
        extra.append(median_ms(watched, 1) - plain_ms)
        extra_cpu.append((time.thread_time() - cpu - plain_cpu) * 1000)
        # the work after the fit (run/after_fit.py) is not what the user waits for; it must
        # not overlap the next plain fit either
        after_fit.wait()
    print(f"    (main-thread CPU of that extra time: median {statistics.median(extra_cpu):.1f} ms)")
    return statistics.median(plain_times), statistics.median(extra)


def _in_process(project: Path, repeats: int) -> dict[str, float]:
    from kepler_jupyter.history.similarity import similar_experiments
    from kepler_jupyter.journal import Journal, new_experiment_id

    journal = Journal(project)
    ids = [record["id"] for record in journal.listing(limit=2000).records]
    rng = random.Random(1)
    get_ms = median_ms(lambda: journal.get(rng.choice(ids)), max(repeats * 4, 20))
    query = journal.get(ids[len(ids) // 2])
    started = time.perf_counter()
    similar_experiments(journal, query, k=5)
    first_similar_ms = (time.perf_counter() - started) * 1000
    similar_ms = median_ms(lambda: similar_experiments(journal, query, k=5), repeats * 2)
    inserts = []
    for _ in range(max(repeats * 10, 30)):
        record = dict(query, id=new_experiment_id(), status="running")
        started = time.perf_counter()
        journal.add(record)
        inserts.append(time.perf_counter() - started)
    inserts.sort()
    return {"get_ms": get_ms, "similar_first_ms": first_similar_ms, "similar_ms": similar_ms,
            "insert_p50_ms": inserts[len(inserts) // 2] * 1000,
            "insert_p95_ms": inserts[int(len(inserts) * 0.95) - 1] * 1000}


def _row(label: str, value: float, unit: str, target: str) -> None:
    print(f"  {label:<38} {value:10.1f} {unit:<3} (target {target})")


# Generated journals are kept here between runs (100,000 records take minutes to write):
# each run copies the cached file into a fresh project, so every run measures the same journal.
CACHE_DIR = Path(os.environ.get("KEPLER_SCALE_CACHE", Path(tempfile.gettempdir()) / "kepler-scale-cache"))


def cached_journal(project: Path, size: int) -> tuple[Path, str]:
    """``project``'s journal with ``size`` generated records, from the cache when it has them."""
    cached = CACHE_DIR / f"journal-{size}-seed0.jsonl"
    if not cached.exists():
        write_journal(CACHE_DIR / f"generating-{size}-{os.getpid()}", size)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        os.replace(CACHE_DIR / f"generating-{size}-{os.getpid()}" / ".kepler" / "journal.jsonl", cached)
        shutil.rmtree(CACHE_DIR / f"generating-{size}-{os.getpid()}", ignore_errors=True)
        how = "written"
    else:
        how = f"copied from {cached}"
    path = project / ".kepler" / "journal.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, path)
    return path, how


def measure(size: int, repeats: int, workdir: Path, empty_fit_ms: float) -> None:
    project = workdir / f"journal-{size}"
    started = time.perf_counter()
    path, how = cached_journal(project, size)
    print(f"\n{size:,} experiments: {path.stat().st_size / 1e6:,.0f} MB journal "
          f"({how} in {time.perf_counter() - started:.1f} s)")
    rebuild = _child(_REBUILD, str(project))
    _row("index rebuild from scratch", rebuild["seconds"], "s", "<= 30 s at 100k")
    _row("  of which this process's CPU time", rebuild["cpu"], "s", "(the rest: waiting)")
    listed = _child(_CLI_LIST, str(project))
    _row("cold `kepler list` (new process)", listed["seconds"] * 1000, "ms", "<= 300 ms")
    _row("  of which CPU time", listed["cpu"] * 1000, "ms", "(the rest: waiting)")
    _row("  peak memory of that process", listed["peak_mb"], "MB", "<= 150 MB")
    served = _child(_SERVER_LIST, str(project))
    _row("server list route, first request", served["seconds"] * 1000, "ms", "<= 100 ms")
    _row("  of which CPU time", served["cpu"] * 1000, "ms", "(the rest: waiting)")
    _row("  peak memory of that process", served["peak_mb"], "MB", "<= 150 MB")
    first = _child(_FIRST_FIT, str(project))
    _row("first fit in a new process, kepler's part", first["seconds"] * 1000, "ms",
         f"<= 500 ms; imports + plain fit before it: {first['plain'] * 1000:.0f} ms, "
         f"CPU {first['plain_cpu'] * 1000:.0f} ms")
    _row("  of which CPU time", first["cpu"] * 1000, "ms", "(the rest: waiting)")
    _row("  its work after the fit returned", first["after"] * 1000, "ms",
         f"(background; CPU {first['after_cpu'] * 1000:.0f} ms)")
    plain_ms, extra_ms = _fit_overhead(project, repeats)
    _row("per-fit overhead (LogisticRegression)", extra_ms, "ms",
         f"<= empty journal's + 5 ms = {empty_fit_ms + 5:.1f} ms; plain fit {plain_ms:.1f} ms")
    figures = _in_process(project, repeats)
    _row("get(id), warm", figures["get_ms"], "ms", "<= 5 ms")
    _row("top-5 similar, first in process", figures["similar_first_ms"], "ms", "-")
    _row("top-5 similar, warm", figures["similar_ms"], "ms", "<= 20 ms")
    _row("insert p50", figures["insert_p50_ms"], "ms", "<= 5 ms")
    _row("insert p95", figures["insert_p95_ms"], "ms", "<= 20 ms")
    shutil.rmtree(project, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")
    args = parser.parse_args(argv)
    sizes, repeats = ([300], 2) if args.quick else (args.sizes, args.repeats)
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        empty = workdir / "empty"
        empty.mkdir()
        plain_ms, empty_fit_ms = _fit_overhead(empty, max(repeats, 5))
        print(f"per-fit overhead with an empty journal: {empty_fit_ms:.1f} ms "
              f"(LogisticRegression on iris inside watch(), minus the plain fit: {plain_ms:.1f} ms)")
        for size in sizes:
            measure(size, repeats, workdir, empty_fit_ms)


if __name__ == "__main__":
    main()
