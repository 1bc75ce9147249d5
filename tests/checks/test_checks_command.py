"""``%kepler checks``: the catalogue table, one check in full, filters and project ignores."""

from __future__ import annotations

from pathlib import Path

import pytest

from kepler_jupyter.checks import all_checks
from kepler_jupyter.commands import CommandEnv, CommandError
from kepler_jupyter.commands.checks import main, run
from kepler_jupyter.config import ignore_code_for_project
from kepler_jupyter.journal import Journal


def test_main_lists_every_registered_check():
    text = main([])
    lines = text.splitlines()
    assert lines[0].split() == ["code", "severity", "stage", "frameworks", "title"]
    for check in all_checks():
        assert any(line.startswith(check.code) and check.title in line for line in lines), check.code
    assert f"{len(all_checks())} checks." in lines[-1]


def test_filters_and_one_check_in_full():
    data = main(["--stage", "data"]).splitlines()
    assert all(" data " in line for line in data[1:-1])
    assert all(line.startswith("K6") for line in main(["K6"]).splitlines()[1:-1])
    detail = main(["k303"])
    assert "K303: Exact duplicate training samples" in detail
    assert "why: " in detail and "fix: " in detail and "[thresholds.K303]): max_fraction = 0.01" in detail
    sklearn_only = main(["--framework", "sklearn"])
    assert "K320" in sklearn_only and "K306" not in sklearn_only


def test_user_mistakes_are_command_errors():
    with pytest.raises(CommandError, match="no check code starts with K99"):
        main(["K99"])
    with pytest.raises(CommandError):
        main(["--stage", "everything"])


def test_run_marks_codes_the_project_ignores(tmp_path: Path):
    ignore_code_for_project(tmp_path, "K104")
    catalogue = run(["K1"], CommandEnv(journal=Journal(tmp_path)))
    k104 = next(line for line in repr(catalogue).splitlines() if line.startswith("K104"))
    assert k104.endswith("(ignored in this project)")
    html = catalogue._repr_html_()
    assert "<table>" in html and "ignored in this project" in html
