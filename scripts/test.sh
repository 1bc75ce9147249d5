#!/usr/bin/env bash
# Sets everything up (the venv, and Debian's chromium for the browser tests), then runs the
# whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
export TF_CPP_MIN_LOG_LEVEL=2
.venv/bin/ruff check .
.venv/bin/python -m mypy  # configuration and level: pyproject.toml [tool.mypy]
# the sidebar's TypeScript unit tests (jest); node_modules come from the build in setup.sh
(cd labextension && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test --silent)
# benchmarks as a smoke test: small sizes, figures printed, no timing assertions
.venv/bin/python -m benchmarks --quick
# last, so that pytest's summary is the run's closing line
.venv/bin/python -m pytest "$@"
