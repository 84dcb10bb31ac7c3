#!/usr/bin/env bash
# README command 2: install, then run the whole test suite.
# Uses SQLite unless DATABASE_URL points at PostgreSQL (postgres://user@host:port/name).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --browser
exec .venv/bin/python -m pytest --create-db "$@"
