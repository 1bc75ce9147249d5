"""One module per ``%kepler`` subcommand; ``magics.py`` only parses and routes.

Every command module exposes ``run(argv: list[str], env: CommandEnv) -> object``: it parses its
own arguments with ``parse_arguments`` and returns what should be displayed (a widget, an
object with ``_repr_html_``, or a string), or ``None``. A user mistake raises ``CommandError``,
which the magic turns into IPython's short ``UsageError`` (no traceback).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any


class CommandError(Exception):
    """A user mistake in a ``%kepler`` command: shown as a one-line usage message."""


@dataclass
class CommandEnv:
    """What a command may use: the project journal, the shell and how to display."""

    journal: Any
    shell: Any = None
    #: "widget" inside a notebook front end, "text" in a terminal or script
    display_mode: str = "text"


class _RaisingParser(argparse.ArgumentParser):
    """argparse prints and exits on errors; a magic must raise a short message instead."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CommandError(f"{self.prog}: {message}. See `%kepler?` for usage.")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            raise CommandError(message.strip())
        raise CommandError(self.format_help())


def command_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """An argparse parser for a subcommand that raises ``CommandError`` instead of exiting."""
    return _RaisingParser(prog=f"%kepler {prog}", description=description, add_help=False)


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse ``argv`` with ``parser``; mistakes raise ``CommandError``."""
    return parser.parse_args(argv)
