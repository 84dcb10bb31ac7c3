#!/usr/bin/env bash
# README command 3: run the registry as production does (issue 12 §1).
#
#   bash scripts/production.sh            web (gunicorn) + task worker + scheduler
#   bash scripts/production.sh --no-jobs  web only: a further app server (see below)
#
# Steps: check the required settings (environment or .env), install (scripts/install.sh;
# SKIP_INSTALL=1 skips it when the same tree was just installed, as in CI), then with
# config.settings.production: migrate, collectstatic, and start together
#   - gunicorn with config/gunicorn.conf.py (GUNICORN_* variables, that file says which),
#   - the task worker (manage.py db_worker: queued mail, the open-data files after a change),
#   - the scheduler (manage.py run_scheduler: the due mail every minute, the daily jobs).
# Everything is written to stderr (the service manager keeps it). SIGTERM or SIGINT to this
# script stops all three, gracefully. If any of them exits, the others are stopped and the
# script exits non-zero, so the service manager (systemd Restart=always, a container's restart
# policy) starts the whole set again; give it KillMode=control-group (the default) so that a
# SIGKILL of the script takes its children too.
#
# Several app servers (one PostgreSQL, one Redis): start this script on one server first —
# it migrates and runs the jobs — and `--no-jobs` on the others: they collect their static
# files and serve the web, but never migrate (two migrations at once would collide) and run no
# worker or scheduler (one of each per deployment is enough; a second would be harmless: mail
# is claimed row by row and the daily jobs take a lease, jobs/scheduler.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec 1>&2

jobs=1
for arg in "$@"; do
  case "$arg" in
    --no-jobs) jobs=0 ;;
    *)
      echo "production.sh: unknown option $arg (only --no-jobs)"
      exit 2
      ;;
  esac
done

# --- The settings production cannot guess (config/settings/production.py, .env.example) ------
required=(DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS DATABASE_URL SITE_URL EMAIL_URL CACHE_URL)
missing=()
for name in "${required[@]}"; do
  # Set in the environment, or in .env (read by config/settings/base.py).
  if [ -z "${!name:-}" ] && ! grep -Eq "^[[:space:]]*${name}=[^[:space:]]" .env 2>/dev/null; then
    missing+=("$name")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "production.sh: required settings are missing: ${missing[*]}"
  echo "  Set them in the environment or in .env (see .env.example and README"
  echo "  \"本番と同じ構成で動かす / run as production\"). CACHE_URL: redis://127.0.0.1:6379/1"
  echo "  (several app servers share it), or locmemcache:// for one server without Redis."
  exit 2
fi
export DJANGO_SETTINGS_MODULE=config.settings.production
export PYTHONUNBUFFERED=1  # each log line reaches stderr at once, not when a buffer fills

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  bash scripts/install.sh
fi
py=.venv/bin/python
if [ "$jobs" = 1 ]; then
  "$py" manage.py migrate --noinput
fi
# collectstatic compresses every file (about 40 s of CPU): skipped when STATIC_ROOT already
# holds what it would write (the stamp: the storage and every source file's name, size and
# time), so a restart by the service manager is quick. Under a lock: two app servers on one
# host may share it.
# Delete STATIC_ROOT/.collected.sha256 to collect again.
"$py" - <<'EOF'
import fcntl
import hashlib
import os
from pathlib import Path

import django

django.setup()
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

root = Path(settings.STATIC_ROOT)
root.mkdir(parents=True, exist_ok=True)
with open(root / ".collectstatic.lock", "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    sources = sorted(
        (path, os.stat(storage.path(path)))
        for finder in get_finders()
        for path, storage in finder.list(["CVS", ".*", "*~"])
    )
    # What is collected, and how (a change of storage, e.g. to hashed names, collects again).
    digest = hashlib.sha256(repr(settings.STORAGES.get("staticfiles")).encode())
    for path, st in sources:
        digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    stamp = root / ".collected.sha256"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        print(f"production.sh: static files unchanged in {root}; collectstatic skipped")
    else:
        stamp.unlink(missing_ok=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(digest.hexdigest())
        print(f"production.sh: {len(sources)} static files collected into {root}")
EOF

# --- Start the three, stop them together ------------------------------------------------------
pids=()
stop_all() {
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    # gunicorn lets requests in flight finish (GUNICORN_GRACEFUL_TIMEOUT), the worker its task.
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

.venv/bin/gunicorn -c config/gunicorn.conf.py config.wsgi:application &
pids+=($!)
if [ "$jobs" = 1 ]; then
  # Polls the queue every second: the open-data files follow an approval within about 1 s.
  "$py" manage.py db_worker --no-reload --interval 1 &
  pids+=($!)
  "$py" manage.py run_scheduler &
  pids+=($!)
  echo "production.sh: started gunicorn, db_worker and run_scheduler (pids ${pids[*]})"
else
  echo "production.sh: started gunicorn only, --no-jobs (pid ${pids[*]})"
fi

# Whichever exits first (a crash, an out-of-memory kill, gunicorn failing to bind): stop the
# rest (the EXIT trap) and exit non-zero, even if it exited with 0 — none of them should.
status=0
wait -n "${pids[@]}" || status=$?
echo "production.sh: a process exited (status $status); stopping the others"
exit $((status == 0 ? 1 : status))
