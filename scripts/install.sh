#!/usr/bin/env bash
# Installs everything the project needs into ./.venv and ./node_modules.
# Safe to run again: it only adds what is missing.
#   --browser  also Debian's chromium and a Japanese font, for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"

# Bootstrap from the npm registry (package-lock.json pins it); never a CDN.
if [ ! -d node_modules/bootstrap ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "IPAGothic"; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic >/dev/null
    else
      echo "browser tests need Debian's chromium and fonts-ipafont-gothic (apt-get install as root)" >&2
    fi
  fi
fi
