#!/usr/bin/env bash
# README command 1: install, migrate, load demo data and serve on http://127.0.0.1:8000/,
# with the job runner beside it (ADR 0014): the worker that sends queued mail (db_worker) and
# the scheduler (every minute the due mail, every day at DAILY_JOBS_AT — default 00:05 — the
# daily jobs, retried hourly until they succeed). Both
# stop when the server stops. Mail is printed by the worker (console backend in development).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo

pids=()
stop_jobs() {
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_jobs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
.venv/bin/python manage.py db_worker --no-reload --interval 2 &
pids+=($!)
.venv/bin/python manage.py run_scheduler &
pids+=($!)
# In the background too, so that a signal to this script stops all three at once.
.venv/bin/python manage.py runserver "${HOST_PORT:-127.0.0.1:8000}" &
pids+=($!)
wait "${pids[-1]}"
