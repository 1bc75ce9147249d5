"""jupyter_server extension: authenticated REST routes over the journal for the JupyterLab panel.

Routes, all under ``<base_url>/kepler/api/`` and all requiring Jupyter's authentication:

``GET version``
    package and payload-schema versions (the handshake with the panel)
``GET experiments?offset=&limit=&sort=&order=&q=&tag=&status=&metric=&metric_name=&columns=&path=``
    one page of light summaries, filtered and sorted, and the total; ``q`` takes ``%kepler
    search`` expressions, ``sort=field:NAME`` and ``columns=a,b`` any metric, setting or data field
``GET experiments/<id>?path=``
    one record in full (and its notebook, relative to the root)
``PATCH experiments/<id>?path=`` (JSON ``ExperimentEdit``)
    edit the hypothesis, conclusion, tags or archived flag (``Journal.update``)
``DELETE experiments/<id>?path=`` / ``POST experiments/<id>/restore?path=``
    delete (a tombstone) / undo that until the journal is compacted
``GET experiments.csv?<the list's parameters>``
    every experiment of the list's view (filter, sort, columns) as CSV
``GET compare?ids=a,b,c&path=``
    several records and the settings that differ between them
``GET columns?path=``
    the metrics, settings, data fields and tags a run table can show, and the default columns

Payload shapes: ``kepler_jupyter/schema/journal_api.schema.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

API_NAMESPACE = "kepler/api"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "kepler_jupyter.server"}]


def setup_handlers(web_app: Any, root_dir: str, allow_hidden: bool = False) -> None:
    """Register the routes on a tornado application, honouring its ``base_url``."""
    from jupyter_server.utils import url_path_join

    from kepler_jupyter.server.actions import ExperimentActionsHandler, RestoreHandler
    from kepler_jupyter.server.export import ExportCsvHandler
    from kepler_jupyter.server.handlers import (
        SETTINGS_KEY,
        ColumnsHandler,
        CompareHandler,
        ExperimentListHandler,
        KeplerServerState,
        VersionHandler,
    )

    web_app.settings[SETTINGS_KEY] = KeplerServerState(Path(root_dir).expanduser().resolve(),
                                                       allow_hidden=allow_hidden)
    base = url_path_join(web_app.settings.get("base_url", "/"), API_NAMESPACE)
    web_app.add_handlers(".*$", [
        (url_path_join(base, "version"), VersionHandler),
        (url_path_join(base, "experiments"), ExperimentListHandler),
        (url_path_join(base, "experiments.csv"), ExportCsvHandler),
        (url_path_join(base, "experiments", r"(?P<experiment_id>[^/]+)"), ExperimentActionsHandler),
        (url_path_join(base, "experiments", r"(?P<experiment_id>[^/]+)", "restore"), RestoreHandler),
        (url_path_join(base, "compare"), CompareHandler),
        (url_path_join(base, "columns"), ColumnsHandler),
    ])


def _prime_root_project(state: Any, log: Any) -> None:
    """Read the root project's journal once in the background, so that the panel's first list
    request is served from the cache (a cold read of 10,000 records takes most of a second)."""
    from kepler_jupyter.server.project import locate_project

    try:
        location = locate_project(state.root_dir, None, allow_hidden=state.allow_hidden)
        if location.has_journal:
            state.cache.snapshot(location)
    except Exception as exc:  # the request will read it instead, and report any problem
        log.debug("kepler_jupyter: could not pre-read the journal: %s", exc)


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Called by jupyter_server when the extension is enabled (it is, on install)."""
    import threading

    from kepler_jupyter.server.handlers import SETTINGS_KEY

    contents_manager = getattr(server_app, "contents_manager", None)
    setup_handlers(server_app.web_app, server_app.root_dir,
                   allow_hidden=bool(getattr(contents_manager, "allow_hidden", False)))
    state = server_app.web_app.settings[SETTINGS_KEY]
    threading.Thread(
        target=_prime_root_project, args=(state, server_app.log), name="kepler-prime", daemon=True
    ).start()
    server_app.log.info("kepler_jupyter: journal API at %s", API_NAMESPACE)
