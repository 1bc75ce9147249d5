"""Detection and false-alarm rates of kepler's checks over the quality corpus (tests/corpus).

For each check: the detection rate is the share of the buggy cases labelled with its code on
which it fired; the false-alarm rate the share of the well-made cases it judged (its stage ran)
on which it fired as a warning or an error. Info findings on well-made cases are not alarms.

Run: ``python benchmarks/corpus_benchmark.py [--only NAME_SUBSTRING]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = parser.parse_args()

    from corpus import CASES
    from corpus.evaluate import evaluate

    from kepler_jupyter.checks import all_checks, framework_of

    catalogue = {check.code: check for check in all_checks()}
    expected = defaultdict(int)
    detected = defaultdict(int)
    judged_good = defaultdict(int)
    false_alarms = defaultdict(list)
    crashes: list[str] = []
    started = time.perf_counter()
    cases = [case for case in CASES if args.only in case.name]
    for case in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            findings = evaluate(case)
        codes = {f.code for f in findings}
        crashes += [f"{case.name}: {f.message}" for f in findings if f.code == "K000"]
        for code in case.expect_codes:
            expected[code] += 1
            detected[code] += code in codes
        if case.good:
            framework = framework_of(case.build()[0])  # builds are cheap or cached
            for code, check in catalogue.items():
                if check.stage in case.stages and framework in check.frameworks:
                    judged_good[code] += 1
            for finding in findings:
                if finding.severity in ("error", "warning"):
                    false_alarms[finding.code].append(case.name)
    elapsed = time.perf_counter() - started

    n_buggy = sum(1 for case in cases if not case.good)
    print(f"corpus: {n_buggy} buggy and {len(cases) - n_buggy} well-made cases, "
          f"evaluated in {elapsed:.1f} s\n")
    print(f"{'code':6} {'stage':9} {'detected':>10} {'rate':>6}   {'false alarms':>13} {'rate':>6}  title")
    for code in sorted(set(catalogue) | set(expected)):
        check = catalogue.get(code)
        hits, total = detected[code], expected[code]
        alarms, judged = len(false_alarms.get(code, [])), judged_good[code]
        detection = f"{hits / total:6.0%}" if total else "     –"
        false_rate = f"{alarms / judged:6.0%}" if judged else "     –"
        print(f"{code:6} {getattr(check, 'stage', '?'):9} {hits:>4} / {total:<3} {detection}   "
              f"{alarms:>5} / {judged:<5} {false_rate}  {getattr(check, 'title', '')}")
    total_expected = sum(expected.values())
    total_detected = sum(detected.values())
    total_judged = sum(judged_good.values())
    total_alarms = sum(len(v) for v in false_alarms.values())
    print(f"\noverall detection rate: {total_detected} / {total_expected} "
          f"({total_detected / max(total_expected, 1):.1%})")
    print(f"overall false-alarm rate: {total_alarms} / {total_judged} check runs on well-made "
          f"cases ({total_alarms / max(total_judged, 1):.2%})")
    for code, names in sorted(false_alarms.items()):
        print(f"  false alarm {code}: {', '.join(names)}")
    for crash in crashes:
        print(f"  check crashed (K000): {crash}")


if __name__ == "__main__":
    main()
