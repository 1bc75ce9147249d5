"""Start a real ``jupyter lab`` on loopback and drive it with Playwright and Debian's Chromium.

Helpers for the browser tests (and for the quickstart-notebook test to come):

``start_jupyter_lab(root_dir)``
    context manager: a lab server with a token, isolated settings, kepler enabled as installed
``launch_chromium(playwright)``
    Debian's ``/usr/bin/chromium`` (Playwright's own browser download does not work here)
``open_lab_page(browser, lab)``
    a page with JupyterLab loaded and logged in, failing on any JavaScript dialog
``open_notebook_in_lab(page, lab, path)``
    open a notebook of the root in the page and wait for its kernel to be idle
``set_lab_theme(lab, theme)``
    switch the JupyterLab theme through the settings API (reload the page afterwards)
``this_trees_panel(workdir)``
    the environment that makes a lab load the panel built into the imported package
``open_sidebar(page)``
    show the kepler panel and wait for its rows
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]
TEST_OUTPUT = REPO / "test-output"
LAB_START_TIMEOUT_S = 120
PANEL = "#kepler-journal-panel"
UI_TIMEOUT_MS = 30_000


@dataclass
class LabServer:
    """A running ``jupyter lab``: its URL (with trailing slash), token and log file."""

    url: str
    token: str
    root_dir: Path
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def api(self, method: str, route: str, body: Any = None) -> Any:
        """Call a server route with the token; JSON in and out."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + route, data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_settings(settings_dir: Path) -> None:
    """No news / update prompts popping over the page (the machine has no internet anyway)."""
    notification = settings_dir / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")


@contextlib.contextmanager
def start_jupyter_lab(root_dir: Path, *, workdir: Path,
                      extra_env: dict[str, str] | None = None) -> Iterator[LabServer]:
    """Run ``jupyter lab`` on 127.0.0.1 with a random token, serving ``root_dir``.

    Settings and workspaces live in ``workdir`` so the user's own are never touched. The kepler
    extensions are used as installed (the lead's ``pip install -e .`` / the wheel): the test
    fails with a clear message if they are not.
    """
    token = secrets.token_hex(16)
    port = _free_port()
    settings_dir = workdir / "lab-settings"
    _write_settings(settings_dir)
    env = {key: value for key, value in os.environ.items() if key != "KEPLER_PROJECT_DIR"}
    env.update(extra_env or {})
    env["JUPYTER_RUNTIME_DIR"] = str(workdir / "runtime")
    log_path = workdir / "jupyter-lab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={workdir / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=root_dir)
    lab = LabServer(f"http://127.0.0.1:{port}/", token, root_dir, log_path, process)
    try:
        deadline = time.time() + LAB_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited:\n{log_path.read_text()[-4000:]}")
            try:
                lab.api("GET", "api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.time() > deadline:
                    raise TimeoutError(f"jupyter lab did not start:\n{log_path.read_text()[-4000:]}") from None
                time.sleep(0.5)
        try:
            lab.api("GET", "kepler/api/version")
        except urllib.error.HTTPError as error:
            raise RuntimeError(
                f"The kepler server extension does not answer ({error.code}): install the "
                "package with `pip install -e .` (it enables the extension).") from None
        yield lab
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium through Playwright."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_lab_page(browser: Any, lab: LabServer, *, dialogs: list[str],
                  viewport: tuple[int, int] = (1400, 900)) -> Any:
    """A page showing JupyterLab, logged in with the token.

    Any JavaScript dialog (``alert`` from an injected script) is recorded in ``dialogs`` and
    dismissed, so tests can assert that none fired.
    """
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})

    def _record(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", _record)
    # ?reset: start from the default layout, not the one an earlier page left in the workspace.
    page.goto(f"{lab.url}lab?reset&token={lab.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    page.wait_for_selector(".jp-SideBar.jp-mod-left .lm-TabBar-tab", timeout=60_000)
    return page


def open_notebook_in_lab(page: Any, lab: LabServer, path: str, timeout_ms: int = 120_000) -> Any:
    """Open ``path`` (relative to the lab root) and wait until its kernel is idle.

    Returns the notebook panel's locator; run cells with e.g.
    ``page.keyboard.press("Shift+Enter")`` or the "Run All Cells" command from the Run menu.
    """
    page.goto(f"{lab.url}lab/tree/{path}?reset&token={lab.token}")
    panel = page.locator(".jp-NotebookPanel").first
    panel.wait_for(timeout=timeout_ms)
    # The status bar says "<kernel> | Idle" only once the kernel is connected and started;
    # a cell run before that is silently not executed.
    page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\| Idle$")).wait_for(
        timeout=timeout_ms)
    return panel


def set_lab_theme(lab: LabServer, theme: str) -> None:
    """``"JupyterLab Light"`` or ``"JupyterLab Dark"``; takes effect when the page reloads."""
    lab.api("PUT", "lab/api/settings/@jupyterlab/apputils-extension:themes",
            {"raw": json.dumps({"theme": theme})})


def this_trees_panel(workdir: Path) -> dict[str, str]:
    """``JUPYTER_PATH`` putting the panel built into the imported package first.

    In a worktree that is the worktree's own build (``kepler_jupyter/labextension``), not the
    one installed into the shared environment; empty when the package has no build.
    """
    import kepler_jupyter

    build = Path(kepler_jupyter.__file__).parent / "labextension"
    if not (build / "package.json").exists():
        return {}
    data = workdir / "jupyter-data"
    (data / "labextensions").mkdir(parents=True, exist_ok=True)
    (data / "labextensions" / "kepler-jupyter").symlink_to(build)
    return {"JUPYTER_PATH": str(data)}  # searched first: this build wins


def open_sidebar(page: Any) -> Any:
    """Click the Kepler icon in the left sidebar (unless the panel is open) and wait for rows."""
    if not page.locator(PANEL).is_visible():
        page.click(f".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='{PANEL[1:]}']")
    page.wait_for_selector(f"{PANEL} .jp-kepler-row[data-experiment-id]", timeout=UI_TIMEOUT_MS)
    return page.locator(PANEL)
