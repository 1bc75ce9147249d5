"""The fits of one block share its id (``source.run``), so the run table groups them under one
parent row; a block with one fit stays a plain row (or joins its re-runs)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

import kepler_jupyter
from kepler_jupyter.journal import Journal
from kepler_jupyter.server.indexed_listing import indexed_query
from kepler_jupyter.server.project import locate_project
from kepler_jupyter.server.query import ListQuery


def test_one_blocks_fits_group_under_one_parent(project):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] > 0).astype(int)
    with kepler_jupyter.watch(display="none") as loop:
        for c in (0.1, 1.0, 10.0):
            LogisticRegression(C=c).fit(X, y)
    with kepler_jupyter.watch(display="none") as single:
        LogisticRegression(C=0.5).fit(X, y)
    runs = [record["source"]["run"] for record in Journal(project).experiments()]
    assert runs[0] == runs[1] == runs[2] != runs[3]
    assert loop.run_id == runs[0] and single.run_id == runs[3]

    page = indexed_query(locate_project(project, None, allow_hidden=True),
                         ListQuery.from_arguments({"group": "1"}.get))
    assert page is not None and page["total"] == 2
    groups = [item.get("group") for item in page["items"]]
    assert groups[0] is None  # the newest block made one fit: a plain row
    assert groups[1]["kind"] == "loop" and groups[1]["count"] == 3
    assert groups[1]["key"] == f"c:{loop.run_id}"
