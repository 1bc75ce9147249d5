"""Reading a stretch of ``journal.jsonl`` for the index: the latest readable line of each id.

Two passes keep a rebuild of a large journal cheap in time and memory: the first reads the
file in blocks and notes where each id's lines are (the id is sliced out of the line prefix,
nothing is parsed), the second reads and parses only the latest line of each id. A latest line
that turns out damaged falls back to that id's previous line, as the journal itself does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kepler_jupyter.journal.index_rows import index_key
from kepler_jupyter.journal.lines import LINE_PREFIX, gc_paused, is_tombstone, parse_record_line

_BLOCK_BYTES = 8 << 20
_AFTER_ID = (ord(","), ord("}"))


@dataclass
class RegionScan:
    """What the complete lines of ``[start, end)`` hold.

    Attributes
    ----------
    end : int
        Offset just after the last complete line (``start`` if there is none).
    n_lines : int
        Complete lines read.
    positions : dict[str, list[tuple[int, int]]]
        Per id, in order of first appearance, the (offset, length) of each of its lines.
    unkeyed : list[tuple[int, int, int]]
        (offset, length, 0-based line index) of lines whose id could not be sliced out
        (written by something else than kepler, or damaged).
    damaged : list[int]
        1-based line numbers of lines found unreadable (filled by ``latest_lines``).
    """

    end: int
    n_lines: int = 0
    positions: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    unkeyed: list[tuple[int, int, int]] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)


def scan_region(fd: int, start: int, end: int) -> RegionScan:
    """Locate the lines of ``[start, end)`` of the open journal ``fd`` (pass one)."""
    scan = RegionScan(end=start)
    position = start
    carry = b""
    id_offset = len(LINE_PREFIX)
    while position < end:
        block = os.pread(fd, min(_BLOCK_BYTES, end - position), position)
        if not block:
            break
        data = carry + block
        base = position - len(carry)
        position += len(block)
        line_start = 0
        find = data.find
        while True:
            newline = find(b"\n", line_start)
            if newline < 0:
                break
            offset, length = base + line_start, newline - line_start
            scan.n_lines += 1
            record_id = None
            if data.startswith(LINE_PREFIX, line_start):
                id_end = find(b'"', line_start + id_offset, newline)
                if id_end > 0 and data[id_end + 1] in _AFTER_ID:
                    raw = data[line_start + id_offset : id_end]
                    if b"\\" not in raw:
                        try:
                            record_id = raw.decode("utf-8")
                        except UnicodeDecodeError:
                            record_id = None
            if record_id is not None:
                scan.positions.setdefault(record_id, []).append((offset, length, scan.n_lines - 1))
            elif data[line_start:newline].strip():
                scan.unkeyed.append((offset, length, scan.n_lines - 1))
            line_start = newline + 1
            scan.end = base + line_start
        carry = data[line_start:]
    return scan


def key_unkeyed_lines(fd: int, scan: RegionScan, first_line: int) -> None:
    """Parse lines without kepler's prefix to learn their id (rare: hand-written lines)."""
    merged: dict[str, list[tuple[int, int, int]]] = {}
    for offset, length, index in scan.unkeyed:
        record = parse_record_line(os.pread(fd, length, offset))
        if record is None:
            scan.damaged.append(first_line + index)
        else:
            merged.setdefault(record["id"], []).append((offset, length, index))
    for record_id, places in merged.items():
        scan.positions[record_id] = sorted([*scan.positions.get(record_id, []), *places])
    scan.unkeyed = []


@dataclass(frozen=True)
class LatestLine:
    """The latest readable line of one id: its record (or ``None`` for a tombstone)."""

    record_id: str
    offset: int
    length: int
    record: dict[str, Any] | None


def latest_lines(fd: int, scan: RegionScan, first_line: int = 1) -> Iterator[LatestLine]:
    """Pass two: parse the latest readable line of each id, in order of first appearance.

    Ids whose every line in the region is damaged are left out; damaged lines met on the way
    are added to ``scan.damaged`` (numbered from ``first_line``).
    """
    if scan.unkeyed:
        key_unkeyed_lines(fd, scan, first_line)
    total = sum(places[-1][1] for places in scan.positions.values())
    with gc_paused(total):
        for record_id, places in scan.positions.items():
            for offset, length, index in reversed(places):
                record = parse_record_line(os.pread(fd, length, offset))
                if record is None or record["id"] != record_id:
                    scan.damaged.append(first_line + index)
                    continue  # damaged: the previous line of this id counts
                yield LatestLine(record_id, offset, length, None if is_tombstone(record) else record)
                break


def read_record(fd: int, offset: int, length: int, record_id: str) -> dict[str, Any] | None:
    """The record on the line at ``offset``, if it is a readable version of ``record_id`` (the
    id, or its index key: ``index_rows.index_key``)."""
    record = parse_record_line(os.pread(fd, length, offset))
    if record is None or is_tombstone(record) or (
            record["id"] != record_id and index_key(record["id"]) != record_id):
        return None
    return record
