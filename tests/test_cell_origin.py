"""A fit cell run by a real kernel records the notebook cell it came from: JupyterLab sends the
cell's id with each execution (``cellId`` in the request's metadata) and the panel opens the
notebook at that cell."""

from __future__ import annotations

import os

from jupyter_client.manager import start_new_kernel

from kepler_jupyter.journal import Journal

CELL = """%%kepler fit --name from-a-cell
from sklearn.linear_model import LogisticRegression
LogisticRegression(max_iter=200).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
"""


def _run(client, code: str, metadata: dict) -> None:
    """Send one execute request the way JupyterLab does, wait for it, fail on an error."""
    message = client.session.msg("execute_request", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": True}, metadata=metadata)
    client.shell_channel.send(message)
    reply = client.get_shell_msg(timeout=120)
    while reply["parent_header"].get("msg_id") != message["header"]["msg_id"]:
        reply = client.get_shell_msg(timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]


def test_the_cell_id_sent_with_the_execution_is_recorded(tmp_path):
    env = {**os.environ, "KEPLER_PROJECT_DIR": str(tmp_path), "JPY_SESSION_NAME":
           str(tmp_path / "train.ipynb")}
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        _run(client, "%load_ext kepler_jupyter", {"cellId": "setup-cell"})
        _run(client, CELL, {"cellId": "4f2c-fit-cell"})
        _run(client, CELL.replace("from-a-cell", "no-id"), {})
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    records = {record["name"]: record for record in Journal(tmp_path).experiments()}
    assert records["from-a-cell"]["source"]["cell_id"] == "4f2c-fit-cell"
    assert records["from-a-cell"]["source"]["notebook"] == str(tmp_path / "train.ipynb")
    assert "LogisticRegression(max_iter=200)" in records["from-a-cell"]["source"]["cell"]
    assert "cell_id" not in records["no-id"]["source"]  # a front end that sends none
