#!/usr/bin/env bash
# Install PolicyQA into .venv (created if missing). Usage: scripts/install.sh [extras], e.g. "local-llm,test".
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local-llm}"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first and pinned: this takes the CPU build from local disk; a looser pin pulls a multi-GB CUDA build
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e ".[${extras}]"
