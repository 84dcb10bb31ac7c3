#!/usr/bin/env bash
# Back up the PostgreSQL database DATABASE_URL points at (docs/operations/backup.md).
#
#   DATABASE_URL=postgres://user@host:5432/name bash scripts/backup.sh [--keep N] DIRECTORY
#
# Writes DIRECTORY/sns-registry-YYYYMMDD-HHMMSS.dump (pg_dump custom format, compressed),
# first under a temporary name that is renamed only once the dump is complete and has been
# read back in full by pg_restore, so a file with the final name is always a whole backup
# (a full disk or a dropped connection leaves no half file that looks like one). Then deletes
# all but the newest N backups in DIRECTORY (default 14; --keep 0 keeps everything) and prints
# the path and size of what it wrote. Any failure exits non-zero: cron/systemd can report it.
#
# Ownership and grants are kept in the dump; scripts/restore.sh leaves them out
# (--no-owner --no-privileges), so the dump restores as whichever role restores it.
#
# NOT in the database, to be kept separately (docs/operations/backup.md §1):
#   - the environment file (.env or the service's EnvironmentFile): DJANGO_SECRET_KEY, the
#     database and mail settings, the municipality's settings. A new SECRET_KEY after a
#     restore only signs everyone out and voids open password-reset links; nothing is lost.
#   - nothing else: the registry stores no uploaded files (no MEDIA_ROOT, no FileField;
#     imported CSV/xlsx files are read and dropped), and the open-data files and static files
#     are generated again (collectstatic, the worker after the next change).
set -euo pipefail
# shellcheck source=scripts/pg_env.sh
. "$(dirname "$0")/pg_env.sh"

usage() {
  echo "usage: DATABASE_URL=postgres://... $0 [--keep N] DIRECTORY" >&2
  exit 2
}

keep=14
directory=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep)
      [ $# -ge 2 ] || usage
      keep="$2"
      shift 2
      ;;
    --keep=*)
      keep="${1#--keep=}"
      shift
      ;;
    -h | --help) usage ;;
    -*) usage ;;
    *)
      [ -z "$directory" ] || usage
      directory="$1"
      shift
      ;;
  esac
done
[ -n "$directory" ] || usage
case "$keep" in '' | *[!0-9]*) echo "--keep takes a number, not '$keep'" >&2; exit 2 ;; esac

url="${DATABASE_URL:-}"
case "$url" in
  postgres://* | postgresql://*) ;;
  pgsql://* | psql://*) url="postgresql://${url#*://}" ;; # django-environ's aliases; libpq's name
  sqlite:* | "")
    echo "DATABASE_URL is not a PostgreSQL database. The embedded SQLite default is backed up" >&2
    echo "with: python manage.py backup_sqlite DIRECTORY (docs/operations/backup.md)" >&2
    exit 2
    ;;
  *) echo "DATABASE_URL: unsupported scheme '${url%%://*}'" >&2; exit 2 ;;
esac

# A dump holds staff names, mail addresses and password hashes: readable by its owner only.
umask 077
mkdir -p -- "$directory"
final="$directory/sns-registry-$(date +%Y%m%d-%H%M%S).dump"
if [ -e "$final" ]; then
  echo "$final already exists (two backups in the same second?); nothing written" >&2
  exit 1
fi
partial="$directory/.sns-registry-partial-$$.dump"
trap 'rm -f -- "$partial"' EXIT

pg_env_from_url "$url"  # scripts/pg_env.sh: no password on the command line
pg_dump --format=custom --file="$partial"
# Read the whole archive back: the table of contents (--list) and every data block (a restore
# to /dev/null decompresses them all), so a truncated or corrupt file fails here, not on the
# day it is needed. The migrations table must be in it: a dump of the wrong (empty) database
# would pass everything else.
toc="$(pg_restore --list "$partial")"
if ! grep -q 'TABLE DATA public django_migrations' <<<"$toc"; then
  echo "the dump has no django_migrations data: is DATABASE_URL the registry's database?" >&2
  exit 1
fi
pg_restore --file=/dev/null "$partial"
sync -- "$partial"
mv -- "$partial" "$final"
sync -- "$directory"
trap - EXIT

# Retention: only this script's own files (the name pattern), newest first by name (= time).
if [ "$keep" -gt 0 ]; then
  mapfile -t backups < <(find "$directory" -maxdepth 1 -type f \
    -name 'sns-registry-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9].dump' \
    | sort -r)
  for old in "${backups[@]:$keep}"; do
    rm -f -- "$old"
    echo "deleted old backup $old"
  done
fi

echo "wrote $final ($(du -h -- "$final" | cut -f1), $(grep -c 'TABLE DATA' <<<"$toc") tables)"
