#!/usr/bin/env bash
# Installs everything the project needs into ./.venv and ./node_modules.
# Safe to run again: it only adds what is missing.
#   --browser  also Debian's chromium and a Japanese font, for the browser tests, and Pango,
#              which WeasyPrint needs for the PDF of a request's record (issue 11 §5)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Python packages: exactly the versions and files in requirements/lock.txt (hashes checked),
# made from pyproject.toml's ranges by scripts/lock.sh. uv installs them; uv itself is pinned
# with hashes in requirements/uv.txt. Skipped while the venv holds what these files name (the
# stamp); delete .venv/.requirements.sha256 to install again.
stamp=.venv/.requirements.sha256
want=$(cat requirements/uv.txt requirements/lock.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # From PyPI, like everything else (the machine's pip.conf may add local folders).
  PIP_CONFIG_FILE=/dev/null .venv/bin/python -m pip install --quiet --require-hashes --no-deps \
    -r requirements/uv.txt
  # PyPI only, as the lock was made (uv reads no pip.conf; a UV_* index setting must not leak in).
  env -u UV_INDEX_URL -u UV_EXTRA_INDEX_URL -u UV_INDEX -u UV_DEFAULT_INDEX -u UV_FIND_LINKS \
    .venv/bin/uv pip install --quiet --python .venv/bin/python --require-hashes \
    -r requirements/lock.txt
  .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
  echo "$want" >"$stamp"
fi

# Bootstrap from the npm registry (package-lock.json pins it); never a CDN.
if [ ! -d node_modules/bootstrap ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "IPAGothic" \
    || ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic \
        libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
    else
      echo "browser tests need Debian's chromium, fonts-ipafont-gothic and libpangoft2-1.0-0" \
        "(apt-get install as root)" >&2
    fi
  fi
fi
