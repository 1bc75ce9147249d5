"""Bounds on what the server keeps or sends per request, so no request can grow it without limit.

A cache keyed by request parameters (``metric_name``, sort orders) is an LRU of a fixed size:
anyone who can reach the server can send endless distinct values. User text in list rows is
cut: the list is polled every few seconds, and the detail route returns the text whole.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: entries kept per snapshot for each request-keyed cache (metric values, sort orders)
REQUEST_CACHE_SIZE = 16
#: characters of user text (name, hypothesis, tags...) a list row carries
ROW_TEXT_LIMIT = 300
#: tags a list row carries
ROW_TAG_LIMIT = 20


class LruDict(OrderedDict[K, V], Generic[K, V]):
    """A dict that keeps its ``maxsize`` most recently read or written entries."""

    def __init__(self, maxsize: int = REQUEST_CACHE_SIZE) -> None:
        super().__init__()
        self.maxsize = maxsize

    def get(self, key: K, default: V | None = None) -> V | None:  # type: ignore[override]
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.maxsize:
            self.popitem(last=False)


def cut_text(value: str | None, limit: int = ROW_TEXT_LIMIT) -> str | None:
    """``value`` cut to ``limit`` characters, with "…" marking the cut."""
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"
