#!/usr/bin/env bash
# Set up what is missing, then run the hotline (embedded default: local Asterisk, SQLite, demo data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/hotline run --demo "$@"
