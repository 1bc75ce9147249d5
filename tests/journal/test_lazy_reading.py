"""Reading only what is needed: heads for listings, one record for ``get``, fields for search."""

from __future__ import annotations

import json

import pytest
from journal_helpers import make_record, other_process_view

from kepler_jupyter.journal import Journal, JournalDamageWarning, lines, logfile
from kepler_jupyter.journal.lines import HEAD_MEMBER_MAX_CHARS, encode_line


def big_record(record_id: str, **fields) -> dict:
    """A record with large fields, as a real fit produces."""
    return make_record(
        record_id,
        model={"class": "Sequential", "config": {"layers": [{"units": k} for k in range(40)]}},
        history={"loss": [1.0 / (k + 1) for k in range(40)]},
        source={"cell": "model.fit(X, y)\n" * 20},
        **fields,
    )


@pytest.fixture
def full_parses(monkeypatch):
    """Lines parsed whole (not just their head or one field)."""
    seen: list[bytes] = []
    original = lines.parse_record_line

    def counting(line: bytes):
        if b",\t" in line:
            seen.append(line)
        return original(line)

    monkeypatch.setattr(lines, "parse_record_line", counting)
    monkeypatch.setattr(logfile, "parse_record_line", counting)
    return seen


def test_small_fields_come_first_and_large_ones_after_tabs():
    record = big_record("abc", notes={"hypothesis": "x"})
    line = encode_line({"id": "abc", **record})
    head, *tail = line.rstrip(b"\n").split(b",\t")
    assert head.startswith(b'{"id": "abc", ') and b'"status": "completed"' in head
    assert [json.loads(member.split(b": ", 1)[0]) for member in tail] == [
        "model", "history", "source"]
    assert json.loads(line) == record
    long_id = "i" * (HEAD_MEMBER_MAX_CHARS + 10)
    assert encode_line({"id": long_id, "x": 1}).startswith(b'{"id": "' + long_id.encode())


def test_listing_parses_heads_only(project_dir, full_parses, no_index):
    writer = Journal(project_dir)
    for index in range(20):
        writer.add(big_record(f"r{index:02d}", created=f"2025-01-{index + 1:02d}"))
    reader = other_process_view(project_dir)
    listed = reader.experiments(fields=["name", "status", "metrics"])
    assert [r["id"] for r in listed] == [f"r{index:02d}" for index in range(20)]
    assert listed[0] == {"id": "r00", "name": "experiment r00", "status": "completed",
                         "metrics": {"accuracy": 0.5}}
    assert full_parses == []
    # one large field is parsed alone, without the others
    models = reader.experiments(fields=["model"])
    assert models[3]["model"]["class"] == "Sequential" and set(models[3]) == {"id", "model"}
    assert full_parses == []


def test_get_parses_one_record(project_dir, full_parses, no_index):
    writer = Journal(project_dir)
    for index in range(20):
        writer.add(big_record(f"g{index:02d}"))
    reader = other_process_view(project_dir)
    assert reader.get("g07") == {**big_record("g07"), "format": 1}
    assert len(full_parses) == 1


def test_search_parses_the_searched_fields_then_the_matches(project_dir, full_parses, no_index):
    writer = Journal(project_dir)
    for index in range(20):
        writer.add(big_record(f"s{index:02d}", params={"optimizer": "sgd" if index % 10 else
                                                       "adam"}))
    reader = other_process_view(project_dir)
    found = reader.search(**{"params.optimizer": "adam", "model.class": "Sequential"})
    assert [r["id"] for r in found] == ["s00", "s10"]
    assert found[0]["history"]["loss"][0] == 1.0
    assert len(full_parses) == 2
    assert [r["id"] for r in reader.experiments(status="completed", fields=["name"])][:2] == [
        "s00", "s01"]


def test_fields_agree_with_full_records(project_dir):
    writer = Journal(project_dir)
    writer.add(big_record("f1", tags=["x"]))
    # written by another tool: no tabs, id not first, tabs inside nested whitespace
    with open(writer.path, "ab") as handle:
        handle.write(b'{"name": "n", "id": "f2", "model": {"a": 1}}\n')
        handle.write(b'{"id": "f3", "big": {"a": 1,\t"b": [2,\t3]},\t"tail": "' + b"t" * 300
                     + b'"}\n')
    reader = other_process_view(project_dir)
    reader._file.refresh()
    names = {"id", "name", "model", "big", "tail", "history", "missing"}
    for record_id in ("f1", "f2", "f3"):
        projected = reader._file.fields(record_id, names)
        full = other_process_view(project_dir).get(record_id)
        assert projected == {name: full[name] for name in names if name in full}


def test_a_damaged_latest_line_found_late_falls_back_to_the_previous_version(project_dir, no_index):
    writer = Journal(project_dir)
    writer.add(big_record("d1", status="running"))
    line = encode_line({**big_record("d1"), "status": "completed"})
    corrupted = line.replace(b'"loss": [1.0', b'"loss": [1.0 oops', 1)
    assert corrupted.endswith(b"}\n")  # looks complete: read raw, found damaged on parsing
    with open(writer.path, "ab") as handle:
        handle.write(corrupted)
    reader = other_process_view(project_dir)
    assert reader.experiments(fields=["status"])[0]["status"] == "completed"  # head is fine
    with pytest.warns(JournalDamageWarning, match="line 2"):
        assert reader.get("d1")["status"] == "running"
    assert reader.damaged_lines == [2]
    assert reader.experiments(fields=["status"])[0]["status"] == "running"
