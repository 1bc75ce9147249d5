"""``RunOptions``: what the user asked of one ``%%kepler fit`` cell or ``watch()`` block.

The one list of run options. The magic's flags (``magics.py``) and ``watch()``'s keyword
arguments are two spellings of these fields; both build a ``RunOptions`` once, and the
dataclass validates and normalises the values itself, so there is one place that knows what
is allowed. ``tests/test_run_options.py`` checks that the three lists agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

ON_DUPLICATE_CHOICES = ("warn", "skip", "ask")
DISPLAY_CHOICES = ("auto", "widget", "text", "none")


def _codes(ignore: Iterable[str] | str) -> list[str]:
    """``["K104,k303", "K5"]`` -> ``["K104", "K303", "K5"]``."""
    if isinstance(ignore, str):
        ignore = [ignore]
    return [code.strip().upper() for item in ignore for code in str(item).split(",") if code.strip()]


@dataclass
class RunOptions:
    """What the user asked of one ``%%kepler fit`` cell or ``watch()`` block.

    Built once per cell or block; a wrong value raises ``ValueError`` saying what is allowed.
    The magic's flag of each field is in ``MAGIC_FLAGS``.
    """

    #: the experiment's name (default: the model's class; a second fit gets ``name #2``)
    name: str | None = None
    #: what the user expects the run to show; kept in the record's notes
    hypothesis: str | None = None
    tags: list[str] = field(default_factory=list)
    #: finding codes (or prefixes) to ignore for this cell (``--ignore K104,K303``)
    ignore: list[str] = field(default_factory=list)
    #: train even when pre-fit checks found errors (``--force``)
    force: bool = False
    #: what to do when the same experiment is already in the journal: warn, skip or ask
    on_duplicate: str = "warn"
    #: store the trained weights beside the journal (``--save``)
    save: bool = False
    #: run kepler's checks at all (``--no-checks`` turns them off)
    checks: bool = True
    #: "auto" (widgets in a notebook, text elsewhere), "widget", "text" or "none"
    display: str = "auto"
    #: the cell's source text and the notebook it came from, when known
    source: str | None = None
    notebook_path: str | None = None
    #: the notebook cell's id (JupyterLab sends it with each execution), to open it later
    cell_id: str | None = None

    def __post_init__(self) -> None:
        if self.on_duplicate not in ON_DUPLICATE_CHOICES:
            raise ValueError(
                f"on_duplicate must be one of {', '.join(ON_DUPLICATE_CHOICES)}, "
                f"not {self.on_duplicate!r}"
            )
        if self.display not in DISPLAY_CHOICES:
            raise ValueError(
                f"display must be one of {', '.join(DISPLAY_CHOICES)}, not {self.display!r}"
            )
        tags: Iterable[Any] = [self.tags] if isinstance(self.tags, str) else self.tags
        self.tags = [str(tag) for tag in tags]
        self.ignore = _codes(self.ignore)
        self.force, self.save, self.checks = bool(self.force), bool(self.save), bool(self.checks)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The names of the options, in order."""
        return tuple(item.name for item in fields(cls))

    @classmethod
    def from_flags(cls, parsed: Any, defaults: Mapping[str, Any] | None = None,
                   **from_cell: Any) -> RunOptions:
        """The options of a ``%%kepler fit`` line, parsed by the magic's ``argparse`` parser.

        Parameters
        ----------
        parsed : argparse.Namespace
            The magic's parsed flags (``MAGIC_FLAGS`` names the flag of each field).
        defaults : mapping, optional
            The magic's configured settings (traitlets) for flags the line does not give; a
            ``checks`` setting of False turns checks off whatever the line says.
        **from_cell
            Fields the cell itself gives: ``source``, ``notebook_path``, ``cell_id``.
        """
        values: dict[str, Any] = {}
        for name, flag in MAGIC_FLAGS.items():
            given = getattr(parsed, flag.lstrip("-").replace("-", "_"))
            if name == "checks":
                given = False if given else None  # --no-checks can only turn checks off
            if given is not None:
                values[name] = given
        for name, default in (defaults or {}).items():
            if name == "checks":
                values[name] = bool(default) and values.get(name, True)
            else:
                values.setdefault(name, default)
        return cls(**values, **from_cell)


#: the ``%%kepler fit`` flag of each field; ``source``, ``notebook_path`` and ``cell_id`` come
#: from the cell
#: itself. ``--no-checks`` is the negation of ``checks``; ``--tag`` is given once per tag.
MAGIC_FLAGS: dict[str, str] = {
    "name": "--name",
    "hypothesis": "--hypothesis",
    "tags": "--tag",
    "ignore": "--ignore",
    "force": "--force",
    "on_duplicate": "--on-duplicate",
    "save": "--save",
    "checks": "--no-checks",
    "display": "--display",
}
