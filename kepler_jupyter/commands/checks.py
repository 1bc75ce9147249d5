"""``%kepler checks``: the catalogue of checks, or one check in full.

``%kepler checks`` lists every code; ``%kepler checks K3 K101`` only those codes or prefixes;
``%kepler checks --stage data``; ``%kepler checks K303`` (one exact code) shows its why, fix
and tunable thresholds. Codes the project ignores are marked.
"""

from __future__ import annotations

import html
from typing import Any

from kepler_jupyter.commands import CommandEnv, CommandError, command_parser, parse_arguments

COLUMNS = ("code", "severity", "stage", "frameworks", "title")


def _parser() -> Any:
    parser = command_parser("checks", "The catalogue of kepler's checks and their codes.")
    parser.add_argument("codes", nargs="*", help="Codes or prefixes to show (e.g. K3 K101); all by default.")
    parser.add_argument("--stage", choices=["data", "model", "settings", "training", "results"],
                        help="Only the checks of this stage.")
    parser.add_argument("--framework", choices=["keras", "sklearn"], help="Only checks for this framework.")
    return parser


def catalogue_rows(codes: list[str] | None = None, stage: str | None = None,
                   framework: str | None = None) -> list[dict[str, str]]:
    """One row per registered check matching the filters, sorted by code."""
    from kepler_jupyter.checks.registry import all_checks
    from kepler_jupyter.checks.runner import normalise_codes

    prefixes = normalise_codes(codes)
    rows = []
    for check in all_checks():
        if prefixes and not any(check.code.startswith(p) for p in prefixes):
            continue
        if stage and check.stage != stage:
            continue
        if framework and framework not in check.frameworks:
            continue
        rows.append({"code": check.code, "severity": check.severity, "stage": check.stage,
                     "frameworks": ", ".join(check.frameworks), "title": check.title})
    return rows


class CheckCatalogue:
    """The catalogue as a table: plain text for terminals, HTML in notebooks."""

    def __init__(self, rows: list[dict[str, str]], ignored: list[str] | None = None,
                 detail: str = "") -> None:
        self.rows = rows
        self.ignored = ignored or []
        self.detail = detail

    def _ignored(self, code: str) -> bool:
        return any(code.startswith(prefix) for prefix in self.ignored)

    def text(self) -> str:
        if not self.rows:
            return "No check matches."
        widths = {c: max(len(c), *(len(r[c]) for r in self.rows)) for c in COLUMNS[:-1]}
        lines = ["  ".join(c.ljust(widths.get(c, 0)) for c in COLUMNS).rstrip()]
        for row in self.rows:
            mark = "  (ignored in this project)" if self._ignored(row["code"]) else ""
            cells = [row[c].ljust(widths[c]) for c in COLUMNS[:-1]] + [row["title"] + mark]
            lines.append("  ".join(cells))
        lines.append(f"{len(self.rows)} check{'' if len(self.rows) == 1 else 's'}. `%kepler checks CODE` explains one; "
                     "docs/checks.md documents all.")
        return "\n".join(lines + ([self.detail] if self.detail else []))

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{c}</th>" for c in COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(row[c])}</td>" for c in COLUMNS)
            + ("<td><i>ignored in this project</i></td>" if self._ignored(row["code"]) else "<td></td>")
            + "</tr>"
            for row in self.rows
        )
        detail = f"<pre>{html.escape(self.detail)}</pre>" if self.detail else ""
        return f"<table><thead><tr>{head}<th></th></tr></thead><tbody>{body}</tbody></table>{detail}"


def describe_check(code: str) -> str:
    """One check in full: title, severity, stage, why, fix and tunable thresholds."""
    from kepler_jupyter.checks.registry import get_check

    try:
        check = get_check(code)
    except KeyError as error:
        raise CommandError(str(error.args[0])) from None
    lines = [f"{check.code}: {check.title}",
             f"severity {check.severity}, stage {check.stage}, for {', '.join(check.frameworks)}",
             f"why: {check.why}", f"fix: {check.fix}"]
    if check.defaults:
        settings = ", ".join(f"{key} = {value!r}" for key, value in check.defaults.items())
        lines.append(f"thresholds (set them in [thresholds.{check.code}]): {settings}")
    return "\n".join(lines)


def _catalogue(argv: list[str], ignored: list[str]) -> CheckCatalogue:
    args = parse_arguments(_parser(), argv)
    rows = catalogue_rows(args.codes, args.stage, args.framework)
    exact = [c.upper() for c in args.codes if any(r["code"] == c.upper() for r in rows)]
    detail = describe_check(exact[0]) if len(args.codes) == 1 and exact else ""
    if args.codes and not rows:
        raise CommandError(f"no check code starts with {', '.join(args.codes)}; "
                           "`%kepler checks` lists them all.")
    return CheckCatalogue(rows, ignored, detail)


def run(argv: list[str], env: CommandEnv) -> CheckCatalogue:
    """``%kepler checks [CODES...] [--stage S] [--framework F]``."""
    ignored: list[str] = []
    project_dir = getattr(env.journal, "project_dir", None) if env is not None else None
    if project_dir is not None:
        from kepler_jupyter.config import load_project_config

        ignored = list(load_project_config(project_dir).get("ignore") or [])
    return _catalogue(argv, ignored)


def main(argv: list[str]) -> str:
    """The catalogue as plain text (for ``%kepler checks`` in a terminal and the CLI)."""
    return _catalogue(list(argv), []).text()
