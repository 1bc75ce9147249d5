#!/usr/bin/env bash
# Creates .venv (Python 3.11) with kepler_jupyter and everything the quickstart and the tests
# need: TensorFlow/Keras, JupyterLab, ipywidgets, plotly, pandas, scikit-learn, TinyDB.
# The JupyterLab extension is built from labextension/ by the Python build (needs Node 20).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[all]"
