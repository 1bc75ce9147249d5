"""``%kepler note ID "conclusion"``: write down what an experiment showed.

The text goes to the record's ``notes.conclusion`` (the hypothesis, given with
``--hypothesis`` before the run, stays beside it); notes show in lists and comparisons and are
searched by ``%kepler search``. ``--append`` adds to an existing conclusion instead of
replacing it.
"""

from __future__ import annotations

import argparse

from kepler_jupyter.commands import CommandEnv, CommandError, command_parser, parse_arguments
from kepler_jupyter.journal.record import experiment_label


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("note", "Add a conclusion to an experiment.")
    parser.add_argument("id", help="The experiment's id (or a unique prefix).")
    parser.add_argument("text", nargs="+", help="The conclusion (quote it, or not).")
    parser.add_argument("--append", action="store_true", help="Add to the existing conclusion.")
    return parser


def run(argv: list[str], env: CommandEnv) -> str:
    """Store the conclusion; returns a confirmation line."""
    args = parse_arguments(_parser(), argv)
    text = " ".join(args.text).strip()
    if not text:
        raise CommandError("The note is empty: `%kepler note ID \"what this run showed\"`.")
    record = env.journal.get(args.id)
    notes = dict(record.get("notes") or {})
    if args.append and notes.get("conclusion"):
        text = f"{notes['conclusion']}\n{text}"
    notes["conclusion"] = text
    # update() replaces a nested field whole, so the hypothesis is carried over explicitly.
    env.journal.update(record["id"], {"notes": notes})
    from kepler_jupyter.run.events import log_event

    log_event(env.journal.kepler_dir, "note", text, experiment_id=record["id"])
    return f"Noted on {experiment_label(record)}: {text}"
