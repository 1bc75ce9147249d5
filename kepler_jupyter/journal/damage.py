"""Telling the user, once, about journal lines that could not be read."""

from __future__ import annotations

import warnings
from pathlib import Path

from kepler_jupyter.journal.errors import JournalDamageWarning

# (file, (device, inode), line number) already reported: each damaged line is reported once
# per process, however many Journals read it.
_reported: set[tuple[str, tuple[int, int], int]] = set()


def report_damaged_lines(
    path: Path, identity: tuple[int, int] | None, line_numbers: list[int]
) -> None:
    """Warn about damaged lines of ``path`` not reported before."""
    key, identity = str(path), identity or (0, 0)
    new = sorted(n for n in set(line_numbers) if (key, identity, n) not in _reported)
    if not new:
        return
    _reported.update((key, identity, n) for n in new)
    shown = ", ".join(str(n) for n in new[:10]) + (", ..." if len(new) > 10 else "")
    warnings.warn(
        f"kepler skipped {len(new)} damaged line(s) in {path} (line {shown}), probably from an "
        "interrupted write; every other record was read. The damaged lines stay in the file "
        f"and are copied to {path.parent}/journal.damaged-<time>.jsonl before the journal is "
        "compacted.",
        JournalDamageWarning,
        stacklevel=4,
    )
