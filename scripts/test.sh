#!/usr/bin/env bash
# Set up what is missing, then run every test (unit and integration against a real Asterisk + SIPp).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/pytest "$@"
