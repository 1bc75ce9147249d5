"""The routes over HTTP on hostile journals (the strategies of tests/reliability/hostile.py):
every route answers 200 with strict JSON, every well-formed record is listed and opens, and a
damaged record is listed as damaged. Budget: the KEPLER_FUZZ profile (tests/conftest.py)."""

from __future__ import annotations

import asyncio
import json
import sys
import warnings
from pathlib import Path

from hypothesis import given, settings
from tornado.httpclient import HTTPClientError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reliability.hostile import HostileJournal, hostile_journals  # noqa: E402


async def test_every_route_answers_on_hostile_journals(jp_root_dir, jp_fetch):
    loop = asyncio.get_running_loop()
    counter = iter(range(1_000_000))

    def fetch(*parts: str, **params: str) -> dict:
        async def call():  # jp_fetch must be called on the loop's own thread
            try:
                return await jp_fetch("kepler", "api", *parts, params=params)
            except HTTPClientError as error:
                return error.response

        response = asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=60)
        payload = json.loads(response.body)  # strict JSON, also for errors: a message
        return {"code": response.code, **payload}

    @settings(max_examples=min(settings().max_examples, 15))
    @given(journal=hostile_journals())
    def check(journal: HostileJournal) -> None:
        folder = f"p{next(counter)}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            journal.write(Path(jp_root_dir) / folder)
        listing = fetch("experiments", path=folder, limit="1000")
        assert listing["code"] == 200, listing
        ids = [item["id"] for item in listing["items"]]
        assert journal.good_ids <= set(ids)
        rows = {item["id"]: item for item in listing["items"]}
        for exp_id in ids:
            detail = fetch("experiments", exp_id, path=folder)
            if exp_id in journal.good_ids:
                assert detail["code"] == 200 and detail["experiment"]["id"] == exp_id
                assert "damaged" not in detail["experiment"] and "damaged" not in rows[exp_id]
            else:
                # an id a URL cannot carry ("a/b", "..") is not found, with a message
                assert detail["code"] in (200, 404), detail
            if detail["code"] == 200 and detail["experiment"].get("damaged"):
                assert rows[exp_id].get("damaged"), "a damaged record must be listed as damaged"
        # ids the compare route can address (it splits on commas and strips spaces)
        others = [exp_id for exp_id in ids if exp_id not in journal.good_ids
                  and exp_id.strip() == exp_id and exp_id and "," not in exp_id]
        if others:
            compared = fetch("compare", path=folder, ids=",".join([min(journal.good_ids), *others[:5]]))
            assert compared["code"] in (200, 404), compared

    # the checks block on the server's answers, so they run beside the event loop
    await loop.run_in_executor(None, check)
