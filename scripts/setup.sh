#!/usr/bin/env bash
# All set-up on a fresh Debian 12 machine (as root, or with sudo): system packages, then a
# virtualenv with the project and its test tools. Idempotent: a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
PY=${PYTHON:-python3}
stamp=.venv/.installed
# Python dependencies: exactly the versions of requirements.lock, each file checked against its
# sha256 hash (the lock pins the build back-end too, so the project's own editable install builds
# without fetching anything unchecked); then the project itself, with --no-deps. Again whenever
# the lock or pyproject.toml changes (scripts/lock.sh regenerates the lock from pyproject.toml).
# The installer is uv (scripts/lock-tool.txt: the version lock.sh resolves with, itself installed
# hash-checked by pip): 15 s instead of pip's 56 s here, bytecode compiled on every core (these
# machines set PYTHONDONTWRITEBYTECODE, so nothing would compile it later). --no-config: the
# machine's or user's uv settings play no part; --system-certs: uv trusts the system's
# authorities as pip does (without it, behind a TLS-intercepting proxy, a fresh Debian fails).
uv=(.venv/bin/uv pip install --no-config --system-certs --python .venv/bin/python --require-hashes --compile-bytecode)
if [ ! -x .venv/bin/python ] || [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
  echo "setup: virtualenv .venv (requirements.lock, hash-checked)"
  "$PY" -m venv .venv
  { .venv/bin/pip install --require-hashes -r scripts/lock-tool.txt \
      && "${uv[@]}" -r requirements.lock \
      && .venv/bin/pip install --no-deps --no-build-isolation -e . ; } >.venv/pip.log 2>&1 \
    || { tail -n 30 .venv/pip.log >&2; exit 1; }
  touch "$stamp"
fi
# Vietnamese speech to text (the default engine): viet-asr, exactly the version that carries its
# model, hash-checked. Its wheel exists for CPython 3.11 on x86-64 Linux only; elsewhere Vosk stays.
if ! .venv/bin/pip show -q viet-asr >/dev/null 2>&1 || [ requirements-viet-asr.txt -nt .venv/.viet-asr ]; then
  if .venv/bin/python -c 'import platform, sys; sys.exit(not (sys.implementation.name == "cpython"
      and sys.version_info[:2] == (3, 11) and platform.system() == "Linux" and platform.machine() == "x86_64"))'; then
    echo "setup: viet-asr (pinned, hash-checked)"
    "${uv[@]}" --no-deps -r requirements-viet-asr.txt >>.venv/pip.log 2>&1 \
      || { tail -n 30 .venv/pip.log >&2; exit 1; }
    touch .venv/.viet-asr
  else
    echo "setup: viet-asr is pinned for CPython 3.11 on x86-64 Linux, not $(.venv/bin/python -c 'import platform; print(platform.python_implementation(), platform.python_version(), platform.machine())');" \
         "speech to text needs a Vosk model: [transcription] engine = \"vosk\" (docs/operations.md)" >&2
  fi
fi
# Browser assets: JsSIP and Leaflet (the maps) from npm, bundled with esbuild (never committed).
# `npm ci` installs exactly what package-lock.json names, each package checked against its integrity hash.
web=hotline/agent_desktop/web
vendor=hotline/agent_desktop/static/vendor/jssip.js
if [ ! -f $vendor ] || [ ! -f hotline/agent_desktop/static/vendor/leaflet/leaflet.js ] \
   || [ $web/package.json -nt $vendor ] || [ $web/package-lock.json -nt $vendor ]; then
  echo "setup: desktop assets (npm)"
  (cd $web && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build >/dev/null 2>&1)
fi
# The project's own bytecode, written here once: where PYTHONDONTWRITEBYTECODE is set (as on these
# CI machines) every process would otherwise compile each module of the project it imports, at
# every start (0.4 s of CPU for each hotline a test starts).
.venv/bin/python -m compileall -q hotline >/dev/null
