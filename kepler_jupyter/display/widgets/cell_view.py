"""The container of a cell's one output block (see ``display.cell_output``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from kepler_jupyter.display.widgets.text_fallback import TextFallback

if TYPE_CHECKING:
    from kepler_jupyter.display.cell_output import CellOutput


class CellView(TextFallback, widgets.VBox):
    """A box of the cell's parts whose bundle also holds their static HTML and text.

    Parameters
    ----------
    cell : CellOutput
        The parts it shows.
    """

    def __init__(self, cell: CellOutput) -> None:
        super().__init__()
        self.cell = cell
        self.add_class("kepler-cell-output")

    def to_text(self) -> str:
        return self.cell.to_text()

    def static_html(self) -> str:
        return self.cell.to_html()
