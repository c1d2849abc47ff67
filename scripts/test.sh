#!/usr/bin/env bash
# Set up what is missing, then run every test (unit and integration against a real Asterisk + SIPp).
# The tests run in parallel workers (pytest-xdist), each with its own ports, hotlines and databases;
# a test file stays on one worker (its tests in order, its module fixtures started once).
# HOTLINE_TEST_WORKERS sets their number (0: no workers); options after test.sh go to pytest and
# come last, so `-n 0` there runs in this one process. The run ends with its duration and the 20
# slowest tests.
set -euo pipefail
cd "$(dirname "$0")/.."
HOTLINE_CONTAINER_TESTS=1 bash scripts/setup.sh
exec .venv/bin/pytest -n "${HOTLINE_TEST_WORKERS:-4}" --dist loadfile --durations=20 "$@"
