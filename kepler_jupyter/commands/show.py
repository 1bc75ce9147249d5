"""``%kepler show ID``: one experiment, readable."""

from __future__ import annotations

import html
import json
from typing import Any

from kepler_jupyter.commands import CommandEnv, command_parser, parse_arguments
from kepler_jupyter.display.run_text import format_metrics

# the order sections are shown in; anything else in the record follows
SECTIONS = ("damaged", "notes", "params", "metrics", "data", "model", "findings", "env", "source", "history")


class ExperimentView:
    """One record: a headline, then each section as indented JSON (text) or <details> (HTML)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def headline(self) -> str:
        r = self.record
        parts = [f"{r.get('id')} {r.get('name')!r}", str(r.get("status")), str(r.get("created"))]
        if r.get("duration_s") is not None:
            parts.append(f"{r['duration_s']:.1f} s")
        metrics = format_metrics(r.get("metrics") or {})
        if metrics:
            parts.append(metrics)
        return " · ".join(parts)

    def sections(self) -> list[tuple[str, Any]]:
        record = self.record
        skip = {"id", "name", "status", "created", "format"}
        keys = [k for k in SECTIONS if k in record] + [
            k for k in record if k not in SECTIONS and k not in skip
        ]
        return [(key, record[key]) for key in keys if record[key] not in (None, {}, [])]

    def __repr__(self) -> str:
        lines = [self.headline()]
        for key, value in self.sections():
            if key == "source" and isinstance(value, dict) and value.get("cell"):
                lines.append(f"\n{key}:")
                lines.extend("    " + line for line in str(value["cell"]).splitlines())
                continue
            text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
            lines.append(f"\n{key}:")
            lines.extend("    " + line for line in text.splitlines())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.headline())}</h4>"]
        for key, value in self.sections():
            text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
            is_open = " open" if key in ("damaged", "notes", "params", "metrics") else ""
            parts.append(
                f"<details{is_open}><summary>{html.escape(key)}</summary>"
                f"<pre>{html.escape(text)}</pre></details>"
            )
        return "".join(parts)


def run(argv: list[str], env: CommandEnv) -> ExperimentView:
    parser = command_parser("show", "One experiment in full.")
    parser.add_argument("id", help="The experiment's id (a unique prefix is enough).")
    args = parse_arguments(parser, argv)
    return ExperimentView(env.journal.get(args.id))
