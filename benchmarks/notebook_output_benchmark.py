"""What a cell that fits many models shows in a notebook, and what showing it costs.

Runs a ``%%kepler fit`` cell with a loop of N small scikit-learn fits (digits, a logistic
regression per C) in a real IPython shell with the magic, once with ``--display widget`` (the
notebook's mode; every ``display`` / ``update_display_data`` recorded as a front end receives
it) and once with ``--display none``, and prints: the output blocks the cell made (target: 1,
whatever N), the updates sent to that block, the size of its final bundle (its static HTML
and text), and the seconds per fit with and without the display.

    python benchmarks/notebook_output_benchmark.py [--fits 200]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SETUP = """
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
digits = load_digits()
X, y = digits.data[:400] / 16.0, digits.target[:400]
"""


def run(fits: int, display: str) -> tuple[float, list]:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    with tempfile.TemporaryDirectory() as project:
        os.environ["KEPLER_PROJECT_DIR"] = project
        InteractiveShell.clear_instance()
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "kepler_jupyter")
        shell.run_cell(SETUP)
        cell = (f"%%kepler fit --display {display} --name sweep\n"
                f"for C in np.geomspace(0.01, 10, {fits}):\n"
                "    LogisticRegression(C=C, max_iter=200).fit(X, y)\n")
        started = time.perf_counter()
        with capture_output() as captured:
            result = shell.run_cell(cell)
        took = time.perf_counter() - started
        if not result.success:
            raise SystemExit(f"the cell failed: {result.error_in_exec!r}")
        shell.run_line_magic("unload_ext", "kepler_jupyter")
    return took, captured.outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=200)
    args = parser.parse_args()
    quiet_s, _ = run(args.fits, "none")
    shown_s, outputs = run(args.fits, "widget")
    blocks = [output for output in outputs if not output.update]
    updates = len(outputs) - len(blocks)
    final = outputs[-1].data if outputs else {}
    size = len(json.dumps(final, default=str))
    print(f"{args.fits} fits in one cell, widget mode: {len(blocks)} output block(s) (target 1), "
          f"{updates} updates of it, final bundle {size / 1024:.1f} KiB "
          f"(text/html {len(final.get('text/html', '')) / 1024:.1f} KiB)")
    print(f"per fit: {shown_s / args.fits * 1e3:.1f} ms with the display, "
          f"{quiet_s / args.fits * 1e3:.1f} ms with --display none "
          f"(display cost {(shown_s - quiet_s) / args.fits * 1e3:+.1f} ms per fit)")
    print((final.get("text/plain") or "").splitlines()[0] if final else "(nothing shown)")


if __name__ == "__main__":
    main()
