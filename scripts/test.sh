#!/usr/bin/env bash
# README command 2: install, then run the whole test suite.
# Uses SQLite unless DATABASE_URL points at PostgreSQL (postgres://user@host:port/name).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --browser
# In parallel: one pytest-xdist worker per CPU core (at most 8), each with a test database of its
# own (test_<name>_gw0, …) and a Redis db of its own (tests/public/test_cache.py); loadgroup
# keeps a module marked xdist_group on one worker (tests/e2e/test_accessibility.py).
# `bash scripts/test.sh -n 0` runs everything in one process; `-x`, `-k`, paths work as usual.
exec .venv/bin/python -m pytest --create-db -n auto --maxprocesses 8 --dist loadgroup "$@"
