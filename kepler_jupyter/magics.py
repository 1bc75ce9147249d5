"""``%kepler`` and ``%%kepler``: argument parsing and routing only; commands do the work."""

from __future__ import annotations

import importlib
import shlex
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Bool, Unicode

# subcommand -> (module under kepler_jupyter.commands, one-line usage)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "fit": ("fit", "%%kepler fit [options]  — journal every fit in the cell (cell magic)"),
    "list": ("list", "%kepler list [--status S] [--tag T] [--limit N]  — the project's experiments"),
    "show": ("show", "%kepler show ID  — one experiment in full"),
    "init": ("init", "%kepler init [PATH]  — use (and create) PATH/.kepler as this kernel's journal"),
    "checks": ("checks", "%kepler checks  — the catalogue of checks and their codes"),
    "compare": ("compare", "%kepler compare ID ID ... | --all | --tag T  — side by side, with curves"),
    "search": ("search", "%kepler search FILTER ... | --like ID  — find experiments"),
    "goal": ("goal", "%kepler goal [METRIC >= TARGET | minimize METRIC]  — the project's metric"),
    "note": ("note", '%kepler note ID "conclusion"  — add a conclusion to an experiment'),
    "grid": ("grid", "%kepler grid BUILD_FN --space JSON --data X y [--strategy tpe --n-iter N]  — a search that skips done points"),
    "importance": ("importance", "%kepler importance [--metric M] [--tag T] [--task]  — which settings explain the metric"),
}

_USAGE = "\n".join(f"  {usage}" for _, usage in SUBCOMMANDS.values())


@magics_class
class KeplerMagics(Magics):
    """kepler's magics. Settings are traitlets: ``%config KeplerMagics.on_duplicate = 'skip'``."""

    display = Unicode(
        "auto", help="How kepler shows findings and results: auto, widget, text or none."
    ).tag(config=True)
    on_duplicate = Unicode(
        "warn", help="Default for --on-duplicate: warn, skip or ask."
    ).tag(config=True)
    checks = Bool(True, help="Run kepler's checks on every fit (off: journal only).").tag(config=True)

    @magic_arguments()
    @argument("subcommand", help="What to do; one of: " + ", ".join(SUBCOMMANDS) + ".")
    @argument("rest", nargs="*", help="Arguments of the subcommand (see the list below).")
    @argument("--name", "-n", help="Name of the experiment (default: the model's class).")
    @argument("--hypothesis", "-H", help="What you expect this run to show; kept in the journal.")
    @argument(
        "--tag", "-t", action="append", default=[], help="A tag for the experiment; repeatable."
    )
    @argument(
        "--ignore",
        action="append",
        default=[],
        help="Check codes to ignore in this cell, comma separated (e.g. K104,K303).",
    )
    @argument("--force", action="store_true", help="Train even if checks found errors before training.")
    @argument(
        "--on-duplicate",
        choices=["warn", "skip", "ask"],
        default=None,
        help="When the journal already holds this experiment: warn and train (default), "
        "skip training, or ask.",
    )
    @argument("--save", action="store_true", help="Save the trained model beside the journal.")
    @argument("--no-checks", action="store_true", help="Journal only; run no checks.")
    @argument(
        "--display",
        choices=["auto", "widget", "text", "none"],
        default=None,
        help="How to show kepler's output for this cell.",
    )
    @line_cell_magic
    def kepler(self, line: str, cell: str | None = None) -> Any:
        """kepler: a lab journal for your Keras and scikit-learn experiments."""
        words = _split(line)
        if not words:
            raise UsageError("%kepler needs a subcommand. Usage:\n" + _USAGE)
        subcommand = words[0]
        if subcommand not in SUBCOMMANDS:
            raise UsageError(f"unknown %kepler subcommand {subcommand!r}. Usage:\n" + _USAGE)
        if subcommand == "fit":
            if cell is None:
                raise UsageError("fit is a cell magic: put %%kepler fit on the first line of the cell.")
            # shlex (POSIX) rules, so that quoted values lose their quotes
            args = self.kepler.parser.parse_args(words)
            if args.rest:
                raise UsageError(f"%%kepler fit takes options only, not {' '.join(args.rest)!r}.")
            from kepler_jupyter.commands.fit import run_fit_cell

            return run_fit_cell(self, args, cell)
        if cell is not None:
            raise UsageError(f"{subcommand} is a line magic: use %kepler {subcommand} (one %).")
        return self._route(subcommand, words[1:])

    def _route(self, subcommand: str, argv: list[str]) -> Any:
        from kepler_jupyter.commands import CommandEnv, CommandError
        from kepler_jupyter.journal import Journal, JournalError

        module = importlib.import_module(f"kepler_jupyter.commands.{SUBCOMMANDS[subcommand][0]}")
        try:
            env = CommandEnv(journal=Journal(), shell=self.shell, display_mode=self.display_mode())
            return module.run(argv, env)
        except (CommandError, JournalError) as exc:
            raise UsageError(str(exc)) from None

    def display_mode(self, requested: str | None = None) -> str:
        from kepler_jupyter.display.reporter import detect_display_mode

        mode = requested or self.display
        return detect_display_mode() if mode == "auto" else mode


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"could not read the %kepler line: {exc} (check the quotes).") from None


KeplerMagics.kepler.__doc__ = (KeplerMagics.kepler.__doc__ or "") + "\n\nSubcommands:\n" + _USAGE
