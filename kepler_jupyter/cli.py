"""The ``kepler`` command: the project's journal outside Jupyter.

    kepler list [--status S] [--tag T] [--limit N] [--archived]
    kepler show ID
    kepler export [--format jsonl|csv] [--output FILE]
    kepler doctor
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kepler", description="kepler_jupyter's experiment journal.")
    parser.add_argument("--project", help="The project folder (default: found from here).")
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="The project's experiments.")
    listing.add_argument("--status")
    listing.add_argument("--tag")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--archived", action="store_true", help="Include archived experiments.")
    show = sub.add_parser("show", help="One experiment in full.")
    show.add_argument("id")
    export = sub.add_parser("export", help="Every experiment as JSON lines or CSV.")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--output", "-o", help="File to write (default: standard output).")
    sub.add_parser("doctor", help="Check the journal and the installation.")
    return parser


def _export(journal: Any, fmt: str, output: str | None) -> None:
    out = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        if fmt == "jsonl":
            for record in journal.experiments():
                out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        else:
            journal.to_dataframe().to_csv(out, index=False)
    finally:
        if output:
            out.close()


def _report_damaged(records: list[dict[str, Any]], shown: int = 5) -> int:
    """Say which records had fields of the wrong type (dropped when read); 1 if any did."""
    damaged = [record for record in records if record.get("damaged")]
    if not damaged:
        return 0
    print(f"PROBLEM: {len(damaged)} experiment(s) have fields kepler could not read; they are "
          "listed without those fields (the journal file is unchanged):")
    for record in damaged[:shown]:
        reasons = record["damaged"] if isinstance(record["damaged"], list) else [record["damaged"]]
        print(_printable(f"  {str(record.get('id'))[:40]}: {'; '.join(str(r)[:200] for r in reasons[:3])}"))
    if len(damaged) > shown:
        print(f"  … and {len(damaged) - shown} more")
    return 1


def _doctor(journal: Any) -> int:
    from kepler_jupyter import __version__

    problems = 0
    print(f"kepler_jupyter {__version__}, python {sys.version.split()[0]}")
    print(f"project: {journal.project_dir}")
    print(f"journal: {journal.kepler_dir}")
    try:
        records = journal.experiments()
        print(f"experiments: {len(records)} readable")
        problems += _report_damaged(records)
    except Exception as exc:  # doctor reports, it does not crash
        problems += 1
        print(f"PROBLEM: the journal could not be read: {exc}")
    indexed = journal.indexed() if Path(journal.kepler_dir).exists() else None
    print(f"index: {'up to date' if indexed is not None else 'not in use (the journal is read directly)'}")
    damaged = sorted(Path(journal.kepler_dir).glob("*.damaged-*")) if Path(journal.kepler_dir).exists() else []
    for path in damaged:
        print(f"note: damaged lines were set aside in {path}")
    labextension = Path(__file__).parent / "labextension" / "package.json"
    print(f"JupyterLab panel built: {'yes' if labextension.exists() else 'no (install from a wheel or build labextension/)'}")
    return 1 if problems else 0


def _printable(text: str) -> str:
    """``text`` with what no terminal can encode (lone surrogates from a damaged journal's ids
    or names) written as escapes, so that printing it cannot fail."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from kepler_jupyter.journal import Journal, JournalError

    try:
        journal = Journal(args.project)
        if args.command == "list":
            from kepler_jupyter.commands import CommandEnv
            from kepler_jupyter.commands.list import run

            argv_list = ["--limit", str(args.limit)]
            if args.status:
                argv_list += ["--status", args.status]
            if args.tag:
                argv_list += ["--tag", args.tag]
            if args.archived:
                argv_list.append("--archived")
            print(_printable(repr(run(argv_list, CommandEnv(journal=journal)))))
        elif args.command == "show":
            from kepler_jupyter.commands.show import ExperimentView

            print(_printable(repr(ExperimentView(journal.get(args.id)))))
        elif args.command == "export":
            _export(journal, args.format, args.output)
        elif args.command == "doctor":
            return _doctor(journal)
    except JournalError as exc:
        print(f"kepler: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
