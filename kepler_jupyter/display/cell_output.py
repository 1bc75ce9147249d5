"""One output block per cell: everything kepler shows under a ``%%kepler fit`` cell.

In a notebook (widget mode) each message of a run (findings, the re-run notice, the curves,
the end line, the after-fit report) is a *part* of one container displayed once per cell,
instead of a ``display`` call each: a fit shows one block with one chart, and a cell that loops
over many fits replaces the parts with one live summary (``display.loop_summary``) rather than
growing by a block per fit.

The block's display bundle holds, besides the widget, its static twin: ``text/html`` (the
parts' static HTML, curves as inline SVG) and ``text/plain``. The bundle is sent again when
the cell ends (``close``), so the saved notebook keeps the final fallback for the frontends
that show it (nbconvert's HTML, GitHub's viewer, VS Code) where the widget cannot render.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: in a long cell, re-send the bundle (its static fallback) at most this often (seconds)
REFRESH_INTERVAL_S = 5.0


@dataclass
class Part:
    """One thing shown in a cell's block: its widget and its static twins."""

    widget: Any
    html: Callable[[], str]
    text: Callable[[], str]
    #: what it is ("findings", "curves", "after_fit", "summary"...), for those who replace it
    kind: str = ""


def html_part(markup: str, text: str, kind: str = "line") -> Part:
    """A part that is a bit of HTML (the end line, the blocked message)."""
    import ipywidgets

    return Part(ipywidgets.HTML(markup), lambda: markup, lambda: text, kind)


def widget_part(widget: Any, kind: str) -> Part:
    """A part made of one of kepler's widgets (``static_html()`` and ``to_text()``)."""
    static = getattr(widget, "static_html", None)
    to_text = getattr(widget, "to_text", None)
    return Part(widget,
                static if callable(static) else lambda: f"<pre>{html.escape(repr(widget))}</pre>",
                to_text if callable(to_text) else lambda: repr(widget), kind)


class CellOutput:
    """The one output block of a cell, displayed when its first part arrives."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self._view: Any = None
        self._handle: Any = None
        self._last_refresh = 0.0

    @property
    def displayed(self) -> bool:
        return self._view is not None

    def add(self, part: Part) -> None:
        """Show ``part`` below the others."""
        self.set_parts([*self.parts, part])

    def set_parts(self, parts: list[Part]) -> None:
        """Show ``parts`` instead of what the block showed."""
        self.parts = list(parts)
        if self._view is None:
            from IPython.display import display

            from kepler_jupyter.display.widgets.cell_view import CellView

            self._view = CellView(self)
            self._view.children = [part.widget for part in self.parts]
            self._handle = display(self._view, display_id=True)
            self._last_refresh = time.monotonic()
        else:
            self._view.children = [part.widget for part in self.parts]

    def find(self, kind: str) -> Part | None:
        return next((part for part in self.parts if part.kind == kind), None)

    def to_html(self) -> str:
        """The static HTML of every part (what shows where widgets do not run)."""
        # a div each: an inline SVG followed by a line of text would share its line
        return ("<div class='kepler-cell'>" + "".join(f"<div>{part.html()}</div>" for part in self.parts)
                + "</div>")

    def to_text(self) -> str:
        return "\n".join(text for text in (part.text() for part in self.parts) if text)

    def refresh(self, force: bool = False) -> None:
        """Send the block's bundle again so its static fallback is current (throttled)."""
        if self._handle is None:
            return
        if not force and time.monotonic() - self._last_refresh < REFRESH_INTERVAL_S:
            return
        self._last_refresh = time.monotonic()
        self._handle.update(self._view)

    def close(self) -> None:
        """The cell has ended: its block's final fallback goes to the notebook. The widgets
        stay live (a finding's Details and Ignore buttons keep working)."""
        self.refresh(force=True)
