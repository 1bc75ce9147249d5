"""Authentication on every route, and no request reading outside the server root."""

from __future__ import annotations

import json
import os

import pytest
from sample_journal import make_record
from tornado.httpclient import HTTPClientError

ROUTES = [
    ("version",),
    ("experiments",),
    ("experiments", "b4se1ine01"),
    ("compare?ids=b4se1ine01,w1der00002",),
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: "/".join(route))
@pytest.mark.parametrize("auth", [None, "token not-the-token"], ids=["no-token", "wrong-token"])
async def test_requests_without_valid_auth_are_refused(sample_root, http_server_client,
                                                       jp_base_url, jp_fetch, route, auth):
    url = jp_base_url.rstrip("/") + "/kepler/api/" + "/".join(route)
    headers = {"Authorization": auth} if auth else {}
    with pytest.raises(HTTPClientError) as caught:
        await http_server_client.fetch(url, headers=headers, follow_redirects=False)
    assert caught.value.code in (401, 403)
    assert b"b4se1ine01" not in (caught.value.response.body or b"")
    # The same request with the server's token succeeds, so the refusal was about auth.
    path, _, query = "/".join(route).partition("?")
    params = dict(part.split("=", 1) for part in query.split("&")) if query else None
    response = await jp_fetch("kepler", "api", *path.split("/"), params=params)
    assert response.code == 200


async def _code(jp_fetch, path: str) -> tuple[int, str]:
    try:
        response = await jp_fetch("kepler", "api", "experiments", params={"path": path})
    except HTTPClientError as error:
        return error.code, json.loads(error.response.body)["message"]
    return response.code, ""


@pytest.fixture
def outside_journal(tmp_path):
    """A journal outside the server root that no request may reach."""
    from kepler_jupyter.journal import Journal

    outside = tmp_path / "outside"
    outside.mkdir()
    Journal(outside).add(make_record("0ut51de000000001", "SECRET outside", "2025-01-01T00:00:00Z"))
    return outside


@pytest.mark.parametrize(
    "path",
    ["..", "../..", "../outside", "sub/../../outside", "..%2Foutside", "%2e%2e/outside",
     "..\\outside", "/etc", "/", "sub/%2e%2e/%2e%2e", ".hidden"],
)
async def test_traversal_attempts_are_refused(sample_root, outside_journal, jp_root_dir,
                                              jp_fetch, path):
    (jp_root_dir / "sub").mkdir()
    (jp_root_dir / ".hidden").mkdir()
    code, message = await _code(jp_fetch, path)
    # Percent-escapes are decoded once by the server; a doubly-encoded name is then a plain
    # (missing) folder name, which is a 404: never an answer from outside the root.
    assert code in (403, 404), (code, message)
    climbs = ".." in path.replace("\\", "/").split("/")
    if climbs or path.startswith("/") or "\\" in path or path == ".hidden":
        assert code == 403, (path, message)


async def test_raw_encoded_traversal_in_the_url_is_refused(sample_root, outside_journal,
                                                           http_server_client, jp_base_url,
                                                           jp_auth_header):
    for raw in ("..%2F..", "%2E%2E%2Foutside", "..%252Foutside", "%2e%2e%5coutside"):
        url = f"{jp_base_url.rstrip('/')}/kepler/api/experiments?path={raw}"
        with pytest.raises(HTTPClientError) as caught:
            await http_server_client.fetch(url, headers=jp_auth_header)
        assert caught.value.code in (403, 404), raw
        assert b"SECRET" not in caught.value.response.body


async def test_symlinks_out_of_the_root_are_refused(sample_root, outside_journal, jp_root_dir,
                                                    jp_fetch):
    os.symlink(outside_journal, jp_root_dir / "link_to_outside")
    code, message = await _code(jp_fetch, "link_to_outside")
    assert code == 403 and "outside" in message
    # A project whose .kepler folder itself is a link to a journal outside the root.
    linked_project = jp_root_dir / "linked_project"
    linked_project.mkdir()
    os.symlink(outside_journal / ".kepler", linked_project / ".kepler")
    code, message = await _code(jp_fetch, "linked_project")
    assert code == 403 and ".kepler" in message


@pytest.mark.parametrize("linked", [".kepler/journal.jsonl", ".kepler/config.toml", "pyproject.toml"])
async def test_journal_files_linked_out_of_the_root_are_refused(outside_journal, jp_root_dir,
                                                                jp_fetch, linked):
    from kepler_jupyter.journal import Journal

    project = jp_root_dir / "project"
    Journal(project).add(make_record("1n5ide0000000001", "inside", "2025-01-01T00:00:00Z"))
    target = outside_journal / linked
    if not target.exists():
        target.write_text("[goal]\nmetric = 'SECRET'\n", encoding="utf-8")
    (project / linked).unlink(missing_ok=True)
    os.symlink(target, project / linked)
    code, message = await _code(jp_fetch, "project")
    assert code == 403 and "links outside" in message and linked in message
    for route in (("experiments", "0ut51de000000001"), ("compare",)):
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch("kepler", "api", *route,
                           params={"path": "project", "ids": "0ut51de000000001,1n5ide0000000001"})
        assert caught.value.code == 403 and b"SECRET" not in caught.value.response.body


async def test_subfolder_resolves_like_the_kernel(sample_root, jp_root_dir, fetch_json):
    from kepler_jupyter.journal import Journal

    # A notebook in a folder without its own journal writes to the nearest project above it.
    (jp_root_dir / "notebooks").mkdir()
    (jp_root_dir / "notebooks" / "analysis.ipynb").write_text("{}", encoding="utf-8")
    upward = await fetch_json("experiments", params={"path": "notebooks"})
    assert upward["total"] == 5 and upward["project"]["path"] == "."
    from_file = await fetch_json("experiments", params={"path": "notebooks/analysis.ipynb"})
    assert from_file["total"] == 5
    # A folder with its own .kepler is its own project.
    nested = jp_root_dir / "other_project"
    Journal(nested).add(make_record("0th3r00000000001", "nested experiment",
                                    "2025-03-01T00:00:00+00:00"))
    payload = await fetch_json("experiments", params={"path": "other_project"})
    assert [item["name"] for item in payload["items"]] == ["nested experiment"]
    assert payload["project"] == {"name": "other_project", "path": "other_project",
                                  "has_journal": True}


async def test_missing_folder_is_a_404(sample_root, jp_fetch):
    code, message = await _code(jp_fetch, "no/such/folder")
    assert code == 404 and "no/such/folder" in message


async def test_kepler_project_dir_overrides_like_in_the_kernel(sample_root, outside_journal,
                                                               monkeypatch, fetch_json):
    monkeypatch.setenv("KEPLER_PROJECT_DIR", str(outside_journal))
    payload = await fetch_json("experiments")
    assert [item["name"] for item in payload["items"]] == ["SECRET outside"]
    assert payload["project"]["path"] == str(outside_journal.resolve())
