"""``%kepler init [PATH]``: use PATH (default: the working directory) as this kernel's project."""

from __future__ import annotations

from pathlib import Path

from kepler_jupyter.commands import CommandEnv, CommandError, command_parser, parse_arguments


def run(argv: list[str], env: CommandEnv) -> str:
    parser = command_parser("init", "Create PATH/.kepler and journal this kernel's experiments there.")
    parser.add_argument("path", nargs="?", default=".", help="The project folder (default: here).")
    args = parse_arguments(parser, argv)
    from kepler_jupyter.journal import init_project, set_project_dir

    path = Path(args.path).expanduser()
    if path.exists() and not path.is_dir():
        raise CommandError(f"%kepler init: {path} is a file; give a folder.")
    kepler_dir = init_project(path)
    set_project_dir(path)
    return f"kepler: journaling this kernel's experiments in {kepler_dir}"
