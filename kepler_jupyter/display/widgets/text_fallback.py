"""The plain-text twin every kepler widget has (terminals, scripts, logs, text exports)."""

from __future__ import annotations

from typing import Any


class TextFallback:
    """Mixin for ipywidgets containers that define ``to_text()``.

    ``repr`` and the ``text/plain`` part of the display bundle become that text: without it,
    ipywidgets shows a class name cut at 110 characters where widgets cannot render. A widget
    that also defines ``static_html()`` adds it as ``text/html``: what nbconvert's HTML,
    GitHub's viewer and VS Code show where the widget's model is not there to render.
    """

    def to_text(self) -> str:  # pragma: no cover - every user overrides it
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs) or {}  # type: ignore[misc]
        bundle["text/plain"] = self.to_text()
        static_html = getattr(self, "static_html", None)
        if callable(static_html):
            bundle["text/html"] = static_html()
        return bundle
