#!/usr/bin/env bash
# README command 1: install, migrate, load demo data and serve on http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
exec .venv/bin/python manage.py runserver "${HOST_PORT:-127.0.0.1:8000}"
