"""The panel's actions on one experiment: edit its notes and tags, archive, delete, restore.

``PATCH experiments/<id>`` takes the schema's ``ExperimentEdit`` (hypothesis, conclusion, tags,
archived; lengths bounded) and writes it through ``Journal.update``, under the same file lock a
kernel takes, so the edit is one new version of the record like any other. ``DELETE`` writes a
tombstone (``Journal.delete``) and ``POST experiments/<id>/restore`` undoes it until the
journal is compacted (``Journal.restore``). A payload that is not what the schema says is
answered 400 with a message naming the field and what it must be.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from tornado import web

from kepler_jupyter.journal.errors import JournalError
from kepler_jupyter.schema import load_api_schema
from kepler_jupyter.server.handlers import ExperimentHandler, KeplerHandler, record_payload
from kepler_jupyter.server.project import ProjectLocation

#: a larger body is refused before it is parsed (the edit's own bounds are far smaller)
MAX_BODY_BYTES = 64 * 1024
EDIT_FIELDS = ("hypothesis", "conclusion", "tags", "archived")


class EditError(ValueError):
    """An edit payload the route refuses; the message says which field and why."""


@lru_cache(maxsize=1)
def _edit_validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = load_api_schema()
    return Draft202012Validator({**schema["$defs"]["ExperimentEdit"], "$defs": schema["$defs"]})


def parse_edit(body: bytes) -> dict[str, Any]:
    """The ``ExperimentEdit`` in a request body; ``EditError`` with a clear message otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise EditError(f"The edit is {len(body)} bytes; at most {MAX_BODY_BYTES} are accepted.")
    try:
        payload = json.loads(body or b"null")
    except ValueError as error:
        raise EditError(f"The body must be a JSON object: {error}.") from None
    if not isinstance(payload, dict):
        raise EditError("The body must be a JSON object such as {\"conclusion\": \"...\"}.")
    problems = sorted(_edit_validator().iter_errors(payload), key=lambda e: list(e.absolute_path))
    if problems:
        problem = problems[0]
        where = ".".join(str(part) for part in problem.absolute_path) or "the edit"
        if problem.validator == "additionalProperties":
            message = (f"only {', '.join(EDIT_FIELDS)} can be edited; "
                       f"got {', '.join(sorted(set(payload) - set(EDIT_FIELDS)))}")
        elif problem.validator == "pattern":
            message = "a tag is one word without commas or spaces"
        else:
            message = problem.message
        raise EditError(f"Bad edit ({where}): {message}.")
    return payload


def edit_changes(edit: dict[str, Any]) -> dict[str, Any]:
    """The changes ``Journal.update`` gets for ``edit``; ``notes`` holds only the edited keys
    and is merged into the stored notes under the journal's lock (``merge_nested``)."""
    changes: dict[str, Any] = {}
    if "hypothesis" in edit or "conclusion" in edit:
        changes["notes"] = {key: edit[key].strip() or None
                            for key in ("hypothesis", "conclusion") if key in edit}
    if "tags" in edit:
        changes["tags"] = list(edit["tags"])
    if "archived" in edit:
        changes["archived"] = edit["archived"]
    return changes


def apply_edit(location: ProjectLocation, experiment_id: str, edit: dict[str, Any]) -> dict[str, Any]:
    """Write ``edit`` to the record; ``LookupError`` when no experiment has that id."""
    journal = location.journal()
    try:
        current = journal.get(experiment_id)
    except JournalError as error:
        raise LookupError(str(error)) from None
    return dict(journal.update(current["id"], edit_changes(edit), merge_nested=("notes",)))


def delete_experiment(location: ProjectLocation, experiment_id: str) -> str:
    journal = location.journal()
    try:
        journal.get(experiment_id)
    except JournalError as error:
        raise LookupError(str(error)) from None
    return str(journal.delete(experiment_id))


def restore_experiment(location: ProjectLocation, experiment_id: str) -> dict[str, Any]:
    return dict(location.journal().restore(experiment_id))


class ActionsMixin(KeplerHandler):
    """Runs one journal write in a worker thread and maps its errors to HTTP answers."""

    async def write_journal(self, function: Callable[..., Any], *args: Any) -> Any:
        self.check_client_schema()
        location = self.locate()
        if not location.has_journal:
            raise web.HTTPError(404, "This folder has no Kepler journal.", reason="unknown-experiment")
        try:
            return await asyncio.get_running_loop().run_in_executor(None, function, location, *args)
        except LookupError as error:
            raise web.HTTPError(404, str(error.args[0]), reason="unknown-experiment") from None
        except JournalError as error:
            self.log.warning("kepler: %s", error)
            raise web.HTTPError(409, str(error), reason="journal-refused") from None


class ExperimentActionsHandler(ExperimentHandler, ActionsMixin):
    """``GET`` (the record), ``PATCH`` (edit / archive) and ``DELETE`` one experiment."""

    @web.authenticated
    async def patch(self, experiment_id: str) -> None:
        try:
            edit = parse_edit(self.request.body)
        except EditError as error:
            raise web.HTTPError(400, str(error), reason="bad-edit") from None
        record = await self.write_journal(apply_edit, experiment_id, edit)
        self.send_json({"experiment": record_payload(record)})

    @web.authenticated
    async def delete(self, experiment_id: str) -> None:
        deleted = await self.write_journal(delete_experiment, experiment_id)
        self.send_json({"deleted": deleted})


class RestoreHandler(ActionsMixin):
    """``POST experiments/<id>/restore``: undo a delete (until compaction)."""

    @web.authenticated
    async def post(self, experiment_id: str) -> None:
        record = await self.write_journal(restore_experiment, experiment_id)
        self.send_json({"experiment": record_payload(record)})
