"""Write the parts of ``journal_api.schema.json`` that are generated from Python.

``$defs/ExperimentRecord`` is generated from the record's field list
(``journal.record.record_json_schema``); a test fails when the file and the fields drift.
Run ``python -m kepler_jupyter.schema.generate`` after changing the fields, then
``npm run build:schema`` in ``labextension/`` for the panel's types.
"""

from __future__ import annotations

import json
from pathlib import Path

from kepler_jupyter.journal.record import record_json_schema
from kepler_jupyter.schema import API_SCHEMA_PATH

_INDENT = "    "  # ``$defs`` entries sit two levels deep in the file


def update_record_schema(path: Path = API_SCHEMA_PATH) -> bool:
    """Replace ``$defs/ExperimentRecord`` in the schema file, keeping the rest as written.

    Returns
    -------
    bool
        Whether the file changed.
    """
    text = path.read_text(encoding="utf-8")
    start = text.index('"ExperimentRecord": {')
    end = _closing_brace(text, text.index("{", start)) + 1
    block = json.dumps(record_json_schema(), indent=2, ensure_ascii=False)
    block = block.replace("\n", "\n" + _INDENT)
    updated = text[:start] + '"ExperimentRecord": ' + block + text[end:]
    if updated == text:
        return False
    json.loads(updated)  # never write a file the server could not read
    path.write_text(updated, encoding="utf-8")
    return True


def _closing_brace(text: str, opening: int) -> int:
    depth, in_string, escaped = 0, False, False
    for index in range(opening, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced braces in the schema file")


if __name__ == "__main__":  # pragma: no cover
    print("updated" if update_record_schema() else "already up to date")
