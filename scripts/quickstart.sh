#!/usr/bin/env bash
# Sets everything up, then runs notebooks/quickstart.ipynb headless. The executed copy is
# written to build/quickstart.ipynb and the journal to .kepler/ in this folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p .kepler build
export TF_CPP_MIN_LOG_LEVEL=2
.venv/bin/jupyter nbconvert --to notebook --execute notebooks/quickstart.ipynb \
    --output-dir build --ExecutePreprocessor.timeout=600
.venv/bin/kepler list
echo
echo "Done. Open the notebook in JupyterLab with:  .venv/bin/jupyter lab notebooks/quickstart.ipynb"
