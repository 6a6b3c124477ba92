#!/usr/bin/env bash
# Fresh machine → test results: install (with test tools and Debian's Chromium for the browser tests), lint, test.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq chromium >/dev/null
fi
scripts/install.sh local-llm,test
.venv/bin/ruff check .
.venv/bin/mypy  # strict, on assistant/, index/ and eval/ ([tool.mypy] in pyproject.toml)
.venv/bin/lint-imports  # the layer contracts ([tool.importlinter] in pyproject.toml)
.venv/bin/python -m pytest "$@"
