"""Hostile journals: what a shared, cloned, hand-edited or half-written ``journal.jsonl`` can hold.

Strategies draw arbitrary JSON records (wrong types in every known field, huge strings, deep
nesting, unicode, NaN / inf, duplicate ids, tombstones, lines that are not records at all)
mixed with well-formed records, which must stay visible whatever surrounds them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

#: the record's top-level fields (docs/architecture.md), each of which gets wrong types
FIELDS = ("format", "project", "name", "status", "created", "started", "ended", "duration_s",
          "framework", "model", "params", "data", "history", "metrics", "findings", "env",
          "source", "notes", "tags", "fingerprint", "error", "stop_reason", "summary", "changes",
          "duplicate_of", "artifacts", "epochs_done")

HUGE = 300_000  # characters of a huge string: large enough to hurt a list payload

scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@dataclass(frozen=True)
class Deep:
    """A value nested ``depth`` levels deep; written as JSON text directly, because Python's
    own encoder (like the reader's decoder) gives up near 1,000 levels."""

    depth: int

    def json_text(self) -> str:
        pairs = self.depth // 2
        return '{"k": [' * pairs + "1" + "]}" * pairs


huge_text = st.sampled_from(["x", "é", "\u202e", "<a href='x'>%{x}</a>", "\ud800"]).map(
    lambda piece: piece * (HUGE // len(piece)))
deep = st.integers(min_value=50, max_value=3000).map(Deep)
field_values = json_values | huge_text | deep | st.just(float("nan")) | st.just({"loss": "abc"})

hostile_ids = st.sampled_from(["h0", "h1", "h2", "h3", "h4", "h5"]) | st.text(min_size=1, max_size=12).filter(
    lambda text: not text.startswith("g00d"))
# ids that are not text (or missing) make the whole line unreadable as a record
odd_ids = st.none() | st.integers() | st.lists(st.integers(), max_size=2) | st.just("")


@st.composite
def hostile_records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {"id": draw(hostile_ids)}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=8, unique=True)):
        record[name] = draw(field_values)
    extra = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2))
    record.update({key: value for key, value in extra.items() if key != "id"})
    return record


def good_record(index: int, version: int = 0) -> dict[str, Any]:
    """A well-formed record as kepler writes it (every field of its documented type)."""
    exp_id = f"g00d{index:08d}"
    losses = [round(1.0 / (epoch + 1 + version), 4) for epoch in range(3)]
    return {
        "id": exp_id, "format": 1, "project": "p", "name": f"good {index} v{version}",
        "status": "completed", "created": f"2025-01-{1 + index % 28:02d}T00:00:00+00:00",
        "started": "2025-01-01T00:00:01+00:00", "ended": "2025-01-01T00:00:09+00:00",
        "duration_s": 8.0, "framework": "keras",
        "model": {"class": "Sequential", "n_params": 100 + index,
                  "layers": [{"name": "dense", "class": "Dense", "units": 8}]},
        "params": {"epochs": 3, "batch_size": 32, "optimizer": "Adam", "learning_rate": 0.001,
                   "loss": "mse"},
        "data": {"n_samples": 100, "n_features": 4, "fingerprints": {"X": "ab", "y": "cd"}},
        "history": {"loss": losses, "val_loss": [value * 1.1 for value in losses]},
        "metrics": {"loss": losses[-1], "val_loss": losses[-1] * 1.1},
        "findings": [{"code": "K101", "title": "t", "severity": "warning", "stage": "settings",
                      "message": "m", "why": "w", "fix": "f"}],
        "env": {"python": "3.12"}, "source": {"cell": "model.fit(X, y)", "notebook": None},
        "notes": {"hypothesis": "h", "conclusion": None}, "tags": ["good"],
        "fingerprint": {"experiment": f"e{index}", "model": "m", "data": "d", "settings": "s"},
        "summary": {"model_class": "Sequential", "n_params": 100 + index},
    }


@dataclass
class HostileJournal:
    """What was written, and what a reader must therefore show."""

    lines: list[bytes] = field(default_factory=list)
    good_ids: set[str] = field(default_factory=set)
    n_hostile: int = 0

    def write(self, project: Path) -> Path:
        kepler_dir = project / ".kepler"
        kepler_dir.mkdir(parents=True, exist_ok=True)
        path = kepler_dir / "journal.jsonl"
        path.write_bytes(b"".join(self.lines))
        return path


def _line(record: Any) -> bytes:
    # json.dumps writes NaN / Infinity tokens and lone surrogates escaped, as a careless or
    # hostile writer would; kepler's own writer refuses both.
    deep: list[Deep] = []

    def placeholder(value: Any) -> str:
        deep.append(value)
        return f"@@deep{len(deep) - 1}@@"

    text = json.dumps(record, allow_nan=True, default=placeholder)
    for index, value in enumerate(deep):
        text = text.replace(f'"@@deep{index}@@"', value.json_text())
    return (text + "\n").encode("utf-8")


garbage_lines = st.sampled_from([
    b"{not json\n", b"[1, 2, 3]\n", b'"just a string"\n', b"null\n", b"\n", b"\x00\xff\xfe\n",
    b'{"id": "trunc', b'{"name": "no id"}\n',
])


@st.composite
def hostile_journals(draw: st.DrawFn, max_good: int = 4, max_hostile: int = 6) -> HostileJournal:
    journal = HostileJournal()
    n_good = draw(st.integers(min_value=1, max_value=max_good))
    entries: list[tuple[str, Any]] = []
    for index in range(n_good):
        for version in range(draw(st.integers(min_value=1, max_value=2))):
            entries.append(("good", good_record(index, version)))
        journal.good_ids.add(good_record(index)["id"])
    for record in draw(st.lists(hostile_records(), max_size=max_hostile)):
        entries.append(("hostile", record))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        entries.append(("tombstone", {"id": draw(hostile_ids), "$deleted": True}))
    for odd in draw(st.lists(odd_ids, max_size=2)):
        entries.append(("hostile", {"id": odd, "name": "odd id"}))
    for garbage in draw(st.lists(garbage_lines, max_size=2)):
        entries.append(("raw", garbage))
    order = draw(st.permutations(range(len(entries))))
    # a good record's versions keep their order: the last one written wins
    good_versions = iter(sorted(i for i in order if entries[i][0] == "good"))
    for position in order:
        kind, value = entries[position]
        if kind == "good":
            kind, value = entries[next(good_versions)]
        if kind == "raw":
            line = value if value.endswith(b"\n") else value + b"\n"
        else:
            line = _line(value)
        journal.lines.append(line)
        journal.n_hostile += kind != "good"
    return journal


def finite_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isfinite(value)) or isinstance(value, int)
