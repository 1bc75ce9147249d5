"""``GET experiments.csv``: the run table's current view (filter, columns, sort) as CSV.

It takes the list route's parameters and runs the same query (over the index, else the cached
snapshot), page after page, writing each page as it comes: the file holds every matching
experiment, not only the rows the panel has loaded, in the order the table shows them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from tornado import web

from kepler_jupyter.server.handlers import KeplerHandler
from kepler_jupyter.server.indexed_listing import indexed_query
from kepler_jupyter.server.query import MAX_LIMIT, ListQuery, run_query

#: the fixed columns before the chosen ones: (header, list row key)
BASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"), ("name", "name"), ("status", "status"), ("created", "created"),
    ("framework", "framework"), ("model", "model_class"), ("n_params", "n_params"),
    ("duration_s", "duration_s"), ("errors", "n_errors"), ("warnings", "n_warnings"),
    ("tags", "tags"), ("hypothesis", "hypothesis"),
)
# Spreadsheets run a cell that starts with one of these as a formula: such text is quoted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def header(query: ListQuery, metric_name: str | None) -> list[str]:
    """The CSV's first row: the fixed columns, the list's metric, then the chosen columns."""
    return [name for name, _ in BASE_COLUMNS] + [metric_name or "metric"] + list(query.columns)


def cell(value: Any) -> str | int | float:
    """One value as a CSV cell: numbers as they are, lists joined with ``;``, text that a
    spreadsheet would run as a formula prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, list):
        value = ";".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def row(item: dict[str, Any], query: ListQuery) -> list[str | int | float]:
    """One list item (the list route's row) as a CSV row."""
    columns = item.get("columns") or {}
    values = [item.get(key) for _, key in BASE_COLUMNS] + [item.get("metric_value")]
    values += [columns.get(key) for key in query.columns]
    return [cell(value) for value in values]


def pages(query: ListQuery) -> Iterator[ListQuery]:
    """The queries of the export's pages: the list's filter and sort, ``MAX_LIMIT`` rows each.

    A grouped table is exported run by run (a group's row is a summary of runs, not one): the
    file holds every run the view's filter keeps.
    """
    offset = 0
    while True:
        yield replace(query, offset=offset, limit=MAX_LIMIT, group=False)
        offset += MAX_LIMIT


def encode(rows: Sequence[Sequence[str | int | float]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def file_name(project_name: str) -> str:
    """``kepler-<project>-<UTC date and time>.csv``, safe in a Content-Disposition header."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"kepler-{_SAFE_NAME.sub('_', project_name)[:60] or 'project'}-{stamp}.csv"


class ExportCsvHandler(KeplerHandler):
    """``GET experiments.csv?<the list route's parameters>``, streamed page by page."""

    @web.authenticated
    async def get(self) -> None:
        self.check_client_schema()
        query = self.list_query()
        location = self.locate()
        snapshot = None
        started = False
        for page_query in pages(query):
            payload = None if snapshot is not None else await self.from_index(
                indexed_query, location, page_query)
            if payload is None:
                # one snapshot for every page: the file is one consistent view
                snapshot = snapshot or await self.snapshot(location)
                payload = run_query(snapshot, page_query)
            if not started:
                self.set_header("Content-Type", "text/csv; charset=utf-8")
                self.set_header("Cache-Control", "no-store")
                name = file_name(self.project_payload(location)["name"])
                self.set_header("Content-Disposition", f'attachment; filename="{name}"')
                self.write(encode([header(query, payload["metric"]["name"])]))
                started = True
            items = payload["items"]
            if items:
                self.write(encode([row(item, query) for item in items]))
                await self.flush()
            if page_query.offset + len(items) >= payload["total"] or not items:
                break
        self.finish()
