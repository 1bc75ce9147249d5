"""The line format and the chunk scanner behind incremental reads."""

from __future__ import annotations

import gc
import json

import pytest

from kepler_jupyter.journal.lines import (
    encode_line,
    gc_paused,
    is_tombstone,
    parse_record_line,
    scan_chunk,
    tombstone,
)


def _lines(*records) -> bytes:
    return b"".join(encode_line({"id": r[0], **r[1]}) if isinstance(r, tuple) else r
                    for r in records)


@pytest.mark.parametrize(
    ("chunk", "latest", "damaged"),
    [
        (_lines(("a", {"v": 1}), ("b", {"v": 1}), ("a", {"v": 2})),
         {"a": {"id": "a", "v": 2}, "b": {"id": "b", "v": 1}}, {}),
        (_lines(("a", {"v": 1}), encode_line(tombstone("a"))),
         {"a": {"id": "a", "$deleted": True}}, {}),
        (_lines(b'{"v": 3, "id": "c"}\n', b"\n", b"  \n", ("d", {})),
         {"c": {"v": 3, "id": "c"}, "d": {"id": "d"}}, {}),
        (_lines(("a", {"v": 1}), b"oops\n", ("b", {}), b'{"id": "a", "v": 2, "cut\n'),
         {"a": {"id": "a", "v": 1}, "b": {"id": "b"}}, {1: b"oops", 3: b'{"id": "a", "v": 2, "cut'}),
        (_lines(b'{"id": "x"}\n', b'{"id": 5}\n', b'"just a string"\n', b'{"id": ""}\n'),
         {"x": {"id": "x"}}, {1: b'{"id": 5}', 2: b'"just a string"', 3: b'{"id": ""}'}),
    ],
    ids=["versions", "tombstone", "other-writers", "damaged", "not-records"],
)
def test_scan_chunk(chunk, latest, damaged):
    scan = scan_chunk(chunk)
    assert scan.latest == latest
    assert list(scan.latest) == list(latest)  # order of first appearance
    assert scan.damaged == damaged
    assert scan.n_lines == chunk.count(b"\n")


def test_encode_line_is_one_readable_json_line():
    line = encode_line({"id": "é", "text": "a\nb\tc", "n": 1.5})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert line.startswith('{"id": "é"'.encode())
    assert json.loads(line) == {"id": "é", "text": "a\nb\tc", "n": 1.5}
    with pytest.raises(ValueError):
        encode_line({"id": "x", "bad": float("nan")})


def test_parse_and_tombstones():
    assert parse_record_line(b'{"id": "a"}') == {"id": "a"}
    assert parse_record_line(b"[" * 100000) is None  # too deep: not a crash
    assert is_tombstone(tombstone("a")) and not is_tombstone({"id": "a"})


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_restores_the_collector_and_leaves_frozen_objects_alone(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with gc_paused(10 << 20):
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with gc_paused(10):  # small: untouched
            assert gc.isenabled() is enabled
        gc.freeze()
        frozen = gc.get_freeze_count()
        with gc_paused(10 << 20):
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        gc.enable() if was else gc.disable()
