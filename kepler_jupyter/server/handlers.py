"""The REST handlers under ``/kepler/api/``: version, experiment list, one experiment, compare.

Every verb is ``@tornado.web.authenticated`` (a request without the server's token or session
is refused with 403 by ``APIHandler``). Journal reads run in a worker thread so a large journal
never stalls the server's event loop.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from kepler_jupyter import __version__
from kepler_jupyter.journal.record import json_safe
from kepler_jupyter.schema import API_SCHEMA_VERSION
from kepler_jupyter.server.columns import column_catalogue
from kepler_jupyter.server.indexed_fields import indexed_catalogue
from kepler_jupyter.server.indexed_listing import indexed_query, indexed_record
from kepler_jupyter.server.listing import JournalCache, JournalSnapshot
from kepler_jupyter.server.metric import MetricChoice
from kepler_jupyter.server.origin import notebook_path
from kepler_jupyter.server.project import ProjectLocation, ProjectPathError, locate_project
from kepler_jupyter.server.query import ListQuery, QueryError, run_query
from kepler_jupyter.server.summaries import compare_rows

SCHEMA_HEADER = "X-Kepler-Schema-Version"
MAX_COMPARED = 20
SETTINGS_KEY = "kepler_jupyter"


@dataclass
class KeplerServerState:
    """What the handlers share, kept in the tornado application's settings."""

    root_dir: Path
    allow_hidden: bool = False
    cache: JournalCache = field(default_factory=JournalCache)


class KeplerHandler(APIHandler):
    """Shared plumbing: schema handshake, project resolution, JSON replies."""

    @property
    def kepler(self) -> KeplerServerState:
        return self.settings[SETTINGS_KEY]

    def check_client_schema(self) -> None:
        """Refuse a panel built for another payload schema, with a message it can show.

        The panel sends its schema version on every request; tools like ``curl`` send none
        and are served.
        """
        sent = self.request.headers.get(SCHEMA_HEADER)
        if sent is not None and sent.strip() != str(API_SCHEMA_VERSION):
            raise web.HTTPError(
                409,
                f"The Kepler panel speaks schema version {sent.strip()} but the server extension "
                f"(kepler_jupyter {__version__}) speaks version {API_SCHEMA_VERSION}. Reinstall "
                "kepler_jupyter so both come from the same version, then reload JupyterLab.",
                reason="schema-mismatch",
            )

    def locate(self) -> ProjectLocation:
        try:
            return locate_project(self.kepler.root_dir, self.get_argument("path", None),
                                  allow_hidden=self.kepler.allow_hidden)
        except ProjectPathError as error:
            raise web.HTTPError(error.status, error.message) from None

    def list_query(self) -> ListQuery:
        """The list route's parameters (filter, sort, columns, groups, page); 400 when malformed."""
        try:
            return ListQuery.from_arguments(lambda name: self.get_argument(name, None))
        except QueryError as error:
            raise web.HTTPError(400, str(error), reason="bad-query") from None

    async def snapshot(self, location: ProjectLocation) -> JournalSnapshot:
        try:
            return await asyncio.get_running_loop().run_in_executor(
                None, self.kepler.cache.snapshot, location)
        except Exception as error:  # the journal's own errors say what is wrong with the file
            self.log.warning("kepler: could not read the journal in %s: %s",
                             location.kepler_dir, error)
            raise web.HTTPError(500, f"Could not read the Kepler journal: {error}",
                                reason="journal-unreadable") from None

    async def from_index(self, function: Any, *args: Any) -> Any:
        """``function(*args)`` answered by the journal's index in a worker thread; ``None``
        when the index cannot answer (the snapshot of the whole journal is used instead)."""
        try:
            return await asyncio.get_running_loop().run_in_executor(None, function, *args)
        except Exception as error:  # the index is an optimisation: fall back, never fail
            self.log.debug("kepler: index not used for %s: %s", args[0].kepler_dir, error)
            return None

    async def find(self, location: ProjectLocation, experiment_id: str
                   ) -> tuple[dict[str, Any] | None, MetricChoice]:
        """One record by id or unique prefix, and the list's metric."""
        found = await self.from_index(indexed_record, location, experiment_id)
        if found is not None:
            return found
        snapshot = await self.snapshot(location)
        return _find(snapshot, experiment_id), snapshot.metric

    @staticmethod
    def project_payload(location: ProjectLocation) -> dict[str, Any]:
        return {"name": location.project_dir.name or str(location.project_dir),
                "path": location.display_path, "has_journal": location.has_journal}

    def send_json(self, payload: dict[str, Any]) -> None:
        # A poller must see new experiments: never let a proxy or the browser cache a reply.
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(payload, allow_nan=False))


class VersionHandler(KeplerHandler):
    @web.authenticated
    def get(self) -> None:
        self.send_json({"name": "kepler_jupyter", "version": __version__,
                        "schema_version": API_SCHEMA_VERSION})


class ExperimentListHandler(KeplerHandler):
    @web.authenticated
    async def get(self) -> None:
        self.check_client_schema()
        query = self.list_query()
        location = self.locate()
        payload = await self.from_index(indexed_query, location, query)
        if payload is None:
            payload = run_query(await self.snapshot(location), query)
        payload["project"] = self.project_payload(location)
        self.send_json(payload)


class ColumnsHandler(KeplerHandler):
    """The fields a run table can show for this project, and its default columns."""

    @web.authenticated
    async def get(self) -> None:
        self.check_client_schema()
        location = self.locate()
        catalogue = await self.from_index(indexed_catalogue, location)
        if catalogue is None:
            snapshot = await self.snapshot(location)
            catalogue = column_catalogue(snapshot.records, snapshot.metric.name)
            catalogue["metric"] = snapshot.metric.to_payload()
        catalogue["project"] = self.project_payload(location)
        self.send_json(catalogue)


def _find(snapshot: JournalSnapshot, experiment_id: str) -> dict[str, Any] | None:
    """The record with this id, or the only one whose id starts with it (like the CLI)."""
    if experiment_id in snapshot.by_id:
        return snapshot.by_id[experiment_id]
    matches = [record for key, record in snapshot.by_id.items() if key.startswith(experiment_id)]
    return matches[0] if len(matches) == 1 else None


def record_payload(record: dict[str, Any]) -> dict[str, Any]:
    """A (normalised) record as the schema's ``ExperimentRecord``: strict JSON, and a status
    even when the stored one was missing or unreadable."""
    payload = json_safe(record)
    if not isinstance(payload.get("status"), str):
        payload["status"] = "unknown"
    return payload


class ExperimentHandler(KeplerHandler):
    @web.authenticated
    async def get(self, experiment_id: str) -> None:
        self.check_client_schema()
        location = self.locate()
        record, metric = await self.find(location, experiment_id)
        if record is None:
            raise web.HTTPError(404, f"No experiment with id {experiment_id!r} in this project.",
                                reason="unknown-experiment")
        self.send_json({"experiment": record_payload(record), "metric": metric.to_payload(),
                        "project": self.project_payload(location),
                        "notebook_path": notebook_path(record, self.kepler.root_dir)})


class CompareHandler(KeplerHandler):
    @web.authenticated
    async def get(self) -> None:
        self.check_client_schema()
        ids = list(dict.fromkeys(
            part.strip() for part in self.get_argument("ids", "").split(",") if part.strip()))
        if not 2 <= len(ids) <= MAX_COMPARED:
            raise web.HTTPError(
                400, f"Give between 2 and {MAX_COMPARED} experiment ids as ?ids=a,b; got {len(ids)}.",
                reason="bad-query")
        location = self.locate()
        records, unknown = [], []
        metric = None
        for experiment_id in ids:
            record, metric = await self.find(location, experiment_id)
            if record is None:
                unknown.append(experiment_id)
            else:
                records.append(record_payload(record))
        if unknown:
            raise web.HTTPError(404, f"No experiment with id {', '.join(map(repr, unknown))} "
                                "in this project.", reason="unknown-experiment")
        rows = compare_rows(records)
        self.send_json({
            "experiments": records,
            "settings": rows,
            "differing": [row["key"] for row in rows if row["differs"]],
            "metric": metric.to_payload() if metric is not None else None,
            "project": self.project_payload(location),
        })
