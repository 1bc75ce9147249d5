"""Fixed cases the hostile-journal fuzz found, kept as plain regression tests."""

from __future__ import annotations

from kepler_jupyter.journal import Journal


def test_lone_surrogates_in_setting_names_do_not_hide_the_journal(tmp_path):
    # a hand-edited or foreign journal: text that is not valid UTF-8 once decoded
    (tmp_path / ".kepler").mkdir()
    (tmp_path / ".kepler" / "journal.jsonl").write_text(
        '{"id": "h2", "framework": "keras", "params": {"optimizer": "\\udb1a"}}\n'
        '{"id": "h3", "framework": "sklearn", "params": {"estimator_params": {"\\udb1a": 3}}}\n'
        '{"id": "ok1", "framework": "sklearn", "params": {"estimator_params": {"C": 1.0}}}\n',
        encoding="utf-8")
    assert [record["id"] for record in Journal(tmp_path).experiments()] == ["h2", "h3", "ok1"]
