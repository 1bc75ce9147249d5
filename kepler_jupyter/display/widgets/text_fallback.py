"""The plain-text twin every kepler widget has (terminals, scripts, logs, text exports)."""

from __future__ import annotations

from typing import Any


class TextFallback:
    """Mixin for ipywidgets containers that define ``to_text()``.

    ``repr`` and the ``text/plain`` part of the display bundle become that text: without it,
    ipywidgets shows a class name cut at 110 characters where widgets cannot render.
    """

    def to_text(self) -> str:  # pragma: no cover - every user overrides it
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs) or {}  # type: ignore[misc]
        bundle["text/plain"] = self.to_text()
        return bundle
