"""Run every benchmark: ``python -m benchmarks [--quick] [--only NAME]``.

Each benchmark runs in its own process (a cold start is part of what several of them measure)
and prints its figures with the targets beside them. ``--quick`` is the smoke mode CI runs
(``scripts/test.sh``): the scale sweep and the journal-side benchmarks at small sizes, in
under a minute; figures are printed, never asserted (timings on a shared CI machine say
little). The benchmarks that start Keras or a Jupyter server run without ``--quick`` only. Without
``--quick`` the benchmarks run at the sizes the targets are stated for, which takes a long
time (the 100,000-experiment sweep alone is most of an hour on a 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (full arguments, quick arguments); quick ``None``: not run in the smoke mode, whose
# budget (under a minute in CI) the benchmarks that start Keras or a Jupyter server exceed
BENCHMARKS: dict[str, tuple[list[str], list[str] | None]] = {
    "scale_sweep": ([], ["--quick"]),
    "similarity_benchmark": ([], ["2000"]),
    "fingerprint_benchmark": ([], ["--rows", "20000", "--columns", "10", "--repeat", "1"]),
    "checks_benchmark": ([], None),
    "journal_benchmark": ([], None),
    "server_list_benchmark": ([], None),
    "overhead_benchmark": ([], None),
    "small_fit_overhead": ([], ["--quick"]),
    "monitor_benchmark": ([], None),
    "loop_benchmark": ([], None),
    "corpus_benchmark": ([], None),
    "stream_sampling_benchmark": (["--profile"], None),
    "reliability_benchmark": ([], None),
    "groups_benchmark": ([], ["--n", "2000", "--repeats", "1"]),
    "notebook_output_benchmark": ([], None),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, no assertions (CI)")
    parser.add_argument("--only", action="append", default=[], help="run only benchmarks whose name contains this")
    args = parser.parse_args(argv)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH", "")])),
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    failed = []
    for name, (full, quick) in BENCHMARKS.items():
        if args.only and not any(part in name for part in args.only):
            continue
        arguments = quick if args.quick else full
        if arguments is None:
            print(f"=== {name}: skipped in --quick mode")
            continue
        print(f"=== {name} {' '.join(arguments)}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *arguments], env=environment)
        print(f"=== {name}: {'ok' if done.returncode == 0 else 'FAILED'} "
              f"({time.perf_counter() - started:.1f} s)", flush=True)
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"benchmarks that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
