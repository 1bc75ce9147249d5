"""The line format of ``journal.jsonl``: writing one line, and reading many quickly.

Each line is one full version of one record as JSON; the last line for an id wins, and a line
``{"id": ..., "$deleted": true}`` (a tombstone) removes the record. kepler writes ``id`` first,
then the other small fields (the *head*), then each large field after a comma and a tab::

    {"id": "3fk0q9xw2m", "name": "mlp", "status": "completed", "metrics": {...},\t"model": {...},\t"history": {...}}

Tabs are plain JSON whitespace, so every line stays ordinary JSON, but ``json.dumps`` never
writes a raw tab itself (not even inside strings), so a tab after a comma marks a top-level
field. Readers use that to list experiments from the heads alone, and to pick single large
fields, without parsing whole records.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kepler_jupyter.journal.record_fields import MAX_NESTING, nesting_depth_exceeds

TOMBSTONE_KEY = "$deleted"

# Every line kepler writes starts like this, so the id can be sliced out without parsing the
# line: superseded versions are then never parsed at all.
LINE_PREFIX = b'{"id": "'
_AFTER_ID = (ord(","), ord("}"))
_TAIL_SEPARATOR = b",\t"
# A top-level field whose JSON (key included) is longer than this goes after the head.
HEAD_MEMBER_MAX_CHARS = 200
# Latest lines up to this size are parsed when read (tombstones among them); longer ones
# wait until a caller needs them.
_PARSE_AT_ONCE_BYTES = 256

_ENCODERS = {
    ascii_only: json.JSONEncoder(ensure_ascii=ascii_only, allow_nan=False)
    for ascii_only in (False, True)
}


def encode_line(record: dict[str, Any]) -> bytes:
    """One journal line for an already JSON-safe record whose first key is ``id``."""
    try:
        return _encode(record, ascii_only=False).encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates cannot be written as UTF-8; escaped they survive the round trip.
        return _encode(record, ascii_only=True).encode("ascii")


def _encode(record: dict[str, Any], ascii_only: bool) -> str:
    encode = _ENCODERS[ascii_only].encode
    head, tail = [], []
    for key, value in record.items():
        member = f"{encode(key)}: {encode(value)}"
        if key == "id" or len(member) <= HEAD_MEMBER_MAX_CHARS:
            head.append(member)
        else:
            tail.append(member)
    return "{" + ", ".join(head) + "".join(",\t" + member for member in tail) + "}\n"


def tombstone(record_id: str) -> dict[str, Any]:
    """The line content that removes a record."""
    return {"id": record_id, TOMBSTONE_KEY: True}


def is_tombstone(record: dict[str, Any]) -> bool:
    """Whether a parsed line removes its record instead of holding a version of it."""
    return len(record) == 2 and record.get(TOMBSTONE_KEY) is True


def parse_record_line(line: bytes) -> dict[str, Any] | None:
    """The record on one line, or ``None`` if the line is not a valid record."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or _too_deep(line, record, MAX_NESTING):
        return None
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id:
        return None
    return record


def parse_head(line: bytes) -> dict[str, Any] | None:
    """The small top-level fields of a line (all of them if it has no tail); ``None`` if the
    head cannot be read that way (the caller then parses the whole line)."""
    cut = line.find(_TAIL_SEPARATOR)
    return parse_record_line(line if cut < 0 else line[:cut] + b"}")


def parse_tail_fields(line: bytes, names: set[str]) -> dict[str, Any] | None:
    """The large top-level fields ``names`` of a line, parsing only those; ``None`` if the
    tail cannot be read that way."""
    cut = line.find(_TAIL_SEPARATOR)
    if cut < 0:
        return {}
    found: dict[str, Any] = {}
    for member in line[cut + len(_TAIL_SEPARATOR) : -1].split(_TAIL_SEPARATOR):
        key_end = member.find(b'": ')
        raw_key = member[1:key_end]
        if key_end < 1 or b"\\" in raw_key:
            return None  # not a member as kepler writes them: let the caller parse it all
        try:
            key = raw_key.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if key in names:
            # as an object of its own the field sits at level 2, as in its record
            raw = b"{" + member + b"}"
            try:
                parsed = json.loads(raw)
            except (ValueError, RecursionError):
                return None
            if _too_deep(raw, parsed, MAX_NESTING):
                return None
            found.update(parsed)
    return found


def _too_deep(raw: bytes, parsed: Any, limit: int) -> bool:
    """Whether a parsed line nests deeper than ``limit``: a damaged line, since kepler never
    writes one and readers (and the panel) would fail on it.

    Measured on the bytes, in C: a line with few brackets cannot nest deeply. Otherwise the
    brackets outside strings (escaped quotes removed, then every other piece between quotes)
    are reduced to ``(`` and ``)``, and each removal of every innermost ``()`` pair takes
    away one level. Only a shape that does not reduce that way falls back to walking
    ``parsed``.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    if b'\\"' in raw:  # only a backslash before a quote can hide or fake a string's end
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = raw.translate(None, _NOT_STRUCTURE).replace(b'""', b"")  # most strings hold none
    if b'"' in kept:
        kept = b"".join(kept.split(b'"')[0::2])
    shape = kept.translate(_BRACKET_SHAPE)
    for _ in range(limit):
        shorter = shape.replace(b"()", b"")
        if not shorter:
            return False
        if len(shorter) == len(shape):
            break  # not the shape of JSON: let the walk decide
        shape = shorter
    return nesting_depth_exceeds(parsed, limit)


_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'"[]{}')))
_BRACKET_SHAPE = bytes.maketrans(b"[{]}", b"(())")


# Below this many bytes a parse allocates too little for the collector to matter.
_GC_PAUSE_MIN_BYTES = 1 << 20


@contextmanager
def gc_paused(n_bytes: int) -> Iterator[None]:
    """Keep the cyclic garbage collector out of parsing ``n_bytes`` of JSON, if that is a lot.

    Parsing a large journal builds millions of dicts and lists. With the collector on, the
    allocation burst triggers collections that scan everything built so far, again and again
    (about twice the parse time itself); JSON data holds no reference cycles, so they find
    nothing. So young garbage is collected first (cheap), the collector is paused while
    parsing, and the new objects are then moved straight to the oldest generation
    (``freeze`` + ``unfreeze``) rather than being scanned twice more on their way there.
    Objects the caller drops are freed by reference counting anyway.
    """
    if n_bytes < _GC_PAUSE_MIN_BYTES or not gc.isenabled():
        yield
        return
    gc.collect(1)
    gc.disable()
    try:
        yield
    finally:
        # Only when nobody else uses the permanent generation: unfreeze would release theirs.
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


@dataclass
class ChunkScan:
    """What a run of complete lines holds.

    Attributes
    ----------
    latest : dict[str, dict | bytes]
        Latest readable version (or tombstone) of each id, in order of first appearance:
        parsed, or still the raw line when it is long and parsing was not asked for.
    line_index : dict[str, int]
        0-based line index of each raw (unparsed) latest line, to report it if it turns out
        damaged when parsed later.
    n_lines : int
        Lines in the chunk.
    damaged : dict[int, bytes]
        0-based line index -> raw bytes of each line that is not a valid record.
    """

    latest: dict[str, dict[str, Any] | bytes] = field(default_factory=dict)
    line_index: dict[str, int] = field(default_factory=dict)
    n_lines: int = 0
    damaged: dict[int, bytes] = field(default_factory=dict)


def scan_chunk(chunk: bytes, parse_all: bool = False) -> ChunkScan:
    """Read a run of complete lines (``chunk`` ends with a newline), parsing as little as it can.

    Lines are located with ``find`` on the chunk rather than ``split``, ids are sliced out of
    the line prefix, and superseded lines are never parsed. Latest lines are parsed when
    ``parse_all``, when short (tombstones), or when they do not end like a record (a write cut
    short); a damaged latest line falls back to the id's previous readable line. Other latest
    lines are returned raw, to be parsed when needed.
    """
    latest_line: dict[str, tuple[int, int, int]] = {}  # id -> (line index, start, end)
    parsed: dict[int, dict[str, Any]] = {}
    bad_lines: list[int] = []
    find, starts_with = chunk.find, chunk.startswith
    id_offset = len(LINE_PREFIX)
    start = index = 0
    size = len(chunk)
    scan = ChunkScan()
    with gc_paused(size if parse_all else 0):
        while start < size:
            end = find(b"\n", start)  # always found: the chunk ends with a newline
            if starts_with(LINE_PREFIX, start):
                id_end = find(b'"', start + id_offset, end)
                if id_end > 0 and chunk[id_end + 1] in _AFTER_ID:
                    raw_id = chunk[start + id_offset : id_end]
                    if b"\\" not in raw_id:
                        try:
                            latest_line[raw_id.decode("utf-8")] = (index, start, end)
                        except UnicodeDecodeError:
                            pass
                        else:
                            start, index = end + 1, index + 1
                            continue
            line = chunk[start:end]
            if line.strip():
                record = parse_record_line(line)
                if record is None:
                    bad_lines.append(index)
                else:
                    parsed[index] = record
                    latest_line[record["id"]] = (index, start, end)
            start, index = end + 1, index + 1
        for record_id, (line_index, start, end) in latest_line.items():
            record = parsed.get(line_index)
            if record is None:
                line = chunk[start:end]
                if not parse_all and len(line) > _PARSE_AT_ONCE_BYTES and line.endswith(b"}"):
                    scan.latest[record_id] = line
                    scan.line_index[record_id] = line_index
                    continue
                record = parse_record_line(line)
            if record is None or record["id"] != record_id:
                bad_lines.append(line_index)
                record = _earlier_version(chunk, line_index, record_id, parsed, bad_lines)
                if record is None:
                    continue
            scan.latest[record_id] = record
    scan.n_lines = index
    if bad_lines:
        lines = chunk.split(b"\n")
        scan.damaged = {line_index: lines[line_index] for line_index in sorted(set(bad_lines))}
    return scan


def _earlier_version(
    chunk: bytes,
    index: int,
    record_id: str,
    parsed: dict[int, dict[str, Any]],
    bad_lines: list[int],
) -> dict[str, Any] | None:
    """The last readable version of a record before its damaged latest line (rare path)."""
    lines = chunk.split(b"\n")
    marker = LINE_PREFIX + json.dumps(record_id, ensure_ascii=False)[1:].encode("utf-8")
    for earlier in range(index - 1, -1, -1):
        record = parsed.get(earlier)
        if record is None:
            if not lines[earlier].startswith(marker):
                continue
            record = parse_record_line(lines[earlier])
            if record is None:
                bad_lines.append(earlier)
                continue
        if record["id"] == record_id:
            return record
    return None
