#!/usr/bin/env bash
# All set-up on a fresh Debian 12 machine (as root, or with sudo): system packages, then a
# virtualenv with the project and its test tools. Idempotent: a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
PY=${PYTHON:-python3}
stamp=.venv/.installed
if [ ! -x .venv/bin/python ] || [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: virtualenv .venv"
  "$PY" -m venv .venv
  .venv/bin/pip install -e '.[test]' >.venv/pip.log 2>&1 || { tail -n 30 .venv/pip.log >&2; exit 1; }
  touch "$stamp"
fi
# Browser assets: JsSIP from npm, bundled with esbuild (never committed).
web=hotline/agent_desktop/web
if [ ! -f hotline/agent_desktop/static/vendor/jssip.js ] || [ $web/package.json -nt hotline/agent_desktop/static/vendor/jssip.js ]; then
  echo "setup: desktop assets (npm)"
  (cd $web && npm install --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build >/dev/null 2>&1)
fi
