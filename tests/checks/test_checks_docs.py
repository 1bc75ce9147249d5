"""docs/checks.md documents every registered code, and each example really triggers its code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kepler_jupyter.checks import all_checks

DOCS = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
SECTION = re.compile(r"^### (K\d{3}) — (.+)$", re.M)
EXAMPLE = re.compile(r"```python\n(.*?)```", re.S)


def sections() -> dict[str, tuple[str, str]]:
    """code -> (title, section text up to the next heading)."""
    text = DOCS.read_text(encoding="utf-8")
    found = {}
    matches = list(SECTION.finditer(text))
    for match, following in zip(matches, [*matches[1:], None], strict=False):
        end = following.start() if following else len(text)
        found[match.group(1)] = (match.group(2).strip(), text[match.end() : end])
    return found


def test_every_registered_code_is_documented_with_its_title():
    text = DOCS.read_text(encoding="utf-8")
    documented = sections()
    for check in all_checks():
        assert check.code in documented, f"{check.code} has no section in docs/checks.md"
        assert documented[check.code][0] == check.title, check.code
        row = rf"^\| {check.code} \| {check.severity} \| {check.stage} \| {', '.join(check.frameworks)} \|"
        assert re.search(row, text, re.M), f"{check.code} is missing from the catalogue table"
        assert EXAMPLE.search(documented[check.code][1]), f"{check.code} has no example"


EXAMPLES = {code: EXAMPLE.search(body) for code, (_, body) in sections().items()}


@pytest.mark.parametrize("code", sorted(code for code, example in EXAMPLES.items() if example))
def test_documented_example_triggers_its_code(code, project):
    namespace: dict = {}
    exec(compile(EXAMPLES[code].group(1), f"docs/checks.md:{code}", "exec"), namespace)
    findings = namespace["findings"]
    assert code in {f.code for f in findings}, [str(f) for f in findings]
