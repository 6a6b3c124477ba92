#!/usr/bin/env bash
# Fresh machine → running app: install, build the index from documents/, serve the API and UI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh local-llm
.venv/bin/policyqa ingest
exec .venv/bin/policyqa serve "$@"
