"""The benchmark database, its seed, the settings environment and the cache keys of a run."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time

from bench.common import PYTHON, ROOT, BenchError, log

# --- Set-up: database, seed, static files ----------------------------------------------


def bench_env(args, static_root: str, cache_prefix: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}",
        EMAIL_URL="consolemail://",
        # Permalinks and QR codes only; nothing is fetched from it.
        SITE_URL=os.environ.get("SITE_URL", "https://sns.city.example.lg.jp"),
        CACHE_URL=args.cache_url,
        BENCH_STATIC_ROOT=static_root,
        BENCH_CACHE_PREFIX=cache_prefix,
        PYTHONUNBUFFERED="1",
    )
    return env


def pg_admin(args, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=args.pg_host,
        port=args.pg_port,
        user=args.pg_user,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def create_db(args) -> None:
    pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
    pg_admin(args, f'CREATE DATABASE "{args.db_name}"')


def drop_db(args) -> None:
    pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')


def manage(env, *argv: str, capture: bool = False) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise BenchError(f"manage.py {' '.join(argv)} failed:\n{proc.stdout[-4000:]}")
    if not capture:
        for line in proc.stdout.strip().splitlines()[-3:]:
            log(f"  | {line}")
    return elapsed, proc.stdout


DATA_SCRIPT = """
import json
from accounts.selectors import listed_accounts
rows = listed_accounts().order_by("pk").values_list("pk", "service__slug", "identifier", "url")
print("BENCHDATA" + json.dumps(list(rows)))
"""


def load_accounts(env) -> list[tuple[int, str, str, str]]:
    _, out = manage(env, "shell", "-c", DATA_SCRIPT, capture=True)
    for line in out.splitlines():
        if line.startswith("BENCHDATA"):
            return [tuple(r) for r in json.loads(line[len("BENCHDATA") :])]
    raise BenchError(f"could not read the seeded accounts:\n{out[-2000:]}")


def drop_cache_keys(args, prefix: str) -> None:
    try:
        import redis
    except ImportError:
        return
    try:
        r = redis.Redis.from_url(args.cache_url)
        keys = list(r.scan_iter(match=f"{prefix}:*", count=1000))
        for i in range(0, len(keys), 500):
            r.delete(*keys[i : i + 500])
    except Exception as exc:  # cleanup only: the keys expire after 10 minutes anyway
        log(f"could not delete cached keys {prefix}:* ({exc})")
