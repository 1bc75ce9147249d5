"""Detection and false-alarm rates of kepler's checks over the quality corpus (tests/corpus).

For each check: the detection rate is the share of the buggy cases labelled with its code on
which it fired; the false-alarm rate the share of the well-made cases it judged (its stage ran)
on which it fired as a warning or an error; its precision the share of its firings that were
expected (detections / (detections + false alarms)). Info findings on well-made cases are not
alarms. The same rates follow per input form (arrays, DataFrame, sparse, tf.data, PyDataset,
generator: the kind of the case's X), per form of the validation data (``validation_data`` in
any of those forms, or a ``validation_split`` tail; cases without validation data are left
out of that table) and per family (K1 settings … K6 results).

Run: ``python benchmarks/corpus_benchmark.py [--only NAME_SUBSTRING] [--gallery-scale N]``
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


#: data kinds (``adapters.data_kinds``) as the report names them
FORMS = {"array": "arrays", "values": "arrays", "sequence": "arrays", "mapping": "arrays",
         "dataframe": "DataFrame", "sparse": "sparse", "tf.data": "tf.data",
         "pydataset": "PyDataset", "generator": "generator"}


def add(tallies: list[list[int]], column: int, amount: int = 1) -> None:
    for tally in tallies:
        tally[column] += amount


def validation_form(fit_kwargs: dict) -> str | None:
    """How a case gives its validation data: ``validation_data`` in some form, or the split."""
    from kepler_jupyter.adapters.data_kinds import data_kind

    validation = fit_kwargs.get("validation_data")
    if validation is None:
        return "validation_split tail" if fit_kwargs.get("validation_split") else None
    if isinstance(validation, (tuple, list)) and validation:
        validation = validation[0]
    return f"validation {FORMS.get(data_kind(validation), 'other')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    parser.add_argument("--gallery-scale", type=int, default=4,
                        help="size of the well-made gallery programs (tests/corpus/gallery.py): "
                             "data and epochs grow with it; CI runs them at 1")
    args = parser.parse_args()
    os.environ["KEPLER_GALLERY_SCALE"] = str(args.gallery_scale)  # read when the corpus loads

    from corpus import CASES
    from corpus.evaluate import evaluate

    from kepler_jupyter.adapters import framework_of
    from kepler_jupyter.adapters.data_kinds import data_kind
    from kepler_jupyter.checks import all_checks

    catalogue = {check.code: check for check in all_checks()}
    expected = defaultdict(int)
    detected = defaultdict(int)
    judged_good = defaultdict(int)
    false_alarms = defaultdict(list)
    crashes: list[str] = []
    started = time.perf_counter()
    cases = [case for case in CASES if args.only in case.name]
    by_form: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # cases, exp, det, judged, alarms
    by_validation: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # expected, det, judged, alarms
    for case in cases:
        _, X, _, fit_kwargs = case.build()
        form = FORMS.get(data_kind(X), "other")
        validation = validation_form(fit_kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            findings = evaluate(case)
        codes = {f.code for f in findings}
        # a case counts in its input form's row and, if it has one, its validation form's
        tallies = [by_form[form]] + ([by_validation[validation]] if validation else [])
        add(tallies, 0)
        for code in case.expect_codes:
            add(tallies, 1)
            add(tallies, 2, code in codes)
            by_family[code[:2]][0] += 1
            by_family[code[:2]][1] += code in codes
        crashes += [f"{case.name}: {f.message}" for f in findings if f.code == "K000"]
        for code in case.expect_codes:
            expected[code] += 1
            detected[code] += code in codes
        if case.good:
            framework = framework_of(case.build()[0])  # builds are cheap or cached
            for code, check in catalogue.items():
                if check.stage in case.stages and framework in check.frameworks:
                    judged_good[code] += 1
                    add(tallies, 3)
                    by_family[code[:2]][2] += 1
            for finding in findings:
                if finding.severity in ("error", "warning"):
                    false_alarms[finding.code].append(case.name)
                    add(tallies, 4)
                    by_family[finding.code[:2]][3] += 1
    elapsed = time.perf_counter() - started

    n_buggy = sum(1 for case in cases if not case.good)
    print(f"corpus: {n_buggy} buggy and {len(cases) - n_buggy} well-made cases, "
          f"evaluated in {elapsed:.1f} s\n")
    print(f"{'code':6} {'stage':9} {'detected':>10} {'rate':>6}   {'false alarms':>13} {'rate':>6} "
          f"{'precision':>9}  title")
    for code in sorted(set(catalogue) | set(expected)):
        check = catalogue.get(code)
        hits, total = detected[code], expected[code]
        alarms, judged = len(false_alarms.get(code, [])), judged_good[code]
        detection = f"{hits / total:6.0%}" if total else "     –"
        false_rate = f"{alarms / judged:6.0%}" if judged else "     –"
        precision = f"{hits / (hits + alarms):9.0%}" if hits + alarms else "        –"
        print(f"{code:6} {getattr(check, 'stage', '?'):9} {hits:>4} / {total:<3} {detection}   "
              f"{alarms:>5} / {judged:<5} {false_rate} {precision}  {getattr(check, 'title', '')}")
    print(f"\n{'input form':11} {'cases':>5} {'detected':>10} {'rate':>6}   {'false alarms':>13} {'rate':>7}")
    for form, (n, total, hits, judged, alarms) in sorted(by_form.items()):
        detection = f"{hits / total:6.0%}" if total else "     –"
        print(f"{form:11} {n:>5} {hits:>4} / {total:<3} {detection}   {alarms:>5} / {judged:<5} "
              f"{alarms / max(judged, 1):7.2%}")
    print(f"\n{'validation':19} {'cases':>5} {'detected':>10} {'rate':>6}   {'false alarms':>13} {'rate':>7}")
    for form, (n, total, hits, judged, alarms) in sorted(by_validation.items()):
        detection = f"{hits / total:6.0%}" if total else "     –"
        print(f"{form:19} {n:>5} {hits:>4} / {total:<3} {detection}   {alarms:>5} / {judged:<5} "
              f"{alarms / max(judged, 1):7.2%}")
    print(f"\n{'family':7} {'detected':>10} {'rate':>6}   {'false alarms':>13} {'rate':>7}")
    for family, (total, hits, judged, alarms) in sorted(by_family.items()):
        detection = f"{hits / total:6.0%}" if total else "     –"
        print(f"{family:7} {hits:>4} / {total:<3} {detection}   {alarms:>5} / {judged:<5} "
              f"{alarms / max(judged, 1):7.2%}")
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
