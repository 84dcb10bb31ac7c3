#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a FRESH PostgreSQL database
# (docs/operations/backup.md §4).
#
#   DATABASE_URL=postgres://user@host:5432/new_name bash scripts/restore.sh [--clean] FILE.dump
#
# 1. creates the database DATABASE_URL names if it does not exist (through the server's
#    "postgres" database, so the role needs CREATEDB for that);
# 2. refuses if it already has tables — a restore over a live registry would mix two states —
#    unless --clean is given: then pg_restore drops and re-creates every object in the dump;
# 3. restores in ONE transaction (all or nothing) without the dump's owners and grants, so the
#    objects belong to the role that restores them;
# 4. ANALYZE (a dump carries no planner statistics: without them the large lists would be slow
#    until autovacuum gets round to it);
# 5. `manage.py migrate --check`: fails if the code expects migrations the backup lacks, i.e.
#    the code is newer than the backup: then run `manage.py migrate` before starting the app;
# 6. prints the row counts of the main tables to compare with what you expect.
#
# Run it with the app's environment (DJANGO_SETTINGS_MODULE and the variables it needs), with
# DATABASE_URL set to the NEW database (PYTHON=… if the app's Python is not .venv/bin/python).
# The real restore, in order (app servers and worker stopped first, DATABASE_URL pointed at the
# new database last): docs/operations/backup.md §4.
set -euo pipefail
# shellcheck source=scripts/pg_env.sh
. "$(dirname "$0")/pg_env.sh"

usage() {
  echo "usage: DATABASE_URL=postgres://.../new_database $0 [--clean] FILE.dump" >&2
  exit 2
}

clean=0
dump=""
while [ $# -gt 0 ]; do
  case "$1" in
    --clean) clean=1; shift ;;
    -h | --help) usage ;;
    -*) usage ;;
    *)
      [ -z "$dump" ] || usage
      dump="$1"
      shift
      ;;
  esac
done
[ -n "$dump" ] || usage
[ -r "$dump" ] || { echo "cannot read $dump" >&2; exit 1; }
dump="$(realpath -- "$dump")" # the path as given, before moving to the project for manage.py
cd "$(dirname "$0")/.."

url="${DATABASE_URL:-}"
case "$url" in
  postgres://* | postgresql://*) ;;
  pgsql://* | psql://*) url="postgresql://${url#*://}" ;;
  *) echo "DATABASE_URL must name the PostgreSQL database to restore into" >&2; exit 2 ;;
esac
# postgresql://user@host:port/NAME?options -> NAME (created through the server's "postgres").
base="${url%%\?*}"
name="${base##*/}"
server="${base%/*}"
[ -n "$name" ] && [ "$server" != "postgresql:/" ] && [ "$server" != "postgres:/" ] \
  || { echo "DATABASE_URL names no database" >&2; exit 2; }
# libpq's environment from the URL (scripts/pg_env.sh): no password on any command line.
pg_env_from_url "$url"

# Read the archive's table of contents first: a damaged file stops here, before anything.
pg_restore --list "$dump" >/dev/null

exists="$(psql --no-psqlrc -X -At -v ON_ERROR_STOP=1 -v name="$name" --dbname=postgres \
  <<<"SELECT 1 FROM pg_database WHERE datname = :'name'")"
if [ "$exists" != 1 ]; then
  echo "creating database $name"
  createdb --maintenance-db=postgres "$name"
fi

tables="$(psql --no-psqlrc -X -At -v ON_ERROR_STOP=1 \
  -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")"
restore_options=(--no-owner --no-privileges --exit-on-error --single-transaction)
if [ "$tables" != 0 ]; then
  if [ "$clean" != 1 ]; then
    echo "database $name already has $tables tables: nothing restored." >&2
    echo "Restore into a new database (a new name in DATABASE_URL), or pass --clean to drop" >&2
    echo "and re-create every object of the backup in it." >&2
    exit 1
  fi
  restore_options+=(--clean --if-exists)
fi

echo "restoring $dump into $name"
pg_restore "${restore_options[@]}" --dbname="$PGDATABASE" "$dump"
# Cached public pages are keyed by the public generation (core/cache.py). A page rendered
# after the backup may have been stored under the backup's generation (a page is stored
# under the generation read before it was rendered); restoring that generation would bring
# such a page back. A new random value makes every cached page and open-data file stale.
psql --no-psqlrc -X -q -v ON_ERROR_STOP=1 -c \
  "UPDATE core_publicgeneration SET value = 1 + floor(random() * 4611686018427387903)::bigint"
psql --no-psqlrc -X -q -v ON_ERROR_STOP=1 -c "ANALYZE"

echo "checking that the schema matches the code (manage.py migrate --check)"
python="${PYTHON:-.venv/bin/python}"
if ! DATABASE_URL="$url" "$python" manage.py migrate --check; then
  echo "the schema does not match the code. Migrations the backup lacks (it is older than" >&2
  echo "the code; 'manage.py migrate' on $name applies them before the app starts):" >&2
  DATABASE_URL="$url" "$python" manage.py migrate --plan >&2 || true
  exit 1
fi
echo "ok: every migration of this code is applied"

echo "rows in the main tables:"
psql --no-psqlrc -X -v ON_ERROR_STOP=1 <<'SQL'
SELECT '職員 (organization_user)' AS "table", count(*) AS "rows" FROM organization_user
UNION ALL SELECT '部署 (organization_department)', count(*) FROM organization_department
UNION ALL SELECT '公式アカウント (accounts_officialaccount)', count(*)
  FROM accounts_officialaccount
UNION ALL SELECT '公開済みの運用ポリシー (policies_operationpolicy)', count(*)
  FROM policies_operationpolicy WHERE status = 'published'
UNION ALL SELECT '申請 (approvals_approvalrequest)', count(*) FROM approvals_approvalrequest
UNION ALL SELECT '決定 (approvals_decision)', count(*) FROM approvals_decision
UNION ALL SELECT 'なりすまし通報 (impersonation_impersonationreport)', count(*)
  FROM impersonation_impersonationreport
UNION ALL SELECT '未送信のメール (jobs_outboxmail)', count(*)
  FROM jobs_outboxmail WHERE status = 'pending';
SQL
echo "restored into $name. Next: docs/operations/backup.md §4 (point DATABASE_URL at it, start)."
