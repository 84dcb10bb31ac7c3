#!/usr/bin/env bash
# Re-resolves requirements/lock.txt (runtime + dev, with hashes) from the ranges in
# pyproject.toml, for CPython 3.11 on x86_64 Linux, from PyPI. scripts/install.sh installs
# exactly that file. Versions already in the lock are kept while the ranges allow them.
#   bash scripts/lock.sh                     after changing a range or adding a dependency
#   bash scripts/lock.sh --upgrade           every package to the newest the ranges allow
#   bash scripts/lock.sh -P django           one package (--upgrade-package)
#   bash scripts/lock.sh --check             fail if the lock no longer matches pyproject.toml
# requirements/uv.txt pins the locking tool itself (uv); change its version there by hand
# (UV_VERSION=x.y.z bash scripts/lock.sh re-pins it with hashes).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/uv ] || bash scripts/install.sh
UV=.venv/bin/uv
# The same target wherever the lock is made (not the machine that happens to run this).
TARGET=(--python-version 3.11 --python-platform x86_64-unknown-linux-gnu)
# PyPI only: uv reads no pip.conf, and a UV_INDEX_URL on one machine must not leak in.
unset UV_INDEX_URL UV_EXTRA_INDEX_URL UV_INDEX UV_DEFAULT_INDEX UV_FIND_LINKS

compile() {
  "$UV" pip compile --quiet pyproject.toml --extra dev --generate-hashes "${TARGET[@]}" \
    --custom-compile-command "bash scripts/lock.sh" "$@"
}

if [ -n "${UV_VERSION:-}" ]; then
  echo "uv==$UV_VERSION" | "$UV" pip compile --quiet - --generate-hashes "${TARGET[@]}" \
    --no-annotate --custom-compile-command "UV_VERSION=$UV_VERSION bash scripts/lock.sh" \
    --output-file requirements/uv.txt
fi

if [ "${1:-}" = "--check" ]; then
  fresh=$(mktemp)
  trap 'rm -f "$fresh"' EXIT
  cp requirements/lock.txt "$fresh" # the current pins are the preferences, as in a normal run
  compile --output-file "$fresh"
  if ! diff -u requirements/lock.txt "$fresh"; then
    echo "requirements/lock.txt does not match pyproject.toml: run bash scripts/lock.sh" >&2
    exit 1
  fi
  echo "requirements/lock.txt matches pyproject.toml"
  exit 0
fi

compile --output-file requirements/lock.txt "$@"
echo "wrote requirements/lock.txt ($(grep -c '^[a-z0-9]' requirements/lock.txt) packages)"
