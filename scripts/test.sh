#!/usr/bin/env bash
# Set up what is missing, then run every test (unit and integration against a real Asterisk + SIPp).
set -euo pipefail
cd "$(dirname "$0")/.."
HOTLINE_CONTAINER_TESTS=1 bash scripts/setup.sh
exec .venv/bin/pytest "$@"
