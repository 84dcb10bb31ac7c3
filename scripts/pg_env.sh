# Sourced by scripts/backup.sh and scripts/restore.sh: DATABASE_URL → libpq's environment
# (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE …), so that pg_dump, pg_restore
# and psql are called without the URL on their command line, where any local user could read
# the password in `ps` or /proc/<pid>/cmdline. The environment is readable by the same user only.
#
#   pg_env_from_url URL   exports the variables; exits 2 if URL is not PostgreSQL
pg_env_from_url() {
  local exports python
  python="${PYTHON:-$(dirname "${BASH_SOURCE[0]}")/../.venv/bin/python}"
  exports="$("$python" - "$1" <<'PY'
import shlex
import sys
from urllib.parse import parse_qsl, unquote, urlsplit

url = urlsplit(sys.argv[1])
if url.scheme not in ("postgres", "postgresql", "pgsql", "psql"):
    sys.exit(2)
values = {
    "PGHOST": unquote(url.hostname or ""),
    "PGPORT": str(url.port or ""),
    "PGUSER": unquote(url.username or ""),
    "PGPASSWORD": unquote(url.password or ""),
    "PGDATABASE": unquote(url.path.lstrip("/")),
}
# The libpq options a DATABASE_URL may carry (?sslmode=require …), as their variables.
OPTIONS = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
           "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "host": "PGHOST",
           "port": "PGPORT", "options": "PGOPTIONS", "application_name": "PGAPPNAME"}
for key, value in parse_qsl(url.query):
    if key in OPTIONS:
        values[OPTIONS[key]] = value
for name, value in values.items():
    if value:
        print(f"export {name}={shlex.quote(value)}")
    else:
        print(f"unset {name}")
PY
)" || return 2
  eval "$exports"
}
