"""`python -m build` makes a wheel whose panel and server extension work without Node.

Slow (a Node build plus a fresh virtual environment: a few minutes) and it needs the npm and
PyPI registries, so it is marked ``slow``; CI runs it, ``-m "not slow"`` leaves it out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kepler_jupyter import __version__

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def _copy_source_tree(destination: Path) -> None:
    """Copy what git would ship (tracked and new, not ignored files), as a fresh clone has it.

    ``labextension/node_modules`` is copied too when present: it only saves the download,
    ``npm install`` still checks it against package-lock.json.
    """
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, check=True, capture_output=True).stdout.decode()
    for relative in filter(None, listing.split("\0")):
        source = REPO / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    node_modules = REPO / "labextension" / "node_modules"
    if node_modules.is_dir():
        shutil.copytree(node_modules, destination / "labextension" / "node_modules", symlinks=True)


def _run(command: list[str], **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{output[-6000:]}"
    return re.sub(r"\x1b\[[0-9;]*m", "", output)  # the extension lists are coloured


def test_wheel_installs_the_panel_and_server_extension_without_node(tmp_path):
    source = tmp_path / "source"
    _copy_source_tree(source)
    assert not (source / "kepler_jupyter" / "labextension").exists()  # so the build builds it

    dist = tmp_path / "dist"
    build_env = {key: value for key, value in os.environ.items()
                 if key not in ("HATCH_JUPYTER_BUILDER_SKIP_NPM", "SKIP_JUPYTER_BUILDER")}
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], env=build_env)
    wheels = list(dist.glob("kepler_jupyter-*.whl"))
    assert len(wheels) == 1, list(dist.iterdir())

    data = f"kepler_jupyter-{__version__}.data/data"
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    labextension = f"{data}/share/jupyter/labextensions/kepler-jupyter"
    assert {f"{labextension}/package.json", f"{labextension}/install.json",
            f"{labextension}/static/style.js",
            f"{data}/etc/jupyter/jupyter_server_config.d/kepler_jupyter.json",
            "kepler_jupyter/schema/journal_api.schema.json"} <= names
    assert any(re.fullmatch(rf"{labextension}/static/remoteEntry\.\w+\.js", n) for n in names)

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    bin_dir = venv / "bin"
    # Only the fresh environment on PATH: no Node, no other Jupyter.
    clean_env = {"PATH": str(bin_dir), "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "PIP_INDEX_URL", "PIP_CACHE_DIR"):
        if proxy in os.environ:
            clean_env[proxy] = os.environ[proxy]
    clean_env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    assert shutil.which("node", path=clean_env["PATH"]) is None
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheels[0]),
          "jupyterlab>=4.1,<5"], env=clean_env)

    labextensions = _run([str(bin_dir / "jupyter"), "labextension", "list"], env=clean_env)
    assert re.search(rf"kepler-jupyter v{re.escape(__version__)}\s+enabled\s+OK\s+"
                     r"\(python, kepler_jupyter\)", labextensions), labextensions
    server_extensions = _run([str(bin_dir / "jupyter"), "server", "extension", "list"],
                             env=clean_env)
    assert re.search(r"kepler_jupyter\s+enabled", server_extensions), server_extensions
    assert re.search(rf"kepler_jupyter\s+{re.escape(__version__)}\s+OK", server_extensions), \
        server_extensions
