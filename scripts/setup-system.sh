#!/usr/bin/env bash
# Installs the Debian packages the hotline needs on Debian 12 (bookworm), as root or with sudo.
# Asterisk 16 comes from Debian 11's security suite (bookworm has no asterisk package), pinned at
# priority 100 so nothing else is upgraded from there. The mirror host is the one this machine's
# apt sources already use. Idempotent: when everything is present it does nothing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# HOTLINE_PACKAGES selects what is installed: `full` (default: run, develop and test on this
# machine), `runtime` (what the application needs to run: the hotline's container image) or
# `edge` (the SIP edge's container image: Kamailio and the Python that renders its configuration).
# HOTLINE_CONTAINER_TESTS=1 adds what the tests of the container images need (the test command).
WANT=${HOTLINE_PACKAGES:-full}
case "$WANT" in full|runtime|edge) ;; *) echo "setup-system: HOTLINE_PACKAGES must be full, runtime or edge, not $WANT" >&2; exit 1;; esac
PACKAGES=(asterisk asterisk-modules sox espeak-ng ffmpeg ca-certificates tesseract-ocr tesseract-ocr-vie poppler-utils)
# Letters as PDF (WeasyPrint): pango draws the text, with the DejaVu fonts for Vietnamese.
PACKAGES+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
if [ "$WANT" = edge ]; then
  # The edge loads Kamailio's WebSocket (softphones' registrar) and PostgreSQL (locations) modules,
  # which Debian ships apart from the daemon.
  PACKAGES=(kamailio kamailio-websocket-modules kamailio-postgres-modules ca-certificates tini python3 python3-venv)
elif [ "$WANT" = runtime ]; then
  # tini reaps and forwards signals as PID 1 (Asterisk outlives a restarted application);
  # postgresql-client: `hotline backup` runs pg_dump; python3-venv: the image's virtualenv;
  # age: encrypted backups (`[backups] age_recipients`).
  PACKAGES+=(tini postgresql-client python3 python3-venv age)
else
  # postgresql: the tests run the store's suite on PostgreSQL too (a throwaway cluster per run);
  # age: encrypted backups (and their test).
  PACKAGES+=(sip-tester chromium postgresql age)
  # kamailio: the SIP edge in front of several nodes (its failover test runs on this machine), with
  # the modules it loads that Debian packages apart: WebSocket and PostgreSQL.
  PACKAGES+=(kamailio kamailio-websocket-modules kamailio-postgres-modules)
  # nginx-light and openssl: the TLS proxy in front of several nodes (the same configuration as the
  # proxy image's), in the failover test.
  PACKAGES+=(nginx-light openssl)
  # dovecot-imapd: a real IMAP server for the e-mail channel's tests (their own instance and port).
  PACKAGES+=(dovecot-imapd)
  # softhsm2: a PKCS#11 token (a module, as the USB tokens of Vietnamese certificate authorities)
  # for the tests of signed letters.
  PACKAGES+=(softhsm2)
  # What a minimal Debian (debootstrap minbase) lacks and the project uses: Playwright's bundled
  # Node.js needs libatomic1; fonts so that pages render Vietnamese text in the browser tests'
  # screenshots.
  PACKAGES+=(libatomic1 fonts-dejavu-core)
  # Node.js and npm build the desktop's browser assets, unless a Node.js is already there.
  command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)
  # A Python 3.11 with venv (Debian 12's python3), unless one is already there.
  if ! python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PACKAGES+=(python3 python3-venv python3-pip)
  fi
  # The container tests: a Docker engine, Compose, and debootstrap for a local base image.
  if [ "${HOTLINE_CONTAINER_TESTS:-0}" = 1 ]; then
    PACKAGES+=(docker.io docker-compose debootstrap)
  fi
fi
# HOTLINE_LIST_PACKAGES=1: print the selected set, one package a line, and install nothing
# (tests/unit/test_system_packages.py checks it against what the code and tests run).
if [ "${HOTLINE_LIST_PACKAGES:-0}" = 1 ]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "setup-system: run as root (or install sudo) to install: ${missing[*]}" >&2
  exit 1
fi
echo "setup-system: installing ${missing[*]}"

# Find the Debian mirror the machine already uses (deb822 .sources or one-line .list files).
mirror_of() {  # $1 = path suffix to look for: /debian or /debian-security
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -v '^[[:space:]]*#' | grep -oE "https?://[^ ]+$1/?( |\$)" | head -n 1 | tr -d ' ' | sed 's:/$::' || true
}
main_mirror=$(mirror_of "/debian")
sec_mirror=$(mirror_of "/debian-security")
[ -n "$main_mirror" ] || { echo "setup-system: no Debian mirror found in apt sources" >&2; exit 1; }
[ -n "$sec_mirror" ] || sec_mirror="${main_mirror%/debian}/debian-security"

list=/etc/apt/sources.list.d/hotline-bullseye.list
want="deb $main_mirror bullseye main
deb $sec_mirror bullseye-security main"
if [ ! -f "$list" ] || [ "$(cat "$list")" != "$want" ]; then
  echo "$want" | $SUDO tee "$list" >/dev/null
fi
pin=/etc/apt/preferences.d/hotline-bullseye
$SUDO tee "$pin" >/dev/null <<'PIN'
Package: *
Pin: release n=bullseye
Pin-Priority: 100

Package: *
Pin: release n=bullseye-security
Pin-Priority: 100
PIN

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" >/tmp/hotline-apt.log 2>&1 \
  || { tail -n 30 /tmp/hotline-apt.log >&2; exit 1; }
# The Debian package starts a system Asterisk on the default ports; the hotline runs its own.
# Stop only the distribution's service (never other Asterisk processes: a second hotline or a
# production PBX may run on this machine).
stop_service() {  # $1 = service name
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now "$1" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$1" ]; then
    $SUDO "/etc/init.d/$1" stop >/dev/null 2>&1 || true
    command -v update-rc.d >/dev/null 2>&1 && { $SUDO update-rc.d "$1" disable >/dev/null 2>&1 || true; }
  fi
}
if printf '%s\n' "${missing[@]}" | grep -qx asterisk; then
  stop_service asterisk
fi
# Likewise the packaged PostgreSQL cluster: the tests start their own, on their own port.
if printf '%s\n' "${missing[@]}" | grep -qx postgresql; then
  stop_service postgresql
fi
# Kamailio's packaged service: the edge is run by `hotline-edge run` on its rendered configuration.
if printf '%s\n' "${missing[@]}" | grep -qx kamailio; then
  stop_service kamailio
fi
# nginx's packaged service: the tests run their own proxy, on their own port.
if printf '%s\n' "${missing[@]}" | grep -qx nginx-light; then
  stop_service nginx
fi
# Dovecot's packaged service: the e-mail tests run their own server.
if printf '%s\n' "${missing[@]}" | grep -qx dovecot-imapd; then
  stop_service dovecot
fi
# Docker's engine: the container tests start their own (without a bridge or iptables rules).
if printf '%s\n' "${missing[@]}" | grep -qx docker.io; then
  stop_service docker
fi
